// Step 02 on the real Docker engine, where most of what a person can meet shows: the step
// checks the model folder before anything starts, and each Docker failure (a port taken, no GPU,
// no image, a model that cannot load, a name held by someone else's container) gives its cause
// and fix, a non-zero exit, and leaves no half-made container behind; and bad values (a duplicate
// port, --gpus all without a GPU, a broken repository, a port held elsewhere, a model that fails
// once loaded) leave a running Triton as it was. The happy path, with
// Prometheus scraping it, is test/e2e/stack.test.ts.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type Server } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { gpuAvailable } from '../../scripts/lib/engine/gpu.ts'
import { fail } from '../../scripts/lib/step/fail.ts'
import { waitFor } from '../../scripts/lib/step/poll.ts'
import {
  buildImages,
  dockerId,
  dockerShim,
  freePort,
  run,
  runStep,
  suiteEnv,
  type SuiteEnv,
} from '../helpers/docker-suite.ts'
import { addMnist, type TempRepository, tempRepository } from '../helpers/model-repository.ts'

let suite: SuiteEnv
let env: Record<string, string>

test.before(async () => {
  suite = await suiteEnv('triton')
  env = { ...suite.env, ...(await buildImages()) }
  const build = await run('make', ['-s', 'build'], {})
  assert.is(build.code, 0, build.text)
})

test.after(() => suite?.cleanup())

const noTriton = () =>
  assert.is(dockerId('container', env.TRITON_CONTAINER!), undefined, 'a half-made Triton container was left behind')

test('a model folder without the model: named with its fix before the engine is touched', async () => {
  const result = await runStep('02-triton', ['--models', 'test'], { ...env, DOCKER_HOST: 'unix:///nonexistent.sock' })
  assert.is(result.code, 1, result.text)
  assert.match(result.text, /has no model "mnist_mlp" \(no mnist_mlp\/config.pbtxt\)/)
  assert.not.match(result.text, /Docker engine/)
})

test('port taken: names the port and its variable, removes the container that could not start', async () => {
  const holder: Server = createServer()
  await new Promise<void>((resolve) => holder.listen(Number(env.TRITON_HTTP_PORT), '127.0.0.1', resolve))
  try {
    const result = await runStep('02-triton', ['--timeout', '30'], env)
    assert.is(result.code, 1, result.text)
    assert.match(result.text, `port 127.0.0.1:${env.TRITON_HTTP_PORT} is already taken`)
    assert.match(result.text, 'TRITON_HTTP_PORT=<free port>')
    noTriton()
  } finally {
    await new Promise((resolve) => holder.close(resolve))
  }
})

test('GPU asked for where the engine has none: explains the NVIDIA toolkit, nothing left', async () => {
  if (await gpuAvailable()) {
    console.log('  (skipped: this engine can provide a GPU)')
    return
  }
  const result = await runStep('02-triton', ['--gpus', 'all', '--timeout', '30'], env)
  assert.is(result.code, 1, result.text)
  assert.match(result.text, 'a GPU was asked for, but this Docker engine cannot provide one')
  assert.match(result.text, 'NVIDIA Container Toolkit')
  noTriton()
})

test('image missing and no registry: names the image and TRITON_IMAGE, nothing left', async () => {
  const image = 'triton-monitoring/does-not-exist:0'
  const result = await runStep('02-triton', ['--timeout', '30'], { ...env, TRITON_IMAGE: image }, 120_000)
  assert.is(result.code, 1, result.text)
  assert.match(result.text, `image ${image} is not on this machine and could not be pulled`)
  assert.match(result.text, 'TRITON_IMAGE')
  noTriton()
})

/** models/ with mnist_mlp asking for a GPU instance: valid on disk, it fails only once Triton loads it. */
function gpuOnlyModels(): TempRepository {
  const repo = tempRepository()
  addMnist(repo.dir)
  const config = join(repo.dir, 'mnist_mlp', 'config.pbtxt')
  writeFileSync(config, `${readFileSync(config, 'utf8')}instance_group [ { kind: KIND_GPU } ]\n`)
  return repo
}

