// Step 02-triton when its image is not on this machine: pulled from a real registry (Debian's
// docker-registry on 127.0.0.1) with sizes and progress, then run; and the registries that fail
// a classroom: one that never answers, one that stops in the middle of a layer, one without the
// tag. Each failure ends with cause and fix within its deadline and leaves nothing behind.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { statfs } from 'node:fs/promises'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { buildImages, dockerId, run, runStep, suiteEnv, type SuiteEnv } from '../helpers/docker-suite.ts'
import {
  imageExists,
  pushStandIn,
  putImage,
  removeTag,
  startMuteServer,
  startRegistry,
  startStallingProxy,
  type TestRegistry,
} from '../helpers/registry.ts'

let suite: SuiteEnv
let env: Record<string, string>
let registry: TestRegistry
/** Every tag this suite made here (pushed or pulled): removed at the end, and nothing else. */
const tags: string[] = []
/** A repository name unique to this run, so suites of other sessions never meet ours. */
const repo = `tm-pull-${process.pid}-${randomBytes(3).toString('hex')}`

test.before(async () => {
  suite = await suiteEnv('pull')
  env = { ...suite.env, ...(await buildImages()) }
  registry = await startRegistry()
  const build = await run('make', ['-s', 'build'], {})
  assert.is(build.code, 0, build.text)
})

test.after(async () => {
  suite?.cleanup()
  for (const network of extraNetworks) spawnSync('docker', ['network', 'rm', network], { stdio: 'ignore' })
  for (const tag of tags) removeTag(tag)
  await registry?.stop()
})

/** The Triton stand-in plus a layer of `megabytes` random bytes, in the registry only. */
function standIn(name: string, megabytes: number): string {
  const ref = `${registry.host}/${repo}/${name}:1`
  tags.push(ref)
  pushStandIn(env.TRITON_IMAGE!, ref, megabytes)
  assert.not.ok(imageExists(ref), `${ref} must not be here before the pull`)
  return ref
}

const extraNetworks: string[] = []

/** Names of its own for a step that must fail: the container and network of the first test exist. */
function fresh(name: string): Record<string, string> {
  const names = { TRITON_CONTAINER: `${env.TRITON_CONTAINER}-${name}`, NETWORK: `${env.NETWORK}-${name}` }
  suite.containers.push(names.TRITON_CONTAINER)
  extraNetworks.push(names.NETWORK)
  return names
}

const nothingLeft = (image: string, names: Record<string, string>) => {
  assert.is(dockerId('container', names.TRITON_CONTAINER!), undefined, 'a Triton container was created')
  assert.is(dockerId('network', names.NETWORK!), undefined, 'the network was created before the pull ended')
  assert.not.ok(imageExists(image), 'an image was left under the name')
}

