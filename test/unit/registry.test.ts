// Image references as the docker CLI normalises them, and what a registry says about an image,
// asked of a real registry (Debian's docker-registry on 127.0.0.1), of one that never answers, and
// of a token-auth registry that follows the distribution spec (auth/token.md), as Docker Hub and
// nvcr.io do.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { enginePlatform, isLoopbackRegistry, lookupImage, parseImageRef } from '../../scripts/lib/engine/registry.ts'
import { putImage, startMuteServer, startRegistry, type TestRegistry } from '../helpers/registry.ts'
import { settleWithin } from '../helpers/settle-within.ts'

const amd64 = { os: 'linux', architecture: 'amd64' }
let registry: TestRegistry

test.before(async () => {
  registry = await startRegistry()
})
test.after(async () => {
  await registry?.stop()
})

for (const [image, name, reg, repository, reference] of [
  ['nginx', 'nginx', 'docker.io', 'library/nginx', 'latest'],
  ['nginx:1.25', 'nginx', 'docker.io', 'library/nginx', '1.25'],
  ['prom/prometheus:v2.53.1', 'prom/prometheus', 'docker.io', 'prom/prometheus', 'v2.53.1'],
  ['docker.io/grafana/grafana:11.6.0', 'docker.io/grafana/grafana', 'docker.io', 'grafana/grafana', '11.6.0'],
  [
    'nvcr.io/nvidia/tritonserver:23.05-py3',
    'nvcr.io/nvidia/tritonserver',
    'nvcr.io',
    'nvidia/tritonserver',
    '23.05-py3',
  ],
  ['localhost:5000/a/b', 'localhost:5000/a/b', 'localhost:5000', 'a/b', 'latest'],
  ['127.0.0.1:5000/b:7', '127.0.0.1:5000/b', '127.0.0.1:5000', 'b', '7'],
  ['localhost/x:1', 'localhost/x', 'localhost', 'x', '1'],
  ['a/b@sha256:abc', 'a/b', 'docker.io', 'a/b', 'sha256:abc'],
  ['m.example/a/b:t@sha256:abc', 'm.example/a/b', 'm.example', 'a/b', 'sha256:abc'],
] as const) {
  test(`reference ${image}`, () => {
    assert.equal(parseImageRef(image), { name, registry: reg, repository, reference })
  })
}

test('loopback registries are reached over plain HTTP, like the engine does for 127.0.0.0/8', () => {
  assert.ok(isLoopbackRegistry('127.0.0.1:5000'))
  assert.ok(isLoopbackRegistry('127.9.9.9'))
  assert.ok(isLoopbackRegistry('localhost:5000'))
  assert.not.ok(isLoopbackRegistry('nvcr.io'))
  assert.not.ok(isLoopbackRegistry('10.0.0.1:5000'))
})

test("the engine's architecture as an image platform", () => {
  assert.equal(enginePlatform({ OSType: 'linux', Architecture: 'x86_64' }), amd64)
  assert.equal(enginePlatform({ OSType: 'linux', Architecture: 'aarch64' }), { os: 'linux', architecture: 'arm64' })
})

test('an image in the registry: its compressed size and layers', async () => {
  const bytes = await putImage(registry.host, 'tm/one', '1', [Buffer.alloc(3000, 1), Buffer.alloc(5000, 2)])
  const found = await lookupImage(`${registry.host}/tm/one:1`, { timeoutMs: 5000, platform: amd64 })
  assert.is(found.kind, 'found')
  if (found.kind !== 'found') return
  assert.is(found.bytes, bytes)
  assert.equal(
    found.layers.map((l) => l.size),
    [3000, 5000],
  )
  assert.is(found.via, `http://${registry.host}`)
})

test('a tag the registry does not have, and a repository it does not have', async () => {
  await putImage(registry.host, 'tm/two', '1', [Buffer.alloc(10)])
  const tag = await lookupImage(`${registry.host}/tm/two:nope`, { timeoutMs: 5000, platform: amd64 })
  assert.is(tag.kind, 'not-found')
  const repo = await lookupImage(`${registry.host}/tm/none:1`, { timeoutMs: 5000, platform: amd64 })
  assert.is(repo.kind, 'not-found')
})

