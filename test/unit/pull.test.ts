// The parts of a pull decided without a registry: the stall setting, how the engine's errors are
// explained, where DOCKER_HOST leads, and when the disk is measured and judged.
import { hostname } from 'node:os'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { diskVerdict, engineDiskSpace, REFUSE_BELOW, WARN_BELOW } from '../../scripts/lib/engine/disk.ts'
import { engineEndpoint, parseDockerHost } from '../../scripts/lib/engine/api.ts'
import { StepError } from '../../scripts/lib/step/fail.ts'
import { pullFailed } from '../../scripts/lib/engine/pull-failures.ts'
import { pullEnv, pullFlags, pullSettings } from '../../scripts/lib/engine/pull-settings.ts'

test('stall deadline: the flag, else PULL_STALL_TIMEOUT, else 120 s; a bad value is refused with exit 2', () => {
  assert.equal(pullSettings(7, { PULL_STALL_TIMEOUT: '30' }), { stallTimeoutMs: 7000 })
  assert.equal(pullSettings(undefined, { PULL_STALL_TIMEOUT: '30' }), { stallTimeoutMs: 30_000 })
  assert.equal(pullSettings(undefined, {}), { stallTimeoutMs: 120_000 })
  for (const bad of ['0', 'soon', '-5']) {
    try {
      pullSettings(undefined, { PULL_STALL_TIMEOUT: bad })
      assert.unreachable()
    } catch (error) {
      assert.instance(error, StepError)
      assert.is((error as StepError).exitCode, 2)
      assert.match((error as StepError).message, `PULL_STALL_TIMEOUT="${bad}"`)
    }
  }
})

test('stall deadline: 1 s is the least, and a blank PULL_STALL_TIMEOUT is unset', () => {
  assert.equal(pullSettings(undefined, { PULL_STALL_TIMEOUT: '1' }), { stallTimeoutMs: 1000 })
  assert.equal(pullSettings(undefined, { PULL_STALL_TIMEOUT: '   ' }), { stallTimeoutMs: 120_000 })
  assert.equal(pullSettings(undefined, { PULL_STALL_TIMEOUT: ' 45 ' }), { stallTimeoutMs: 45_000 })
})

test('every pulling step takes --pull-stall-timeout (a number, at least 1) and documents PULL_STALL_TIMEOUT', () => {
  const flag = pullFlags['pull-stall-timeout']
  assert.is(flag.type, 'number')
  assert.is(flag.min, 1)
  assert.match(flag.help, '120')
  assert.equal(Object.keys(pullEnv), ['PULL_STALL_TIMEOUT'])
  assert.match(pullEnv.PULL_STALL_TIMEOUT, '120')
})