test('make triton pulls TRITON_IMAGE from the registry, shows sizes and its calls, and Triton runs', async () => {
  const image = standIn('triton', 24)
  // VERBOSE=1: a learner sees the Engine API call and the registry request as commands to type.
  const result = await run('make', ['-s', 'triton'], { ...env, TRITON_IMAGE: image, VERBOSE: '1' })
  assert.is(result.code, 0, result.text)
  const [name, tag] = image.split(/:(?=[^:]+$)/)
  assert.match(
    result.text,
    `$ curl --unix-socket /var/run/docker.sock -X POST 'http://docker/v1.41/images/create?fromImage=`,
  )
  assert.match(result.text, `fromImage=${encodeURIComponent(name!)}&tag=${tag}'`)
  assert.match(result.text, `$ curl http://${registry.host}/v2/${repo}/triton/manifests/1`)
  assert.match(result.text, `pulling ${image} from ${registry.host}`)
  // The registry's manifest: the whole image's compressed size and its layers.
  assert.match(result.text, new RegExp(`\\d+(\\.\\d+)? MB in 2 layers \\(http://${registry.host}\\)`))
  assert.match(result.text, /disk: [\d.]+ [GT]B free under \//)
  // Only the new layer travels: 24 MiB of random bytes do not compress.
  assert.match(
    result.text,
    new RegExp(`✔ pulled ${image}: 25\\.\\d MB in \\S+ \\([\\d.]+ [kMG]B/s\\), 2 layers \\(1 already here\\)`),
  )
  assert.match(result.text, 'Triton is ready')
  assert.ok(imageExists(image))
})

test('a registry that accepts and never answers: stopped at the deadline with cause and fix, nothing made', async () => {
  const mute = await startMuteServer()
  const image = `${mute.host}/${repo}/never:1`
  const names = fresh('stall')
  try {
    const started = Date.now()
    const result = await runStep(
      '02-triton',
      [],
      { ...env, TRITON_IMAGE: image, ...names, PULL_STALL_TIMEOUT: '3' },
      60_000,
    )
    const seconds = (Date.now() - started) / 1000
    assert.is(result.code, 1, result.text)
    assert.match(result.text, `the pull of ${image} made no progress for 3 s (before the registry sent anything)`)
    assert.match(result.text, `its registry ${mute.host} is unreachable or too slow from here`)
    assert.match(result.text, `TRITON_IMAGE=<mirror>/${repo}/never:1`)
    assert.match(result.text, /--pull-stall-timeout <seconds> or set PULL_STALL_TIMEOUT/)
    assert.ok(mute.stats.accepted > 0, 'the engine never tried the registry')
    assert.ok(seconds < 20, `took ${seconds} s for a 3 s deadline`)
    nothingLeft(image, names)
  } finally {
    await mute.close()
  }
})

test('a registry that stops in the middle of a layer: stopped with the bytes so far, and the layer can be pulled again', async () => {
  const image = standIn('midway', 16)
  const proxy = await startStallingProxy(registry.host, 2_000_000)
  const viaProxy = image.replace(registry.host, proxy.host)
  tags.push(viaProxy)
  const names = fresh('midway')
  try {
    const result = await runStep(
      '02-triton',
      ['--pull-stall-timeout', '3'],
      { ...env, TRITON_IMAGE: viaProxy, ...names },
      60_000,
    )
    assert.is(result.code, 1, result.text)
    assert.match(result.text, /made no progress for 3 s \(stopped at [\d.]+ [kM]B \/ 16\.\d MB \(\d+%\), layers 1\/2\)/)
    assert.ok(proxy.blobs.stalled >= 1, 'the download never reached the stall point')
    nothingLeft(viaProxy, names)
  } finally {
    await proxy.close()
  }
  // The stopped pull holds nothing: the same layer comes from the working registry at once.
  const again = spawnSync('docker', ['pull', '--quiet', image], { encoding: 'utf8', timeout: 60_000 })
  assert.is(again.status, 0, again.stderr)
})

test('a tag the registry does not have: named, with the variable to change, nothing made', async () => {
  const image = `${registry.host}/${repo}/triton:no-such-tag`
  const names = fresh('missing')
  const result = await runStep('02-triton', [], { ...env, TRITON_IMAGE: image, ...names }, 60_000)
  assert.is(result.code, 1, result.text)
  assert.match(
    result.text,
    `image ${image} is not on this machine and could not be pulled: ${registry.host} has no such image or tag`,
  )
  assert.match(result.text, 'point TRITON_IMAGE at an image this machine has')
  nothingLeft(image, names)
})

test('disk: an image clearly too large is refused before its bytes move; a tight one is warned about', async () => {
  // The registry's manifest claims the sizes (it does not check them); the bytes never flow, since
  // the proxy holds every layer download from its first byte.
  const proxy = await startStallingProxy(registry.host, 0)
  const { bavail, bsize } = await statfs('/var/lib/docker')
  const free = bavail * bsize
  try {
    const huge = `${proxy.host}/${repo}/huge:1`
    await putImage(registry.host, `${repo}/huge`, '1', [randomBytes(4000)], { claimedSizes: [free * 10] })
    const names = fresh('huge')
    const refused = await runStep(
      '02-triton',
      [],
      { ...env, TRITON_IMAGE: huge, ...names, PULL_STALL_TIMEOUT: '60' },
      60_000,
    )
    assert.is(refused.code, 1, refused.text)
    assert.match(refused.text, new RegExp(`not enough disk for ${huge}: [\\d.]+ [GT]B to download .* free under /`))
    assert.match(refused.text, 'docker system df')
    assert.not.match(refused.text, 'made no progress', 'refused by the stall, not the disk check')
    nothingLeft(huge, names)

    const tight = `${proxy.host}/${repo}/tight:1`
    await putImage(registry.host, `${repo}/tight`, '1', [randomBytes(4000)], { claimedSizes: [Math.round(free / 2)] })
    const warned = await runStep(
      '02-triton',
      [],
      { ...env, TRITON_IMAGE: tight, ...fresh('tight'), PULL_STALL_TIMEOUT: '3' },
      60_000,
    )
    assert.is(warned.code, 1, warned.text)
    assert.match(warned.text, new RegExp(`⚠ disk is tight for ${tight}: `))
    assert.match(warned.text, 'made no progress for 3 s')
  } finally {
    await proxy.close()
  }
})

test.run()
