// Step 02 on the real Docker engine, where most of what a person can meet shows: the step
// checks the model folder before anything starts, and each Docker failure (a port taken, no GPU,
// no image, a model that cannot load, a name held by someone else's container) gives its cause
// and fix, a non-zero exit, and leaves no half-made container behind. The happy path, with
// Prometheus scraping it, is test/e2e/stack.test.ts.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type Server } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { gpuAvailable } from '../../scripts/lib/docker.ts'
import { buildImages, dockerId, run, runStep, suiteEnv, type SuiteEnv } from '../helpers/docker-suite.ts'

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

test('a model that cannot load: the step stops waiting when Triton exits and shows its last log lines', async () => {
  const models = mkdtempSync(join(tmpdir(), 'tm-faults-models-'))
  try {
    mkdirSync(join(models, 'mnist_mlp', '1'), { recursive: true })
    writeFileSync(join(models, 'mnist_mlp', 'config.pbtxt'), 'name: "mnist_mlp"\nplatform: "onnxruntime_onnx"\n')
    writeFileSync(join(models, 'mnist_mlp', '1', 'model.onnx'), 'not an onnx file')
    const result = await runStep('02-triton', ['--models', models, '--timeout', '60'], env)
    assert.is(result.code, 1, result.text)
    assert.match(result.text, /container \S+ stopped \(exited, exit code 1\) before \S+\/v2\/health\/ready answered/)
    assert.match(result.text, 'last lines of the container log:')
    assert.match(result.text, /failed to load 'mnist_mlp'/)
  } finally {
    spawnSync('docker', ['rm', '--force', env.TRITON_CONTAINER!], { stdio: 'ignore' })
    rmSync(models, { recursive: true, force: true })
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