test('a model that fails to load: the step stops waiting when Triton exits and shows its last log lines', async () => {
  const models = gpuOnlyModels()
  try {
    const result = await runStep('02-triton', ['--models', models.dir, '--timeout', '60'], env)
    assert.is(result.code, 1, result.text)
    assert.match(result.text, /container \S+ stopped \(exited, exit code 1\) before \S+\/v2\/health\/ready answered/)
    assert.match(result.text, 'last lines of the container log:')
    assert.match(result.text, /no GPUs are available/)
  } finally {
    spawnSync('docker', ['rm', '--force', env.TRITON_CONTAINER!], { stdio: 'ignore' })
    models.remove()
  }
})

// Bad values change nothing: each leaves the running Triton as it was (the fault-injection run
// found three that removed it before its replacement was known to start).
interface Running {
  Id: string
  State: { Running: boolean; StartedAt: string }
}
const triton = (): Running =>
  JSON.parse(
    spawnSync('docker', ['container', 'inspect', '--format', '{{json .}}', env.TRITON_CONTAINER!], {
      encoding: 'utf8',
    }).stdout,
  ) as Running
const serving = () =>
  waitFor(
    () =>
      fetch(`http://127.0.0.1:${env.TRITON_HTTP_PORT}/v2/models/mnist_mlp/ready`, {
        signal: AbortSignal.timeout(2000),
      }).then(
        (r) => r.ok,
        () => false,
      ),
    {
      what: 'Triton serving',
      timeoutMs: 60_000,
      onTimeout: () => fail('Triton is not serving mnist_mlp', 'see above'),
    },
  )
let before: Running

/** The Triton that ran before is the one that runs now, never stopped, and it still serves. */
async function untouched(): Promise<void> {
  const now = triton()
  assert.is(now.Id, before.Id, 'the running Triton was replaced')
  assert.is(now.State.StartedAt, before.State.StartedAt, 'the running Triton was stopped and started again')
  assert.ok(await serving())
}

test('(a Triton that runs, for the bad values below)', async () => {
  const result = await runStep('02-triton', ['--timeout', '60'], env)
  assert.is(result.code, 0, result.text)
  before = triton()
  assert.ok(before.State.Running)
})

test('TRITON_GRPC_PORT=$TRITON_HTTP_PORT: named as a duplicate, exit 2, the running Triton untouched', async () => {
  const result = await runStep('02-triton', [], { ...env, TRITON_GRPC_PORT: env.TRITON_HTTP_PORT! })
  assert.is(result.code, 2, result.text)
  assert.match(result.text, `TRITON_HTTP_PORT and TRITON_GRPC_PORT are the same port (${env.TRITON_HTTP_PORT})`)
  assert.not.match(result.text, /taken by another program/)
  await untouched()
})

test('--gpus all on a host without a GPU: refused, the running Triton untouched', async () => {
  if (await gpuAvailable()) {
    console.log('  (skipped: this engine can provide a GPU)')
    return
  }
  const result = await runStep('02-triton', ['--gpus', 'all'], env)
  assert.is(result.code, 1, result.text)
  assert.match(result.text, 'a GPU was asked for, but this Docker engine cannot provide one')
  await untouched()
})

test('--models pointing at a broken repository: refused before the engine is asked, the running Triton untouched', async () => {
  const repo = tempRepository()
  try {
    addMnist(repo.dir)
    writeFileSync(join(repo.dir, 'mnist_mlp', '1', 'model.onnx'), 'not an onnx file')
    const result = await runStep('02-triton', ['--models', repo.dir], env)
    assert.is(result.code, 1, result.text)
    assert.match(result.text, /cannot be served: 1\/model\.onnx is not an ONNX model/)
    await untouched()
  } finally {
    repo.remove()
  }
})

test('a new port another program holds: refused before the running Triton is stopped', async () => {
  const holder: Server = createServer()
  const port = await freePort()
  await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve))
  try {
    const result = await runStep('02-triton', [], { ...env, TRITON_METRICS_PORT: String(port) })
    assert.is(result.code, 1, result.text)
    assert.match(result.text, `port 127.0.0.1:${port} is already taken`)
    assert.match(result.text, 'TRITON_METRICS_PORT=<free port>')
    await untouched()
  } finally {
    await new Promise((resolve) => holder.close(resolve))
  }
})

