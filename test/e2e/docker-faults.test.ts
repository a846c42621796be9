// Docker failures a person meets, on the real engine: each gives its cause and fix, a non-zero
// exit, and leaves no half-made container behind.
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
  suite = await suiteEnv('faults')
  env = { ...suite.env, ...(await buildImages()) }
  const build = await run('make', ['-s', 'build'], {})
  assert.is(build.code, 0, build.text)
})

test.after(() => suite?.cleanup())

const noTriton = () =>
  assert.is(dockerId('container', env.TRITON_CONTAINER!), undefined, 'a half-made Triton container was left behind')

test('daemon unreachable: names DOCKER_HOST, exit 1', async () => {
  const result = await runStep('01-network', [], { ...env, DOCKER_HOST: 'unix:///nonexistent.sock' })
  assert.is(result.code, 1, result.text)
  assert.match(result.text, 'the Docker engine is not answering at DOCKER_HOST=unix:///nonexistent.sock')
  assert.match(result.text, 'unset DOCKER_HOST')
})

test('no permission on the socket: says how to get it, exit 1', async () => {
  if (process.getuid?.() !== 0 || spawnSync('runuser', ['--help']).status !== 0) {
    console.log('  (skipped: needs root to run the step as an unprivileged user)')
    return
  }
  const result = await run('runuser', ['-u', 'nobody', '--', process.execPath, 'dist/scripts/01-network.mjs'], {
    ...env,
    HOME: '/tmp',
  })
  assert.is(result.code, 1, result.text)
  assert.match(result.text, "no permission to use the Docker engine's socket")
  assert.match(result.text, 'usermod -aG docker')
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
