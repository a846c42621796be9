// Steps 05, 06, 07 and 09 against the Grafana stand-in run as a local process, with a fake
// Prometheus behind its datasource proxy: they converge, recover a lost token, stop after one
// failed login, name what is missing, never print a secret, and send only requests the spec allows.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGrafanaStandin, type GrafanaStandin } from '../helpers/grafana-standin.ts'
import { repoRoot } from '../helpers/paths.ts'

const PASSWORD = 'unit-admin-password-7'
let grafana: GrafanaStandin
let prometheus: Server
let prometheusUrl = ''
let state = ''
const outputs: string[] = []
const tokens = new Set<string>()
const fake = { health: 'up', lastError: '', qps: 12.5, garbage: false }

interface Run {
  code: number | null
  stdout: string
  stderr: string
}
function run(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join('scripts', `${script}.ts`), ...args], {
      cwd: repoRoot,
      env: {
        ...process.env,
        STATE_DIR: state,
        GRAFANA_PORT: new URL(grafana.url).port,
        BIND_ADDRESS: '127.0.0.1',
        LANG: 'C',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c))
    child.stderr.on('data', (c: Buffer) => (stderr += c))
    child.on('close', (code) => {
      outputs.push(stdout, stderr)
      resolve({ code, stdout, stderr })
    })
  })
}
const token = () => {
  const value = readFileSync(join(state, 'grafana-token'), 'utf8').trim()
  tokens.add(value)
  return value
}
const admin = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`
const api = async (path: string, init: RequestInit = {}) =>
  (
    await fetch(grafana.url + path, { ...init, headers: { authorization: admin, ...init.headers } })
  ).json() as Promise<any>

function prometheusAnswer(url: URL): unknown {
  const query = url.searchParams.get('query') ?? ''
  const value = query.includes('duration') ? 3.25 : fake.qps
  if (url.pathname === '/api/v1/targets') {
    return {
      status: 'success',
      data: {
        activeTargets: [
          {
            labels: { job: 'triton', instance: 'triton:8002' },
            scrapeUrl: 'http://triton:8002/metrics',
            health: fake.health,
            lastError: fake.lastError,
          },
        ],
      },
    }
  }
  if (url.pathname === '/api/v1/query')
    return { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [0, String(value)] }] } }
  const now = Date.now() / 1000
  return {
    status: 'success',
    data: {
      resultType: 'matrix',
      result: [{ metric: {}, values: [0, 1, 2, 3].map((i) => [now - 15 + i * 5, String(value + i)]) }],
    },
  }
}

test.before(async () => {
  prometheus = createServer((req, res) =>
    fake.garbage
      ? res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not Prometheus</html>')
      : res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(prometheusAnswer(new URL(req.url!, 'http://x')))),
  )
  await new Promise<void>((resolve) => prometheus.listen(0, '127.0.0.1', resolve))
  prometheusUrl = `http://127.0.0.1:${(prometheus.address() as { port: number }).port}`
  grafana = await startGrafanaStandin({ env: { GF_SECURITY_ADMIN_PASSWORD: PASSWORD } })
  state = mkdtempSync(join(tmpdir(), 'grafana-steps-state-'))
  writeFileSync(join(state, 'grafana-admin-password'), `${PASSWORD}\n`, { mode: 0o600 })
})

test.after(async () => {
  await grafana.stop()
  prometheus.close()
  rmSync(state, { recursive: true, force: true })
})

test('05, 06 and 07 set Grafana up, and a second run keeps everything', async () => {
  for (const [script, args] of [
    ['05-token', []],
    ['06-datasource', ['--url', prometheusUrl]],
    ['07-dashboard', []],
  ] as const) {
    const first = await run(script, [...args])
    assert.is(first.code, 0, first.stderr)
    const second = await run(script, [...args])
    assert.is(second.code, 0, second.stderr)
    assert.match(second.stderr, /kept/)
    assert.not.match(second.stderr, /created|imported|issued/)
  }
  const accounts = await api('/api/serviceaccounts/search?query=cli-service')
  assert.equal(
    accounts.serviceAccounts.map((s: { name: string; role: string }) => [s.name, s.role]),
    [['cli-service', 'Admin']],
  )
  const datasources = await api('/api/datasources')
  assert.equal(
    datasources.map((d: { uid: string; url: string }) => [d.uid, d.url]),
    [['triton-prometheus', prometheusUrl]],
  )
  const dashboards = await api('/api/search?type=dash-db')
  assert.equal(
    dashboards.map((d: { uid: string; folderUid: string }) => [d.uid, d.folderUid]),
    [['triton-monitoring', 'triton']],
  )
  const stored = await api('/api/dashboards/uid/triton-monitoring')
  const variable = stored.dashboard.templating.list.find((v: { type: string }) => v.type === 'datasource')
  assert.is(variable.current.value, 'triton-prometheus')
})

