// How a secret reaches a container (scripts/lib/engine/secret-files.ts), on the real engine with the
// Grafana stand-in image, which resolves GF_*__FILE as the grafana/grafana image's run.sh does:
// the trap that made a mount unusable, and the copy that replaces it.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ensureContainer } from '../../scripts/lib/engine/containers.ts'
import { waitFor } from '../../scripts/lib/step/poll.ts'
import { fail } from '../../scripts/lib/step/fail.ts'
import { secretsTar } from '../../scripts/lib/engine/secret-files.ts'
import { buildImages, freePort } from '../helpers/docker-suite.ts'
import { runGrafanaImage } from '../helpers/grafana-standin.ts'

const name = `tm-secret-files-${process.pid}`
const work = mkdtempSync(join(tmpdir(), 'secret-files-'))
const SECRET = 'pw-that-must-stay-hidden-7'
let image = ''

test.before(async () => {
  image = (await buildImages()).GRAFANA_IMAGE!
})

test.after(() => {
  spawnSync('docker', ['rm', '--force', name], { stdio: 'ignore' })
  rmSync(work, { recursive: true, force: true })
})

/** Status of GET /api/user with admin:<password>, once the stand-in in the container listens. */
async function login(port: number, password: string): Promise<number> {
  return waitFor(
    () =>
      fetch(`http://127.0.0.1:${port}/api/user`, {
        headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` },
        signal: AbortSignal.timeout(2000),
      }).then(
        (r) => r.status,
        () => false as const,
      ),
    {
      what: 'Grafana stand-in',
      timeoutMs: 30_000,
      onTimeout: () => fail('the stand-in never answered', 'see its log'),
    },
  )
}

test('the tar holds each file alone, mode 0400, owned by the uid:gid given', () => {
  const tar = secretsTar([{ path: '/run/secrets/a', value: 'abc', uid: 472, gid: 0 }])
  const listing = execFileSync('tar', ['-tv', '--numeric-owner'], { input: tar }).toString()
  assert.match(listing, /^-r-------- 472\/0\s+3 .* run\/secrets\/a\n$/)
  assert.is(execFileSync('tar', ['-xO'], { input: tar }).toString(), 'abc')
})

test("the trap: a 0600 host file mounted into Grafana's container is unreadable, and Grafana runs with admin/admin", async () => {
  const file = join(work, 'pw')
  writeFileSync(file, SECRET)
  chmodSync(file, 0o600)
  const port = await freePort()
  runGrafanaImage(name, image, port, [
    '--mount',
    `type=bind,source=${file},target=/run/secrets/pw,readonly`,
    '-e',
    'GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/pw',
  ])
  try {
    assert.is(await login(port, 'admin'), 200)
    assert.is(await login(port, SECRET), 401)
    const logs = spawnSync('docker', ['logs', name], { encoding: 'utf8' })
    assert.match(logs.stdout + logs.stderr, /cat: can't open '\/run\/secrets\/pw': Permission denied/)
  } finally {
    spawnSync('docker', ['rm', '--force', name], { stdio: 'ignore' })
  }
})

test("ensureContainer's secrets: 0400 and the container user's, read by Grafana, shown by no inspect field", async () => {
  const port = await freePort()
  await ensureContainer({
    name,
    image,
    env: { GF_SECURITY_ADMIN_PASSWORD__FILE: '/run/secrets/grafana-admin-password' },
    secrets: [{ path: '/run/secrets/grafana-admin-password', value: SECRET, uid: 472, gid: 0 }],
    ports: [{ address: '127.0.0.1', host: port, container: 3000 }],
  })
  assert.is(await login(port, SECRET), 200)
  const inspect = execFileSync('docker', ['container', 'inspect', name]).toString()
  assert.not.ok(inspect.includes(SECRET), 'the secret shows in docker inspect')
  const listing = execFileSync('docker', ['cp', `${name}:/run/secrets`, '-']).toString('latin1')
  const tar = execFileSync('tar', ['-tv', '--numeric-owner'], { input: Buffer.from(listing, 'latin1') }).toString()
  assert.match(tar, /-r-------- 472\/0 .* secrets\/grafana-admin-password/)
})

test.run()