for (const [what, image, said, cause, fix] of [
  [
    'a registry that cannot be reached: a mirror for it (registry-mirrors for Docker Hub)',
    'prom/prometheus:v2.53.1',
    'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host',
    /could not be pulled: its registry docker\.io cannot be reached/,
    /daemon\.json \("registry-mirrors"/,
  ],
  [
    'nvcr.io cannot be reached: the image variable at a mirror, since registry-mirrors is Docker Hub only',
    'nvcr.io/nvidia/tritonserver:23.05-py3',
    'Get "https://nvcr.io/v2/": net/http: request canceled (Client.Timeout exceeded while awaiting headers)',
    /its registry nvcr\.io cannot be reached/,
    /TRITON_IMAGE=<mirror>\/nvidia\/tritonserver:23\.05-py3.*Docker Hub images only, not nvcr\.io/,
  ],
  [
    'a tag the registry lacks',
    '127.0.0.1:5000/a:nope',
    'manifest for 127.0.0.1:5000/a:nope not found: manifest unknown: manifest unknown',
    /127\.0\.0\.1:5000 has no such image or tag/,
    /check the name and tag, or point TRITON_IMAGE/,
  ],
  [
    'access refused',
    'private/x:1',
    "pull access denied for private/x, repository does not exist or may require 'docker login'",
    /refused access/,
    /docker login/,
  ],
  [
    'a full disk',
    'a:1',
    'write /var/lib/docker/tmp/GetImageBlob1: no space left on device',
    /the disk is full/,
    /docker system df/,
  ],
  [
    'no build for this platform',
    'a:1',
    'no matching manifest for linux/arm64/v8 in the manifest list entries',
    /no build/,
    /architecture/,
  ],
  [
    'no login sent to a registry that wants one',
    '127.0.0.1:5000/a:1',
    'Head "http://127.0.0.1:5000/v2/a/manifests/1": no basic auth credentials',
    /refused access/,
    /log in first \(`docker login 127\.0\.0\.1:5000`\)/,
  ],
  ['anything else', 'a:1', 'something odd', /engine reported an error.*something odd/, /make doctor/],
] as const) {
  test(`pull failure explained: ${what}`, () => {
    const error = pullFailed(image, said, { variable: 'TRITON_IMAGE' })
    assert.match(error.message, `image ${image} is not on this machine and could not be pulled`)
    assert.match(error.message, cause)
    assert.match(error.fix, fix)
    assert.is(error.exitCode, 1)
  })
}

test('a login the registry refuses is named a wrong login, not "log in first"', () => {
  const error = pullFailed('127.0.0.1:5000/a:1', 'unauthorized: authentication required', {
    variable: 'TRITON_IMAGE',
    login: 'student01',
  })
  assert.match(error.message, 'the registry refused the stored login of student01 (a wrong or expired password)')
  assert.match(error.fix, 'log in again with the right password (`docker login 127.0.0.1:5000`')
  assert.not.match(error.fix, 'log in first')
  // A login that works but has no access to this repository is not a wrong password.
  const denied = pullFailed('127.0.0.1:5000/a:1', 'denied: requested access to the resource is denied', {
    login: 'student01',
  })
  assert.match(denied.message, 'refused access')
})

test('DOCKER_HOST: unix and plain tcp are spoken; TLS, ssh and pipes go to the CLI', () => {
  assert.equal(parseDockerHost('unix:///run/user/1000/docker.sock', {}), {
    kind: 'unix',
    socketPath: '/run/user/1000/docker.sock',
    address: 'unix:///run/user/1000/docker.sock',
  })
  assert.equal(parseDockerHost('tcp://10.0.0.5:2375', {}), {
    kind: 'tcp',
    host: '10.0.0.5',
    port: 2375,
    address: 'tcp://10.0.0.5:2375',
  })
  assert.is(parseDockerHost('tcp://h:2376', { DOCKER_TLS_VERIFY: '1' }).kind, 'cli')
  assert.is(parseDockerHost('ssh://me@box', {}).kind, 'cli')
  assert.is(parseDockerHost('npipe:////./pipe/docker_engine', {}).kind, 'cli')
})

test('no DOCKER_HOST and the default context: the default socket', async () => {
  const endpoint = await engineEndpoint({ DOCKER_CONTEXT: 'default' })
  assert.equal(endpoint, { kind: 'unix', socketPath: '/var/run/docker.sock', address: 'unix:///var/run/docker.sock' })
})

test('disk verdict: refuse below 1.5× the compressed size, warn below 3× plus headroom', () => {
  const gb = 1e9
  assert.is(REFUSE_BELOW, 1.5)
  assert.is(WARN_BELOW, 3)
  assert.is(diskVerdict(10 * gb, 7 * gb), 'too-small')
  assert.is(diskVerdict(12 * gb, 7 * gb), 'tight')
  assert.is(diskVerdict(40 * gb, 7 * gb), 'ok')
  assert.is(diskVerdict(40 * gb, 0), 'ok')
})

const skipped = (space: Awaited<ReturnType<typeof engineDiskSpace>>) => (space.kind === 'skipped' ? space.reason : '')
const local = { kind: 'unix', socketPath: '/var/run/docker.sock', address: 'unix:///var/run/docker.sock' } as const

test('disk measured where the engine runs here; Docker Desktop, remote engines and other hosts are skipped', async () => {
  const here = await engineDiskSpace({ Name: hostname(), DockerRootDir: '/', OperatingSystem: 'Debian' }, local)
  assert.is(here.kind, 'measured')
  assert.ok(here.kind === 'measured' && here.free > 0)
  const desktop = await engineDiskSpace({ Name: 'docker-desktop', OperatingSystem: 'Docker Desktop' }, local)
  assert.match(skipped(desktop), /Docker Desktop runs the engine in a VM/)
  const remote = await engineDiskSpace({ Name: hostname() }, parseDockerHost('tcp://10.1.2.3:2375', {}))
  assert.match(skipped(remote), /runs on another machine/)
  const elsewhere = await engineDiskSpace({ Name: 'some-other-host', DockerRootDir: '/' }, local)
  assert.match(skipped(elsewhere), /not on this one/)
  const missing = await engineDiskSpace({ Name: hostname(), DockerRootDir: '/nonexistent/docker' }, local)
  assert.match(skipped(missing), /cannot be read from here/)
})

test.run()