test('07 converges the folder title to --folder, once, and back', async () => {
  const renamed = await run('07-dashboard', ['--folder', 'Triton serving'])
  assert.is(renamed.code, 0, renamed.stderr)
  assert.match(renamed.stderr, /folder triton renamed from "Triton" to "Triton serving"/)
  assert.is((await api('/api/folders/triton')).title, 'Triton serving')
  const again = await run('07-dashboard', ['--folder', 'Triton serving'])
  assert.is(again.code, 0, again.stderr)
  assert.not.match(again.stderr, /renamed/)
  assert.is((await run('07-dashboard')).code, 0)
  assert.is((await api('/api/folders/triton')).title, 'Triton')
})

test('09 passes through the proxy and prints the numbers with --json', async () => {
  const result = await run('09-verify', ['--json', '--timeout', '5'])
  assert.is(result.code, 0, result.stderr)
  const json = JSON.parse(result.stdout)
  assert.equal([json.ok, json.qps, json.latencyMs, json.target.health], [true, 12.5, 3.25, 'up'])
  assert.match(result.stderr, /QPS, last 5 min/)
})

test('09 fails, naming the triton target, when it is down', async () => {
  Object.assign(fake, { health: 'down', lastError: 'connection refused' })
  try {
    const result = await run('09-verify', ['--timeout', '1'])
    assert.is(result.code, 1)
    assert.match(result.stderr, /triton target triton:8002 is down \(connection refused\)/)
  } finally {
    Object.assign(fake, { health: 'up', lastError: '' })
  }
})

test('09 fails at once, naming the target and Prometheus, when Grafana cannot reach Prometheus', async () => {
  assert.is((await run('06-datasource', ['--url', 'http://127.0.0.1:9'])).code, 0)
  try {
    const started = Date.now()
    const result = await run('09-verify', ['--timeout', '30'])
    assert.is(result.code, 1)
    assert.match(result.stderr, /triton target.*502/)
    assert.match(result.stderr, /make prometheus/)
    assert.ok(Date.now() - started < 20_000, 'a dead upstream is not waited for')
  } finally {
    assert.is((await run('06-datasource', ['--url', prometheusUrl])).code, 0)
  }
})

test('09 fails at once, naming the datasource, when it answers something that is not Prometheus', async () => {
  fake.garbage = true
  try {
    const started = Date.now()
    const result = await run('09-verify', ['--timeout', '30'])
    assert.is(result.code, 1)
    assert.match(result.stderr, /not a Prometheus API answer/)
    assert.match(result.stderr, /make datasource/)
    assert.ok(Date.now() - started < 20_000, 'a wrong answer is not waited for')
  } finally {
    fake.garbage = false
  }
})

test('a GRAFANA_PORT where another web app answers is named with its fix, not a parse crash', async () => {
  fake.garbage = true
  try {
    for (const script of ['05-token', '06-datasource', '07-dashboard', '09-verify']) {
      const result = await run(script, [], { GRAFANA_PORT: new URL(prometheusUrl).port })
      assert.is(result.code, 1, `${script}: ${result.stderr}`)
      assert.match(result.stderr, /is not Grafana's API: it answered GET \/api\/\S+ with text\/html/, script)
      assert.match(result.stderr, /GRAFANA_PORT/, script)
    }
  } finally {
    fake.garbage = false
  }
})

test('06 refuses a --url that is not an http address with exit 2, and leaves the datasource as it was', async () => {
  const result = await run('06-datasource', ['--url', 'prometheus:9090'])
  assert.is(result.code, 2, result.stderr)
  assert.match(result.stderr, /--url "prometheus:9090" is not an http:\/\/ address/)
  assert.is((await api('/api/datasources/uid/triton-prometheus')).url, prometheusUrl)
})

test('06 reports a datasource of the same name under another uid instead of duplicating it', async () => {
  const result = await run('06-datasource', ['--url', prometheusUrl], { DATASOURCE_UID: 'another-uid' })
  assert.is(result.code, 1)
  assert.match(result.stderr, /named "Prometheus" already exists with uid triton-prometheus, not another-uid/)
  assert.is((await api('/api/datasources')).length, 1)
})

test('06 names the clash when the new name belongs to another datasource (Grafana: 409)', async () => {
  const other = await api('/api/datasources', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Taken', type: 'prometheus', url: prometheusUrl, access: 'proxy', uid: 'taken' }),
  })
  try {
    const result = await run('06-datasource', ['--url', prometheusUrl, '--name', 'Taken'])
    assert.is(result.code, 1)
    assert.match(result.stderr, /409 "Failed to update datasource: data source with the same name already exists"/)
    assert.match(result.stderr, /already named "Taken".*--name <other name>/)
  } finally {
    await api(`/api/datasources/uid/${other.datasource.uid}`, { method: 'DELETE' })
  }
})

