// The logins `docker login` stored, found the way the docker CLI finds them: a credential helper
// for the registry, the credential store, or the inline `auths`; and never printed.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { credentialsFor, registryAuthHeader } from '../../scripts/lib/engine/registry-auth.ts'
import { setVerbose } from '../../scripts/lib/output/log.ts'
import { maskSecrets } from '../../scripts/lib/output/mask.ts'

const dir = mkdtempSync(join(tmpdir(), 'tm-auth-'))
const bin = join(dir, 'bin')
mkdirSync(bin)
// A credential helper speaks JSON on stdout for the server URL on stdin (docker-credential-helpers).
writeFileSync(
  join(bin, 'docker-credential-tmtest'),
  `#!/bin/sh
read server
case "$server" in
  helped.example) echo '{"ServerURL":"helped.example","Username":"hu","Secret":"helper-secret-1"}' ;;
  empty.example) echo '{"ServerURL":"empty.example","Username":"eu","Secret":""}' ;;
  nouser.example) echo '{"ServerURL":"nouser.example","Secret":"nouser-secret-1"}' ;;
  garbled.example) echo 'not json' ;;
  failing.example) echo '{"ServerURL":"failing.example","Username":"fu","Secret":"failing-secret-1"}'; exit 1 ;;
  https://index.docker.io/v1/) echo '{"ServerURL":"x","Username":"<token>","Secret":"hub-identity-token"}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`,
)
chmodSync(join(bin, 'docker-credential-tmtest'), 0o755)

function env(config: object): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(dir, 'cfg-'))
  writeFileSync(join(home, 'config.json'), JSON.stringify(config))
  return { DOCKER_CONFIG: home, PATH: `${bin}:${process.env.PATH}` }
}

const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64')

test.after(() => rmSync(dir, { recursive: true, force: true }))

test('inline auths, by host, with or without a scheme', async () => {
  const e = env({ auths: { 'https://mirror.example:5000': { auth: basic('me', 'inline-secret-1') } } })
  assert.equal(await credentialsFor('mirror.example:5000', e), { username: 'me', password: 'inline-secret-1' })
  assert.is(await credentialsFor('other.example', e), undefined)
})

test('Docker Hub is filed under https://index.docker.io/v1/, as docker login files it', async () => {
  const e = env({ auths: { 'https://index.docker.io/v1/': { auth: basic('hubber', 'hub-secret-1') } } })
  assert.equal(await credentialsFor('docker.io', e), { username: 'hubber', password: 'hub-secret-1' })
})

test('a credential helper for the registry, an identity token from the store, and a miss', async () => {
  const e = env({ credHelpers: { 'helped.example': 'tmtest' }, credsStore: 'tmtest' })
  assert.equal(await credentialsFor('helped.example', e), { username: 'hu', password: 'helper-secret-1' })
  assert.equal(await credentialsFor('docker.io', e), { identitytoken: 'hub-identity-token' })
  assert.is(await credentialsFor('unknown.example', e), undefined)
})

test('a helper that has nothing falls back to the inline auths', async () => {
  const e = env({ credsStore: 'tmtest', auths: { 'plain.example': { auth: basic('p', 'plain-secret-1') } } })
  assert.equal(await credentialsFor('plain.example', e), { username: 'p', password: 'plain-secret-1' })
})

test('a helper answer without a secret, or not JSON, is no login; one without a user is an empty user', async () => {
  const e = env({ credsStore: 'tmtest' })
  assert.is(await credentialsFor('empty.example', e), undefined)
  assert.is(await credentialsFor('garbled.example', e), undefined)
  assert.is(await credentialsFor('failing.example', e), undefined, 'a helper that exits non-zero has nothing')
  assert.equal(await credentialsFor('nouser.example', e), { username: '', password: 'nouser-secret-1' })
})

test('a helper for another registry is not asked; a per-registry helper wins over the store', async () => {
  const e = env({
    credHelpers: { 'other.example': 'missing-helper', 'helped.example': 'tmtest' },
    credsStore: 'missing-helper',
    auths: { 'helped.example': { auth: basic('inline', 'inline-secret-3') } },
  })
  assert.equal(await credentialsFor('helped.example', e), { username: 'hu', password: 'helper-secret-1' })
})

