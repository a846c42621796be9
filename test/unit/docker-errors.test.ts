// Engine messages (as docker 20.10 to 28 print them) map to the right cause and fix; the config
// hash that decides keep-or-recreate ignores env values and sees every other change.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createServer, type Socket } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { configHash, type ContainerSpec } from '../../scripts/lib/engine/spec.ts'
import { ensureEngine } from '../../scripts/lib/engine/cli.ts'
import { explainDockerError } from '../../scripts/lib/engine/errors.ts'
import { StepError } from '../../scripts/lib/step/fail.ts'
import { settleWithin } from '../helpers/settle-within.ts'

const ports = [{ address: '127.0.0.1', host: 8000, container: 8000, variable: 'TRITON_HTTP_PORT' }]
const hints = { nameVariable: 'TRITON_CONTAINER', imageVariable: 'TRITON_IMAGE' }

for (const [what, stderr, cause, fix] of [
  [
    'daemon down',
    'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
    /Docker engine is not answering/,
    /systemctl start docker|unset DOCKER_HOST/,
  ],
  [
    'socket permission',
    'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: ' +
      'Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/version": dial unix /var/run/docker.sock: connect: permission denied',
    /no permission/,
    /usermod -aG docker/,
  ],
  [
    'port taken by a process (userland proxy)',
    'Error response from daemon: driver failed programming external connectivity on endpoint triton (0123): ' +
      'Error starting userland proxy: listen tcp4 127.0.0.1:8000: bind: address already in use\n' +
      'Error: failed to start containers: triton',
    /port 127\.0\.0\.1:8000 is already taken/,
    /TRITON_HTTP_PORT=<free port>/,
  ],
  [
    'port taken by a container',
    'Error response from daemon: driver failed programming external connectivity on endpoint triton (0123): ' +
      'Bind for 127.0.0.1:8000 failed: port is already allocated',
    /port 127\.0\.0\.1:8000 is already taken/,
    /ss -ltnp 'sport = :8000'/,
  ],
  [
    'no NVIDIA runtime',
    'Error response from daemon: could not select device driver "" with capabilities: [[gpu]]',
    /GPU was asked for/,
    /NVIDIA Container Toolkit/,
  ],
  [
    'nvidia driver named',
    'Error response from daemon: could not select device driver "nvidia" with capabilities: [[gpu]]',
    /GPU was asked for/,
    /--gpus none/,
  ],
  [
    'toolkit installed, driver missing (hook fails at start)',
    'docker: Error response from daemon: failed to create task for container: failed to create shim task: ' +
      'OCI runtime create failed: runc create failed: unable to start container process: error during container init: ' +
      "error running hook #0: error running hook: exit status 1, stdout: , stderr: Auto-detected mode as 'legacy'\n" +
      'nvidia-container-cli: initialization error: load library failed: libnvidia-ml.so.1: ' +
      'cannot open shared object file: no such file or directory: unknown.',
    /GPU was asked for/,
    /nvidia-smi/,
  ],
  [
    'runtime named in daemon.json but missing',
    'docker: Error response from daemon: unknown or invalid runtime name: nvidia.',
    /GPU was asked for/,
    /NVIDIA driver/,
  ],
  [
    'runtime missing, docker 20.10 wording',
    'Error response from daemon: Unknown runtime specified nvidia',
    /GPU was asked for/,
    /--gpus none/,
  ],
  [
    'CDI without a spec',
    'Error response from daemon: failed to inject CDI devices: unresolvable CDI devices nvidia.com/gpu=all',
    /GPU was asked for/,
    /nvidia-ctk/,
  ],
  [
    'name conflict',
    'Error response from daemon: Conflict. The container name "/triton" is already in use by container "abc". ' +
      'You have to remove (or rename) that container to be able to reuse that name.',
    /not created by triton-monitoring/,
    /TRITON_CONTAINER=<name>/,
  ],
  [
    'image denied',
    "Error response from daemon: pull access denied for nope/x, repository does not exist or may require 'docker login': " +
      'denied: requested access to the resource is denied',
    /image nope\/x:1 is not on this machine/,
    /TRITON_IMAGE/,
  ],
  [
    'no docker command',
    'bash: line 1: docker: command not found',
    /docker command is not installed/,
    /apt-get install docker\.io/,
  ],
  ['anything else', 'Error response from daemon: something odd', /Docker engine refused.*something odd/, /docker info/],
] as const) {
  test(`explains: ${what}`, () => {
    const error = explainDockerError(stderr, { container: 'triton', image: 'nope/x:1', ports, hints })
    assert.match(error.message, cause)
    assert.match(error.fix, fix)
    assert.is(error.exitCode, 1)
  })
}

const spec: ContainerSpec = {
  name: 'triton',
  image: 'img:1',
  network: 'net',
  args: ['tritonserver'],
  env: { TOKEN: 'secret-1' },
  mounts: [{ type: 'bind', source: '/m', target: '/models', readOnly: true }],
  ports,
}

test('config hash: same spec, same hash; env values do not count, env names do', () => {
  assert.is(configHash(spec), configHash({ ...spec }))
  assert.is(configHash(spec), configHash({ ...spec, env: { TOKEN: 'secret-2' } }))
  assert.is.not(configHash(spec), configHash({ ...spec, env: { OTHER: 'secret-1' } }))
})

test('config hash: every other setting counts', () => {
  const variants: Partial<ContainerSpec>[] = [
    { image: 'img:2' },
    { network: 'other' },
    { args: ['tritonserver', '--x'] },
    { gpus: true },
    { mounts: [{ type: 'bind', source: '/m', target: '/models' }] },
    { ports: [{ ...ports[0]!, host: 9000 }] },
    { ports: [{ ...ports[0]!, address: '0.0.0.0' }] },
    { labels: { a: 'b' } },
    { entrypoint: '/bin/sh' },
    { restart: 'unless-stopped' },
  ]
  const hashes = new Set([configHash(spec), ...variants.map((v) => configHash({ ...spec, ...v }))])
  assert.is(hashes.size, variants.length + 1)
  // Hints only shape messages.
  assert.is(configHash(spec), configHash({ ...spec, hints: { nameVariable: 'X' } }))
})

test('an engine that takes the connection and never answers ends the engine check at its deadline', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'docker-silent-'))
  const sockets = new Set<Socket>()
  const silent = createServer((socket) => {
    sockets.add(socket)
  })
  await new Promise<void>((resolve) => silent.listen(join(dir, 'docker.sock'), resolve))
  const saved = process.env.DOCKER_HOST
  process.env.DOCKER_HOST = `unix://${join(dir, 'docker.sock')}`
  try {
    const outcome = await settleWithin(ensureEngine(500), 15_000)
    assert.instance(outcome, StepError, String(outcome))
    assert.match((outcome as StepError).cause_, /did not answer `docker version` within 0\.5 s/)
    assert.match((outcome as StepError).fix, /restart/)
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST
    else process.env.DOCKER_HOST = saved
    for (const socket of sockets) socket.destroy()
    silent.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
