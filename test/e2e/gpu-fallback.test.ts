// 02-triton on a host whose engine lists the NVIDIA runtime (toolkit installed) but cannot give a
// GPU (driver missing or broken), on the real engine: a proxy in front of it claims the runtime in
// `/info` (which the step reads over the API, and `docker info` too) and passes everything else on,
// so `--gpus all` fails at start exactly as it does there ("could not select device driver"). A
// `docker` first on PATH passes everything to the real client; with a file `driver-works` beside
// it, it drops `--gpus all` before the engine sees it: the host after the driver is installed.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { CONFIG_LABEL } from '../../scripts/lib/engine/spec.ts'
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
import { DOCKER_20_10, startVersionProxy, type VersionProxy } from '../helpers/engine-version-proxy.ts'

let suite: SuiteEnv
let env: Record<string, string>
let wrapperDir: string
/** Where the wrapping `docker` is, first on the steps' PATH. */
let wrapperBin: string
let engine: VersionProxy
let triton: string
const leftovers = () => [`${triton}-gpu-probe`, `${triton}-previous`]

function wrapper(realDocker: string): string {
  return `#!/bin/bash
if [ -e "$(dirname "$0")/driver-works" ]; then
  args=()
  while [ $# -gt 0 ]; do
    if [ "$1" = --gpus ]; then shift 2; continue; fi
    args+=("$1")
    shift
  done
  set -- "\${args[@]}"
fi
exec "${realDocker}" "$@"
`
}

interface Inspected {
  Id: string
  State: { Running: boolean; StartedAt: string }
  Config: { Labels: Record<string, string> }
  HostConfig: { DeviceRequests: unknown[] | null }
}

function inspect(name: string): Inspected {
  const out = spawnSync('docker', ['container', 'inspect', '--format', '{{json .}}', name], { encoding: 'utf8' })
  assert.is(out.status, 0, out.stderr)
  return JSON.parse(out.stdout) as Inspected
}

const recordedGpus = (c: Inspected) => (JSON.parse(c.Config.Labels[CONFIG_LABEL]!) as { gpus: boolean }).gpus

const gpuLines = (text: string) => text.split('\n').filter((line) => /\bGPU:/.test(line))