test('Docker Hub filed under another docker.io key, e.g. registry-1.docker.io, is found for docker.io only', async () => {
  const e = env({ auths: { 'registry-1.docker.io': { auth: basic('hubber', 'hub-secret-2') } } })
  assert.equal(await credentialsFor('docker.io', e), { username: 'hubber', password: 'hub-secret-2' })
  assert.is(await credentialsFor('quay.io', e), undefined)
})

test('inline auths: an identity token; a user:password whose password has a colon; no colon, or an empty user, is none', async () => {
  const e = env({
    auths: {
      'token.example': { identitytoken: 'inline-identity-token-1' },
      'colon.example': { auth: basic('me', 'pass:with:colons') },
      'nocolon.example': { auth: Buffer.from('just-a-user').toString('base64') },
      'nouser.example': { auth: basic('', 'orphan-password') },
    },
  })
  assert.equal(await credentialsFor('token.example', e), { identitytoken: 'inline-identity-token-1' })
  assert.not.match(maskSecrets('id inline-identity-token-1'), 'inline-identity-token-1')
  assert.equal(await credentialsFor('colon.example', e), { username: 'me', password: 'pass:with:colons' })
  assert.is(await credentialsFor('nocolon.example', e), undefined)
  assert.is(await credentialsFor('nouser.example', e), undefined)
})

test('a registry filed with a path is found by its host; a config that is not JSON is no config', async () => {
  const e = env({ auths: { 'http://path.example:5000/v2/': { auth: basic('pu', 'path-secret-1') } } })
  assert.equal(await credentialsFor('path.example:5000', e), { username: 'pu', password: 'path-secret-1' })
  const broken = mkdtempSync(join(dir, 'cfg-'))
  writeFileSync(join(broken, 'config.json'), '{ not json')
  assert.is(await credentialsFor('path.example:5000', { DOCKER_CONFIG: broken }), undefined)
})

test('--verbose shows the helper command, and neither it nor the helper output shows the secret', async () => {
  const e = env({ credHelpers: { 'helped.example': 'tmtest' } })
  let printed = ''
  const stdout = process.stdout.write
  const stderr = process.stderr.write
  const keep = ((chunk: string | Uint8Array) => {
    printed += String(chunk)
    return true
  }) as typeof process.stdout.write
  setVerbose(true)
  process.stdout.write = keep
  process.stderr.write = keep
  try {
    await credentialsFor('helped.example', e)
  } finally {
    process.stdout.write = stdout
    process.stderr.write = stderr
    setVerbose(false)
  }
  assert.match(printed, 'docker-credential-tmtest get')
  assert.not.match(printed, 'helper-secret-1')
})

test('no config at all: anonymous', async () => {
  assert.is(await credentialsFor('docker.io', { DOCKER_CONFIG: join(dir, 'missing') }), undefined)
})

test('found secrets are masked in every line printed', async () => {
  await credentialsFor('helped.example', env({ credHelpers: { 'helped.example': 'tmtest' } }))
  assert.not.match(maskSecrets('login helper-secret-1 used'), 'helper-secret-1')
})

// The oracle is the docker CLI's encoding (registry.EncodeAuthConfig): Go's json.Marshal, then
// base64.URLEncoding, the padded URL-safe alphabet. Each expected header was worked out once outside
// this code (coreutils `basenc --base64url`, RFC 4648 section 5, padded like Go) and is compared byte for
// byte: a lenient decoder would accept the unpadded or the standard alphabet the daemon refuses.
// The credentials are chosen so the header needs padding and uses both URL-safe characters (- and _).
test("the engine's X-Registry-Auth: Go's padded URL-safe base64 of the JSON, byte for byte", () => {
  assert.is(
    registryAuthHeader({ username: 'u', password: 'p' }, 'docker.io'),
    'eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InAiLCJzZXJ2ZXJhZGRyZXNzIjoiaHR0cHM6Ly9pbmRleC5kb2NrZXIuaW8vdjEvIn0=',
  )
  assert.is(
    registryAuthHeader({ username: 'u', password: '~~~???' }, 'registry.example:5000'),
    'eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6In5-fj8_PyIsInNlcnZlcmFkZHJlc3MiOiJyZWdpc3RyeS5leGFtcGxlOjUwMDAifQ==',
  )
  assert.is(registryAuthHeader({ identitytoken: 'tk' }, 'm.example'), 'eyJpZGVudGl0eXRva2VuIjoidGsifQ==')
})

test.run()
