// make doctor on the real engine: it passes on a ready machine (local images, free ports, a
// private state folder) and fails, naming what to fix, when a port is held by another program or
// container or set twice, an image is neither here nor in its registry, or the state folder is
// open. The ports and images it checks are the ones the config reads, not a list of its own.
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { buildImages, freeReplicaPorts, run, runStep, suiteEnv, type SuiteEnv } from '../helpers/docker-suite.ts'
import { putImage, startMuteServer, startRegistry, type TestRegistry } from '../helpers/registry.ts'

let suite: SuiteEnv
let env: Record<string, string>
let registry: TestRegistry
let state: string
const foreign = `tm-doctor-${process.pid}-foreign`

test.before(async () => {
  suite = await suiteEnv('doctor')
  state = mkdtempSync(join(tmpdir(), 'tm-doctor-state-'))
  env = { ...suite.env, ...(await buildImages()), STATE_DIR: state }
  registry = await startRegistry()
  const build = await run('make', ['-s', 'build'], {})
  assert.is(build.code, 0, build.text)
})

test.after(async () => {
  spawnSync('docker', ['rm', '--force', foreign], { stdio: 'ignore' })
  suite?.cleanup()
  rmSync(state, { recursive: true, force: true })
  await registry?.stop()
})

const doctor = (extra: Record<string, string> = {}, args: string[] = []) =>
  runStep('doctor', args, { ...env, ...extra }, 120_000)

function hold(port: number): Promise<Server> {
  const server = createServer()
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)))
}

const release = (server: Server) => new Promise((resolve) => server.close(resolve))

interface Report {
  ok: boolean
  checks: { check: string; status: 'ok' | 'warn' | 'fail'; message: string; fix?: string; variable?: string }[]
}

/** Every host port of the stack, in the order loadConfig reads them. */
const PORTS = [
  'TRITON_HTTP_PORT',
  'TRITON_GRPC_PORT',
  'TRITON_METRICS_PORT',
  'PROMETHEUS_PORT',
  'GRAFANA_PORT',
  'ALERTMANAGER_PORT',
]