async function ready(port: string): Promise<void> {
  await waitFor(
    async () =>
      fetch(`http://127.0.0.1:${port}/v2/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      ),
    {
      what: 'Triton ready',
      timeoutMs: 60_000,
      intervalMs: 250,
      onTimeout: () => fail(`Triton on port ${port} never became ready`, 'see the step output above'),
    },
  )
}

const noLeftovers = () => {
  for (const name of leftovers()) assert.is(dockerId('container', name), undefined, `${name} was left behind`)
}

test.before(async () => {
  suite = await suiteEnv('gpu')
  wrapperDir = mkdtempSync(join(tmpdir(), 'tm-gpu-docker-'))
  wrapperBin = dockerShim(wrapperDir, wrapper)
  // The engine here, as itself, but with the NVIDIA runtime listed.
  engine = await startVersionProxy(DOCKER_20_10, {
    '/info': (info) => {
      info.Runtimes = { nvidia: { path: 'nvidia-container-runtime' }, ...(info.Runtimes as object) }
    },
  })
  env = {
    ...suite.env,
    ...(await buildImages()),
    PATH: `${wrapperBin}${delimiter}${process.env.PATH}`,
    DOCKER_HOST: engine.host,
  }
  triton = env.TRITON_CONTAINER!
  const build = await run('make', ['-s', 'build'], {})
  assert.is(build.code, 0, build.text)
  // The stand-in for the host: the engine claims the runtime, and a GPU container cannot start.
  const info = await run('docker', ['info', '--format', '{{json .}}'], env)
  assert.ok('nvidia' in (JSON.parse(info.stdout) as { Runtimes: object }).Runtimes, info.text)
})

test.after(async () => {
  suite?.cleanup()
  spawnSync('docker', ['rm', '--force', ...leftovers()], { stdio: 'ignore' })
  rmSync(wrapperDir, { recursive: true, force: true })
  await engine?.close()
})

let first: Inspected

test('--gpus auto: Triton runs on the CPU and is ready, and one line says why and how to force the GPU', async () => {
  const result = await runStep('02-triton', ['--timeout', '120'], env)
  assert.is(result.code, 0, result.text)
  const lines = gpuLines(result.text)
  assert.is(lines.length, 1, lines.join('\n'))
  assert.match(lines[0]!, 'the NVIDIA runtime is installed but cannot give a GPU')
  assert.match(lines[0]!, 'could not select device driver')
  assert.match(lines[0]!, 'running on CPU; --gpus all forces the GPU')
  assert.match(result.text, `container ${triton} created and started`)
  first = inspect(triton)
  assert.ok(first.State.Running)
  assert.is(recordedGpus(first), false)
  assert.not.ok(first.HostConfig.DeviceRequests?.length, 'the CPU container asks for a device')
  await ready(env.TRITON_HTTP_PORT!)
  noLeftovers()
})

test('a second run keeps that CPU container: no GPU retry on it, no recreate', async () => {
  const result = await runStep('02-triton', ['--timeout', '120'], env)
  assert.is(result.code, 0, result.text)
  assert.is(gpuLines(result.text).length, 1)
  assert.match(result.text, `container ${triton} already runs with this configuration, kept`)
  assert.not.match(result.text, /recreat/)
  const again = inspect(triton)
  assert.is(again.Id, first.Id)
  assert.is(again.State.StartedAt, first.State.StartedAt)
  noLeftovers()
})

test('--gpus all fails with the cause and fix, and leaves the running Triton as it was', async () => {
  const result = await runStep('02-triton', ['--gpus', 'all', '--timeout', '30'], env)
  assert.is(result.code, 1, result.text)
  assert.match(result.text, 'a GPU was asked for, but this Docker engine cannot provide one')
  assert.match(result.text, 'could not select device driver')
  assert.match(result.text, /make `nvidia-smi` work on the host.*--gpus none/s)
  const after = inspect(triton)
  assert.is(after.Id, first.Id)
  assert.ok(after.State.Running)
  assert.is(after.State.StartedAt, first.State.StartedAt)
  noLeftovers()
})

test('when the CPU container cannot replace the running one, the running one stays and serves', async () => {
  const before = inspect(triton)
  const port = await freePort()
  const holder: Server = createServer()
  await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve))
  try {
    const result = await runStep('02-triton', ['--timeout', '30'], { ...env, TRITON_HTTP_PORT: String(port) })
    assert.is(result.code, 1, result.text)
    assert.match(result.text, `port 127.0.0.1:${port} is already taken`)
  } finally {
    await new Promise((resolve) => holder.close(resolve))
  }
  // Found before the running one was stopped: the same container, never restarted.
  const after = inspect(triton)
  assert.is(after.Id, first.Id)
  assert.is(after.State.StartedAt, before.State.StartedAt)
  assert.ok(after.State.Running)
  await ready(env.TRITON_HTTP_PORT!)
  noLeftovers()
})

test('once the driver works, the next run moves Triton to the GPU', async () => {
  writeFileSync(join(wrapperBin, 'driver-works'), '')
  const result = await runStep('02-triton', ['--timeout', '120'], env)
  assert.is(result.code, 0, result.text)
  assert.match(result.text, 'GPU: the engine provides one, passing --gpus all')
  assert.match(result.text, `container ${triton} has a different configuration (gpus)`)
  const gpu = inspect(triton)
  assert.is.not(gpu.Id, first.Id)
  assert.is(recordedGpus(gpu), true)
  await ready(env.TRITON_HTTP_PORT!)
  noLeftovers()
})

test.run()
