// The engines users have, in front of the real one (helpers/engine-version-proxy.ts): Docker 29.1,
// which refuses every API version below 1.44, and Docker 20.10, which refuses every version above
// 1.41. Through each, `make doctor` passes and names the version pulls speak, a pull shows its
// progress, and `make all` runs; an engine newer than every version this tool speaks is named so,
// with its fix, and nothing is made. The docker CLI goes through the same proxy.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { CLIENT_API } from '../../scripts/lib/engine/api.ts'
import { buildImages, dockerId, run, runStep, suiteEnv, type SuiteEnv } from '../helpers/docker-suite.ts'
import {
  DOCKER_20_10,
  DOCKER_29_1,
  type EngineRelease,
  startVersionProxy,
  type VersionProxy,
} from '../helpers/engine-version-proxy.ts'
import { imageExists, pushStandIn, removeTag, startRegistry, type TestRegistry } from '../helpers/registry.ts'

/** Newer than every version this tool speaks: its oldest is above our newest. */
const FUTURE: EngineRelease = { release: '31.0.0', oldest: '1.53', newest: '1.56' }

let suite: SuiteEnv
let env: Record<string, string>
let registry: TestRegistry
const proxies: Record<string, VersionProxy> = {}
const tags: string[] = []
const repo = `tm-engines-${process.pid}-${randomBytes(3).toString('hex')}`

const engines = [
  ['Docker 29.1', DOCKER_29_1, CLIENT_API.newest],
  ['Docker 20.10', DOCKER_20_10, '1.41'],
] as const

test.before(async () => {
  suite = await suiteEnv('engines')
  env = { ...suite.env, ...(await buildImages()) }
  registry = await startRegistry()
  for (const [name, release] of engines) proxies[name] = await startVersionProxy(release)
  proxies.future = await startVersionProxy(FUTURE)
  const build = await run('make', ['-s', 'build'], {})
  assert.is(build.code, 0, build.text)
})

test.after(async () => {
  suite?.cleanup()
  for (const tag of tags) removeTag(tag)
  for (const proxy of Object.values(proxies)) await proxy.close()
  await registry?.stop()
})

/** The stand-in plus a layer of random bytes, in the registry only: a pull must fetch it. */
function standIn(name: string): string {
  const ref = `${registry.host}/${repo}/${name}:1`
  tags.push(ref)
  pushStandIn(env.TRITON_IMAGE!, ref, 4)
  assert.not.ok(imageExists(ref), `${ref} must not be here before the pull`)
  return ref
}

for (const [name, release, speaks] of engines) {
  const through = () => ({ ...env, DOCKER_HOST: proxies[name]!.host })
  const range = `Docker ${release.release} (API ${release.oldest}–${release.newest})`

  test(`${name}: make doctor passes and says pulls speak API ${speaks}`, async () => {
    const result = await runStep('doctor', [], through(), 120_000)
    assert.is(result.code, 0, result.text)
    assert.match(
      result.text,
      `✔ Docker engine: ${release.release} (API ${release.newest}, `,
      'the docker CLI reached the proxy',
    )
    assert.match(
      result.text,
      `pulls speak Engine API ${speaks} (the engine: ${range}; this tool: ${CLIENT_API.oldest}–`,
    )
    assert.equal(proxies[name]!.refused, [])
  })

  test(`${name}: a pull shows its progress at API ${speaks}`, async () => {
    const image = standIn(`pull-${release.release}`)
    const result = await runStep('02-triton', [], { ...through(), TRITON_IMAGE: image, VERBOSE: '1' }, 180_000)
    assert.is(result.code, 0, result.text)
    assert.match(result.text, `-X POST 'http://docker/v${speaks}/images/create?fromImage=`)
    assert.match(
      result.text,
      new RegExp(`✔ pulled ${image}: [\\d.]+ MB in \\S+ \\([\\d.]+ [kMG]B/s\\), \\d+ layers`),
      result.text,
    )
    assert.ok(proxies[name]!.requests.some((r) => r.startsWith(`POST /v${speaks}/images/create?`)))
    assert.equal(proxies[name]!.refused, [])
  })

  test(`${name}: make all runs through it`, async () => {
    const result = await run('make', ['--no-print-directory', 'all'], through(), 400_000)
    assert.is(result.code, 0, result.text)
    // The steps' docker CLI calls went through the proxy too, and none was refused.
    assert.ok(proxies[name]!.requests.some((r) => /^POST \/v[\d.]+\/containers\/create/.test(r)))
    assert.equal(proxies[name]!.refused, [])
  })
}

test('an engine newer than every API version this tool speaks: named so with its fix, nothing pulled', async () => {
  const future = proxies.future!
  // The docker CLI (28.x here, up to 1.50) is told a version the engine takes: only ours is too old.
  const withFuture = { ...env, DOCKER_HOST: future.host, DOCKER_API_VERSION: FUTURE.oldest }
  const cause = `Docker 31.0.0 (API 1.53–1.56), refuses Engine API ${CLIENT_API.newest} and older as too old`
  const doctor = await runStep('doctor', [], withFuture, 120_000)
  assert.is(doctor.code, 1, doctor.text)
  assert.match(doctor.text, `✖ Docker engine: the Docker engine at ${future.host}, ${cause}`)
  assert.match(doctor.text, `DOCKER_MIN_API_VERSION=${CLIENT_API.newest}`)
  const image = `${registry.host}/${repo}/never-pulled:1`
  const names = { TRITON_CONTAINER: `${env.TRITON_CONTAINER}-future`, NETWORK: `${env.NETWORK}-future` }
  suite.containers.push(names.TRITON_CONTAINER)
  try {
    const result = await runStep('02-triton', [], { ...withFuture, ...names, TRITON_IMAGE: image }, 120_000)
    assert.is(result.code, 1, result.text)
    assert.match(result.text, cause)
    assert.match(result.text, 'git pull && make build')
    assert.not.ok(
      future.requests.some((r) => r.includes('/images/create')),
      'a pull was sent',
    )
    assert.is(dockerId('container', names.TRITON_CONTAINER), undefined)
  } finally {
    spawnSync('docker', ['network', 'rm', names.NETWORK], { stdio: 'ignore' })
  }
})

test.run()