test('a repository that fails only once loaded: the replacement is removed and the Triton before runs again', async () => {
  const models = gpuOnlyModels()
  try {
    const result = await runStep('02-triton', ['--models', models.dir, '--timeout', '60'], env)
    assert.is(result.code, 1, result.text)
    assert.match(result.text, `the previous container ${env.TRITON_CONTAINER} was kept`)
    assert.match(result.text, /no GPUs are available/)
    const now = triton()
    assert.is(now.Id, before.Id, 'the Triton that ran before is gone')
    assert.ok(await serving())
    assert.is(dockerId('container', `${env.TRITON_CONTAINER}-previous`), undefined)
  } finally {
    models.remove()
    spawnSync('docker', ['rm', '--force', env.TRITON_CONTAINER!], { stdio: 'ignore' })
  }
})

/**
 * A `docker` first on PATH that plays the engine carrying out a create an interrupted run had sent:
 * the first time the step renames a container to `name`, a container of ours takes that name first.
 */
function engineFinishingACreate(name: string): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'docker-shim-'))
  const once = join(dir, 'done')
  const bin = dockerShim(
    dir,
    (real) => `#!${process.execPath}
const { spawnSync } = require('node:child_process')
const { existsSync, writeFileSync } = require('node:fs')
const args = process.argv.slice(2)
if (args[0] === 'rename' && args[2] === ${JSON.stringify(name)} && !existsSync(${JSON.stringify(once)})) {
  writeFileSync(${JSON.stringify(once)}, '')
  const [old] = JSON.parse(spawnSync(${JSON.stringify(real)}, ['container', 'inspect', args[1]], { encoding: 'utf8' }).stdout)
  const labels = Object.entries(old.Config.Labels).flatMap(([k, v]) => ['--label', k + '=' + v])
  spawnSync(${JSON.stringify(real)}, ['create', '--name', args[2], ...labels, old.Config.Image], { stdio: 'ignore' })
}
process.exit(spawnSync(${JSON.stringify(real)}, args, { stdio: 'inherit' }).status ?? 1)
`,
  )
  return { path: `${bin}:${process.env.PATH}`, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

test('Ctrl-C mid-recreate, its create carried out after the next run looked: that run converges', async () => {
  const first = await runStep('02-triton', ['--timeout', '60'], env)
  assert.is(first.code, 0, first.text)
  // What the interrupted recreate left: the old Triton parked, its replacement's create still in the engine.
  const parked = `${env.TRITON_CONTAINER}-previous`
  assert.is(spawnSync('docker', ['rename', env.TRITON_CONTAINER!, parked]).status, 0)
  const docker = engineFinishingACreate(env.TRITON_CONTAINER!)
  try {
    const port = String(await freePort())
    const result = await runStep('02-triton', ['--timeout', '60'], {
      ...env,
      TRITON_GRPC_PORT: port,
      PATH: docker.path,
    })
    assert.is(result.code, 0, result.text)
    assert.match(result.text, `container ${parked}, left by an interrupted run, removed`)
    assert.ok(triton().State.Running)
    assert.is(dockerId('container', parked), undefined)
    assert.ok(await serving())
  } finally {
    docker.remove()
    spawnSync('docker', ['rm', '--force', env.TRITON_CONTAINER!, parked], { stdio: 'ignore' })
  }
})

test('name taken by a foreign container: left untouched by the step and by down', async () => {
  const created = spawnSync(
    'docker',
    ['create', '--name', env.TRITON_CONTAINER!, env.TRITON_IMAGE!, 'tritonserver', '--help'],
    { encoding: 'utf8' },
  )
  assert.is(created.status, 0, created.stderr)
  const foreign = created.stdout.trim()
  const result = await runStep('02-triton', ['--timeout', '30'], env)
  assert.is(result.code, 1, result.text)
  assert.match(
    result.text,
    `a container named "${env.TRITON_CONTAINER}" exists but was not created by triton-monitoring`,
  )
  assert.match(result.text, 'TRITON_CONTAINER=<name>')
  assert.is(dockerId('container', env.TRITON_CONTAINER!), foreign)
  const down = await runStep('down', [], env)
  assert.is(down.code, 0, down.text)
  assert.match(down.text, `container ${env.TRITON_CONTAINER} was not created by triton-monitoring: left alone`)
  assert.is(dockerId('container', env.TRITON_CONTAINER!), foreign)
})

test.run()