test('a ready machine: nothing fails, exit 0, every image and port of the config checked', async () => {
  const result = await doctor()
  assert.is(result.code, 0, result.text)
  assert.match(result.text, /✔ Docker engine: \S+ \(API [\d.]+, /)
  for (const variable of ['TRITON_IMAGE', 'PROMETHEUS_IMAGE', 'GRAFANA_IMAGE', 'ALERTMANAGER_IMAGE']) {
    assert.match(result.text, `✔ image: ${variable}=${env[variable]}: here`)
  }
  for (const variable of PORTS) {
    assert.match(result.text, `✔ port: 127.0.0.1:${env[variable]} (${variable}): free`)
  }
  assert.match(result.text, /GPU: /)
  assert.match(result.text, /✔ disk: [\d.]+ [GT]B free under \S+; nothing to pull/)
  assert.match(result.text, `✔ state folder: ${state}: private (0700)`)
  assert.match(result.text, `✔ Node.js: ${process.version}`)
  assert.match(result.text, 'ready for `make all`')
})

test('--json: the same checks for a machine to read, on stdout alone', async () => {
  const result = await doctor({}, ['--json'])
  assert.is(result.code, 0, result.text)
  const report = JSON.parse(result.stdout) as Report
  assert.ok(report.ok)
  assert.equal(
    report.checks.filter((c) => c.check === 'port').map((c) => c.variable),
    PORTS,
  )
  assert.not.ok(report.checks.some((c) => c.status === 'fail'))
})

test('a port held by another program: exit 1, naming the port, its variable and who to ask', async () => {
  const port = Number(env.GRAFANA_PORT)
  const holder = await hold(port)
  try {
    const result = await doctor()
    assert.is(result.code, 1, result.text)
    assert.match(result.text, `✖ port: 127.0.0.1:${port} (GRAFANA_PORT): taken by another program`)
    assert.match(result.text, `ss -ltnp 'sport = :${port}'`)
    assert.match(result.text, 'GRAFANA_PORT=<free port>')
    assert.match(result.text, /1 of \d+ checks failed: `make all` would stop at it/)
  } finally {
    await release(holder)
  }
})

test('the same port for two services: named as a duplicate', async () => {
  const result = await doctor({ PROMETHEUS_PORT: env.TRITON_HTTP_PORT! })
  assert.is(result.code, 1, result.text)
  assert.match(
    result.text,
    `✖ port: 127.0.0.1:${env.TRITON_HTTP_PORT} (TRITON_HTTP_PORT, PROMETHEUS_PORT): the same port is set 2 times`,
  )
})

test("TRITON_REPLICAS=2: the second replica's ports are checked too, a taken one named with the setting that moves it", async () => {
  const ports = await freeReplicaPorts(2)
  const second = Number(ports.TRITON_HTTP_PORT) + 10
  const holder = await hold(second)
  try {
    const result = await doctor({ ...ports, TRITON_REPLICAS: '2' })
    assert.is(result.code, 1, result.text)
    for (const port of [1, 2].map((i) => Number(ports.TRITON_HTTP_PORT) + 10 + i))
      assert.match(
        result.text,
        new RegExp(
          `✔ port: 127\\.0\\.0\\.1:${port} \\(TRITON_\\w+_PORT \\(${env.TRITON_CONTAINER}-2: \\+10\\)\\): free`,
        ),
      )
    assert.match(
      result.text,
      `✖ port: 127.0.0.1:${second} (TRITON_HTTP_PORT (${env.TRITON_CONTAINER}-2: +10)): taken by another program`,
    )
    assert.match(result.text, 'TRITON_HTTP_PORT=<free port>')
  } finally {
    await release(holder)
  }
})

test("the stack's own container holds its ports; another container's is named", async () => {
  const triton = await run('make', ['-s', 'triton'], env)
  assert.is(triton.code, 0, triton.text)
  const started = spawnSync(
    'docker',
    ['run', '--detach', '--name', foreign, '--publish', `127.0.0.1:${env.GRAFANA_PORT}:3000`, env.GRAFANA_IMAGE!],
    { encoding: 'utf8' },
  )
  assert.is(started.status, 0, started.stderr)
  try {
    const result = await doctor()
    assert.is(result.code, 1, result.text)
    assert.match(
      result.text,
      `✔ port: 127.0.0.1:${env.TRITON_HTTP_PORT} (TRITON_HTTP_PORT): held by this stack's ${env.TRITON_CONTAINER}`,
    )
    assert.match(result.text, `✖ port: 127.0.0.1:${env.GRAFANA_PORT} (GRAFANA_PORT): taken by container ${foreign}`)
    assert.match(result.text, `docker stop ${foreign}`)
  } finally {
    spawnSync('docker', ['rm', '--force', foreign], { stdio: 'ignore' })
  }
})

test('an image not here: its registry has it (and the size to pull), or it has not', async () => {
  const repo = `tm-doctor-${process.pid}/app`
  await putImage(registry.host, repo, '1', [Buffer.alloc(4000, 7)])
  const result = await doctor({
    TRITON_IMAGE: `${registry.host}/${repo}:1`,
    GRAFANA_IMAGE: `${registry.host}/${repo}:missing`,
  })
  assert.is(result.code, 1, result.text)
  assert.match(
    result.text,
    `✔ image: TRITON_IMAGE=${registry.host}/${repo}:1: not here, http://${registry.host} has it (4.`,
  )
  assert.match(result.text, `✖ image: GRAFANA_IMAGE=${registry.host}/${repo}:missing: not here,`)
  assert.match(result.text, 'has no such image or tag')
  assert.match(result.text, /✔ disk: .*kB to pull/)
})

test('a registry that never answers: named within the short deadline, with the mirror fix', async () => {
  const mute = await startMuteServer()
  try {
    const started = Date.now()
    const result = await doctor({ TRITON_IMAGE: `${mute.host}/tm/x:1` }, ['--registry-timeout', '2'])
    assert.is(result.code, 1, result.text)
    assert.match(result.text, `its registry http://${mute.host} cannot be reached from here within 2 s`)
    assert.match(result.text, 'point TRITON_IMAGE at a mirror')
    assert.ok(Date.now() - started < 30_000)
  } finally {
    await mute.close()
  }
})

test('changes nothing: a missing state folder is not created, not even for the report', async () => {
  const missing = join(state, 'not-yet')
  const result = await doctor({ STATE_DIR: missing })
  assert.is(result.code, 0, result.text)
  assert.match(result.text, `✔ state folder: ${missing}: created 0700 on first use`)
  assert.not.ok(existsSync(missing), `${missing} was created`)
})

test('a state folder others can read: named with chmod as the fix', async () => {
  chmodSync(state, 0o755)
  try {
    const result = await doctor()
    assert.is(result.code, 1, result.text)
    assert.match(result.text, `✖ state folder: the state folder ${state} is open to other users (mode 0755)`)
    assert.match(result.text, `chmod 700 ${state}`)
  } finally {
    chmodSync(state, 0o700)
  }
})

test.run()