test("a manifest list: the engine's platform is picked, or none matches", async () => {
  await putImage(registry.host, 'tm/multi', '1', [Buffer.alloc(700, 3)], {
    platforms: [amd64, { os: 'linux', architecture: 's390x' }],
  })
  const found = await lookupImage(`${registry.host}/tm/multi:1`, { timeoutMs: 5000, platform: amd64 })
  assert.is(found.kind, 'found')
  const arm = await lookupImage(`${registry.host}/tm/multi:1`, {
    timeoutMs: 5000,
    platform: { os: 'linux', architecture: 'arm64' },
  })
  assert.equal(arm.kind === 'no-platform' && arm.platforms, ['linux/amd64', 'linux/s390x'])
})

test('a Docker Hub image is asked of the engine\'s registry-mirrors first, with "library/" for official ones', async () => {
  await putImage(registry.host, 'library/tm-official', '2', [Buffer.alloc(100, 4)])
  const found = await lookupImage('tm-official:2', {
    timeoutMs: 5000,
    platform: amd64,
    mirrors: [`http://${registry.host}/`],
  })
  assert.is(found.kind, 'found')
  assert.is(found.via, `http://${registry.host}`)
})

test('a registry that accepts and never answers: "unreachable" within the deadline', async () => {
  const mute = await startMuteServer()
  try {
    const started = Date.now()
    const lookup = lookupImage(`${mute.host}/tm/x:1`, { timeoutMs: 500, platform: amd64 })
    assert.is(await settleWithin(lookup, 5000), 'resolved')
    const result = await lookup
    assert.is(result.kind, 'unreachable')
    assert.ok(Date.now() - started < 3000)
  } finally {
    await mute.close()
  }
})

test('a closed port is unreachable at once, named "connection refused"', async () => {
  const closed = await startMuteServer()
  await closed.close()
  const result = await lookupImage(`${closed.host}/tm/x:1`, { timeoutMs: 5000, platform: amd64 })
  assert.equal(result.kind === 'unreachable' && result.detail, 'connection refused')
})

test('a token-auth registry: the challenge is answered with a token, asked with the stored login', async () => {
  const config = mkdtempSync(join(tmpdir(), 'tm-docker-config-'))
  const seen: string[] = []
  let port = 0
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`)
    if (req.url?.startsWith('/token')) {
      // Basic u:pw, the login stored in the docker config below.
      if (req.headers.authorization !== `Basic ${Buffer.from('u:pw').toString('base64')}`) {
        res.writeHead(401).end()
        return
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: 't0k3n' }))
      return
    }
    if (req.headers.authorization !== 'Bearer t0k3n') {
      res
        .writeHead(401, {
          'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="test",scope="repository:tm/auth:pull"`,
        })
        .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}')
      return
    }
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { size: 10 },
      layers: [{ digest: 'sha256:00', size: 990 }],
    }
    res.writeHead(200, { 'Content-Type': manifest.mediaType }).end(JSON.stringify(manifest))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as { port: number }).port
  const previous = process.env.DOCKER_CONFIG
  try {
    writeFileSync(
      join(config, 'config.json'),
      JSON.stringify({ auths: { [`127.0.0.1:${port}`]: { auth: Buffer.from('u:pw').toString('base64') } } }),
    )
    process.env.DOCKER_CONFIG = config
    const found = await lookupImage(`127.0.0.1:${port}/tm/auth:1`, { timeoutMs: 5000, platform: amd64 })
    assert.equal(found.kind === 'found' && found.bytes, 1000, JSON.stringify(found))
    assert.match(seen.join('\n'), /GET \/token\?service=test&scope=repository%3Atm%2Fauth%3Apull Basic/)
  } finally {
    if (previous === undefined) delete process.env.DOCKER_CONFIG
    else process.env.DOCKER_CONFIG = previous
    await new Promise((resolve) => server.close(resolve))
    rmSync(config, { recursive: true, force: true })
  }
})

test.run()
