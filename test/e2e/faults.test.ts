// Faults the fault-injection pass of issue 12 found the stack surviving, given tests of their
// own: a killed Prometheus or Grafana comes back with the next run (the same container, its
// data kept, no failed login), and Ctrl-C at many points of a recreate leaves nothing the next
// run cannot converge from (no second container, no `-previous` left, Triton ready). The rest
// of the fault table is in the step suites and the other e2e suites (test/README.md).
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { buildImages, dockerId, freePort, run, suiteEnv, type SuiteEnv } from '../helpers/docker-suite.ts'

let suite: SuiteEnv
let env: Record<string, string>

const make = (...args: string[]) => run('make', ['--no-print-directory', ...args], env)
const inspect = (name: string) =>
  JSON.parse(
    spawnSync('docker', ['container', 'inspect', '--format', '{{json .}}', name], { encoding: 'utf8' }).stdout,
  ) as {
    Id: string
    State: { Running: boolean }
  }
const grafana = () => `http://127.0.0.1:${env.GRAFANA_PORT}`

test.before(async () => {
  suite = await suiteEnv('faults')
  env = { ...suite.env, ...(await buildImages()) }
  const all = await make('all')
  assert.is(all.code, 0, all.text)
})

test.after(() => suite?.cleanup())

test('Prometheus killed: the next make up starts the same container again, and the triton target is up', async () => {
  const before = inspect(env.PROMETHEUS_CONTAINER!).Id
  spawnSync('docker', ['kill', env.PROMETHEUS_CONTAINER!], { stdio: 'ignore' })
  const result = await make('up')
  assert.is(result.code, 0, result.text)
  assert.match(result.text, `container ${env.PROMETHEUS_CONTAINER} had the same configuration but was exited: started`)
  assert.match(result.text, /triton\s+\S+:8002\s+http:\/\/\S+:8002\/metrics\s+up/)
  assert.is(inspect(env.PROMETHEUS_CONTAINER!).Id, before)
})

test('Grafana killed: the next make all starts it again with its data (same token, one of each) and no failed login', async () => {
  const token = spawnSync('cat', [join(env.STATE_DIR!, 'grafana-token')], { encoding: 'utf8' }).stdout.trim()
  spawnSync('docker', ['kill', env.GRAFANA_CONTAINER!], { stdio: 'ignore' })
  const result = await make('all')
  assert.is(result.code, 0, result.text)
  assert.match(result.text, `container ${env.GRAFANA_CONTAINER} had the same configuration but was exited: started`)
  assert.match(result.text, 'stored token of cli-service still works, kept')
  const search = await fetch(`${grafana()}/api/search?type=dash-db`, { headers: { authorization: `Bearer ${token}` } })
  assert.is(search.status, 200)
  assert.is(((await search.json()) as unknown[]).length, 1)
  const logins = (await (await fetch(`${grafana()}/__standin/logins`)).json()) as { failed: number }
  assert.is(logins.failed, 0)
})

/** Runs 02-triton as its own process group and sends the group SIGINT after `ms`, as Ctrl-C does. */
function interrupted(ms: number, extra: Record<string, string>): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/scripts/02-triton.mjs', '--timeout', '60'], {
      env: { ...process.env, ...env, ...extra },
      stdio: 'ignore',
      detached: true,
    })
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGINT')
      } catch {
        // Ended before its interrupt came: that point is simply past the run.
      }
    }, ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

test('Ctrl-C at 22 points of a recreate: each time, the next run converges (one Triton, ready, nothing left over)', async () => {
  const ports = [await freePort(), await freePort()]
  for (let point = 0; point < 22; point++) {
    // Every run changes the gRPC port, so each interrupted run is a recreate (rename, create, stop, start, remove).
    const port = String(ports[point % 2])
    await interrupted(150 + point * 150, { TRITON_GRPC_PORT: port })
    const again = await run(process.execPath, ['dist/scripts/02-triton.mjs', '--timeout', '60'], {
      ...env,
      TRITON_GRPC_PORT: port,
    })
    assert.is(again.code, 0, `after Ctrl-C at ${150 + point * 150} ms: ${again.text}`)
    assert.ok(inspect(env.TRITON_CONTAINER!).State.Running)
    assert.is(dockerId('container', `${env.TRITON_CONTAINER}-previous`), undefined, `point ${point}: -previous left`)
  }
  const ready = await fetch(`http://127.0.0.1:${env.TRITON_HTTP_PORT}/v2/models/mnist_mlp/ready`)
  assert.is(ready.status, 200)
})

test.run()