test('a token deleted in Grafana is re-issued, the old one replaced', async () => {
  const old = token()
  const sa = (await api('/api/serviceaccounts/search?query=cli-service')).serviceAccounts[0]
  for (const t of await api(`/api/serviceaccounts/${sa.id}/tokens`)) {
    await api(`/api/serviceaccounts/${sa.id}/tokens/${t.id}`, { method: 'DELETE' })
  }
  const result = await run('05-token')
  assert.is(result.code, 0, result.stderr)
  assert.match(result.stderr, /Invalid API key/)
  const fresh = token()
  assert.is.not(fresh, old)
  const works = await fetch(`${grafana.url}/api/search`, { headers: { authorization: `Bearer ${fresh}` } })
  assert.is(works.status, 200)
  assert.is((await api(`/api/serviceaccounts/${sa.id}/tokens`)).length, 1)
})

test('a wrong admin password is reported after exactly one login attempt', async () => {
  const before = await grafana.failedLogins()
  writeFileSync(join(state, 'grafana-admin-password'), 'not-the-password\n')
  try {
    const result = await run('05-token')
    assert.is(result.code, 1)
    assert.match(result.stderr, /Invalid username or password/)
    assert.is(await grafana.failedLogins(), before + 1)
  } finally {
    writeFileSync(join(state, 'grafana-admin-password'), `${PASSWORD}\n`)
  }
})

test('05 for another account issues that account its own token, and so does switching back', async () => {
  const first = token()
  const other = await run('05-token', ['--account', 'other-sa', '--token-name', 'other-token'])
  assert.is(other.code, 0, other.stderr)
  assert.not.match(other.stderr, /still works, kept/)
  const sa = (await api('/api/serviceaccounts/search?query=other-sa')).serviceAccounts[0]
  assert.equal(
    (await api(`/api/serviceaccounts/${sa.id}/tokens`)).map((t: { name: string }) => t.name),
    ['other-token'],
  )
  assert.is.not(token(), first)
  const back = await run('05-token')
  assert.is(back.code, 0, back.stderr)
  assert.not.match(back.stderr, /still works, kept/)
  assert.match((await run('05-token')).stderr, /still works, kept/)
  token()
})

test("04 refuses a state folder whose admin password is Grafana's default, before the engine is touched", async () => {
  const own = mkdtempSync(join(tmpdir(), 'grafana-steps-default-'))
  try {
    writeFileSync(join(own, 'grafana-admin-password'), 'admin\n', { mode: 0o600 })
    const result = await run('04-grafana', [], { STATE_DIR: own, DOCKER_HOST: 'unix:///nonexistent.sock' })
    assert.is(result.code, 1, result.stderr)
    assert.match(result.stderr, /is "admin", Grafana's default: Grafana would run with admin\/admin/)
    assert.not.match(result.stderr, /Docker engine/)
  } finally {
    rmSync(own, { recursive: true, force: true })
  }
})

test("no secret ever appears in the steps' output", () => {
  token()
  const all = outputs.join('\n')
  for (const secret of [PASSWORD, ...tokens]) assert.not.ok(all.includes(secret), 'a secret was printed')
  assert.match(all, /glsa_\*\*\*\*/)
})

test('every request the steps sent was valid against the OpenAPI spec', async () => {
  assert.equal(await grafana.violations(), [])
})

test.run()
