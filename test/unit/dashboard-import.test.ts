// The hand import the README shows (curl, token from the state folder through a header file, never
// in argv) posts dashboards/triton.import.json as-is, against the Grafana stand-in, which checks
// every request against Grafana's OpenAPI spec; a second post overwrites in place.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { DASHBOARD_UID } from '../../dashboards/triton.ts'
import { TOKEN_FILE } from '../../scripts/lib/grafana/session.ts'
import { startGrafanaStandin, type GrafanaStandin } from '../helpers/grafana-standin.ts'
import { repoRoot } from '../helpers/paths.ts'

/** The README's commands, run from the project folder; only the Grafana address is replaced. */
const HAND_IMPORT = `
( umask 077; printf 'Authorization: Bearer %s\\n' "$(cat .state/${TOKEN_FILE})" > .state/grafana-auth.header )
curl -fsS -X POST http://127.0.0.1:3000/api/dashboards/db \\
  -H @.state/grafana-auth.header -H 'Content-Type: application/json' \\
  --data-binary @dashboards/triton.import.json
`

const password = randomBytes(12).toString('hex')
const work = mkdtempSync(join(tmpdir(), 'dashboard-import-'))
let grafana: GrafanaStandin | undefined
let token = ''

async function call(path: string, init: RequestInit & { auth: string }): Promise<any> {
  const response = await fetch(`${grafana!.url}/api${path}`, {
    ...init,
    headers: { authorization: init.auth, 'content-type': 'application/json' },
  })
  const body = await response.json()
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`)
  return body
}

function handImport(): { code: number | null; stdout: string; stderr: string } {
  const script = HAND_IMPORT.replace('http://127.0.0.1:3000', grafana!.url)
  const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: work, encoding: 'utf8' })
  return { code: run.status, stdout: run.stdout, stderr: run.stderr }
}

test.before(async () => {
  grafana = await startGrafanaStandin({ env: { GF_SECURITY_ADMIN_PASSWORD: password } })
  const basic = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`
  const account = await call('/serviceaccounts', {
    method: 'POST',
    auth: basic,
    body: JSON.stringify({ name: 'dashboard-import', role: 'Editor' }),
  })
  token = (
    await call(`/serviceaccounts/${account.id}/tokens`, {
      method: 'POST',
      auth: basic,
      body: JSON.stringify({ name: 'import' }),
    })
  ).key
  mkdirSync(join(work, '.state'), { mode: 0o700 })
  writeFileSync(join(work, '.state', TOKEN_FILE), `${token}\n`, { mode: 0o600 })
  mkdirSync(join(work, 'dashboards'))
  copyFileSync(join(repoRoot, 'dashboards/triton.import.json'), join(work, 'dashboards/triton.import.json'))
})

test.after(async () => {
  await grafana?.stop()
  rmSync(work, { recursive: true, force: true })
})

test("the README's curl imports the exported file as-is, and the token stays out of argv", async () => {
  // curl reads the header from a file; printf is a shell builtin, so no process has the token in argv.
  assert.match(HAND_IMPORT, /curl [^\n]*\n\s*-H @\.state\/grafana-auth\.header/)
  const first = handImport()
  assert.is(first.code, 0, first.stderr)
  const answer = JSON.parse(first.stdout)
  assert.is(answer.status, 'success')
  assert.is(answer.uid, DASHBOARD_UID)
  assert.is(
    statSync(join(work, '.state/grafana-auth.header')).mode & 0o777,
    0o600,
    'header file readable by its owner only',
  )
})

test('Grafana stores the model unchanged (apart from the id and version it assigns)', async () => {
  const { dashboard } = await call(`/dashboards/uid/${DASHBOARD_UID}`, { auth: `Bearer ${token}` })
  const exported = JSON.parse(readFileSync(join(repoRoot, 'dashboards/triton.import.json'), 'utf8')).dashboard
  const { id, version, ...stored } = dashboard
  assert.type(id, 'number')
  assert.type(version, 'number')
  assert.equal(stored, exported)
})

test('a second import overwrites the same dashboard (overwrite: true), it does not fail or duplicate', async () => {
  const second = handImport()
  assert.is(second.code, 0, second.stderr)
  const answer = JSON.parse(second.stdout)
  assert.is(answer.uid, DASHBOARD_UID)
  assert.is(answer.version, 2)
  const hits = await call(`/search?query=${encodeURIComponent('Triton')}`, { auth: `Bearer ${token}` })
  assert.is(hits.filter((h: { uid: string }) => h.uid === DASHBOARD_UID).length, 1)
})

test("every request was valid against Grafana's OpenAPI spec", async () => {
  assert.equal(await grafana!.violations(), [])
})

test.run()
