// `make all` end to end on the real Docker engine with the local images (Triton, Prometheus and
// Grafana stand-ins): it passes, a re-run converges, a lost token is re-issued, a refused admin
// password costs one login and is set again with Grafana's CLI, a lost state folder costs none
// (three times over) while Prometheus is recreated on the new one with its history kept, a
// stopped Prometheus is named by 09-verify, no secret reaches any docker argv, output or
// `docker inspect`, and the Grafana stand-in saw only requests its OpenAPI spec allows. Names
// and ports are this suite's own, so other suites can run beside it.
import { randomBytes } from 'node:crypto'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildImages, dockerArgvRecorder, run, suiteEnv, type Result, type SuiteEnv } from '../helpers/docker-suite.ts'
import { prometheusApi } from '../helpers/prometheus.ts'

const work = mkdtempSync(join(tmpdir(), 'grafana-e2e-'))
let argvLog = ''
const outputs: string[] = []
const tokens = new Set<string>()
const WEBHOOK = `http://tm-hook-${process.pid}.invalid:9/hook/${randomBytes(12).toString('hex')}`
/** Every admin password the state folder held: none may leak, the old ones included. */
const passwords = new Set<string>()
let suite: SuiteEnv | undefined
let env: Record<string, string> = {}

async function make(...args: string[]): Promise<Result> {
  const result = await run('make', ['--no-print-directory', ...args], env)
  outputs.push(result.stdout, result.stderr)
  return result
}

const state = (name: string) => readFileSync(join(env.STATE_DIR!, name), 'utf8').trim()
const password = () => {
  const value = state('grafana-admin-password')
  passwords.add(value)
  return value
}
const failedLogins = async () =>
  ((await (await fetch(`${grafanaUrl()}/__standin/logins`)).json()) as { failed: number }).failed
const grafanaUrl = () => `http://127.0.0.1:${env.GRAFANA_PORT}`
const token = () => {
  const value = state('grafana-token')
  tokens.add(value)
  return value
}
async function api(path: string, init: RequestInit = {}): Promise<any> {
  const admin = `Basic ${Buffer.from(`admin:${password()}`).toString('base64')}`
  const response = await fetch(grafanaUrl() + path, { ...init, headers: { authorization: admin, ...init.headers } })
  return response.json()
}

test.before(async () => {
  const images = await buildImages()
  assert.ok(
    images.GRAFANA_IMAGE && images.TRITON_IMAGE && images.PROMETHEUS_IMAGE,
    'make images printed the three images',
  )
  // A docker that writes down its argv, so the test can prove no secret was ever passed in it.
  const shim = dockerArgvRecorder(work)
  argvLog = shim.log
  suite = await suiteEnv('grafana')
  env = {
    ...suite.env,
    ...images,
    PATH: `${shim.bin}:${process.env.PATH}`,
    STATE_DIR: join(work, 'state'),
    // Prometheus's files in the state folder, as by default: losing the folder loses them too.
    PROMETHEUS_CONFIG_DIR: '',
    // A chat bot's URL carries its token: a secret Alertmanager holds, checked like Grafana's.
    ALERT_WEBHOOK_URL: WEBHOOK,
  }
})

test.after(() => {
  suite?.cleanup()
  rmSync(work, { recursive: true, force: true })
})

test('make all passes from nothing', async () => {
  const result = await make('all')
  assert.is(result.code, 0, result.text)
  assert.match(result.text, /QPS \d+\.\d+ req\/s, mean latency \d+\.\d+ ms/)
  assert.match(result.text, /triton-monitoring\/triton-inference-server/)
  token()
})

test('make check on the make all stack: every check ✔, no lesson left (token and password from the state folder)', async () => {
  const result = await make('-s', 'check', 'ARGS=--json')
  assert.is(result.code, 0, result.text)
  const { checks } = JSON.parse(result.stdout) as { checks: { id: string; status: string }[] }
  assert.ok(checks.length >= 28, `${checks.length} checks`)
  assert.equal(
    checks.filter((c) => c.status !== 'ok').map((c) => c.id),
    [],
  )
})

test('make all again converges: one account, one datasource each, one dashboard, the same token', async () => {
  const before = token()
  const result = await make('all')
  assert.is(result.code, 0, result.text)
  assert.is(token(), before)
  const accounts = (await api('/api/serviceaccounts/search?query=cli-service')).serviceAccounts
  assert.equal(
    accounts.map((s: { name: string }) => s.name),
    ['cli-service'],
  )
  const datasources = await api('/api/datasources')
  assert.equal(
    datasources.map((d: { uid: string; url: string }) => [d.uid, d.url]),
    [
      ['triton-alertmanager', `http://${env.ALERTMANAGER_CONTAINER}:9093`],
      ['triton-prometheus', `http://${env.PROMETHEUS_CONTAINER}:9090`],
    ],
  )
  const dashboards = await api('/api/search?type=dash-db')
  assert.equal(
    dashboards.map((d: { uid: string }) => d.uid),
    ['triton-monitoring'],
  )
  const works = await fetch(`${grafanaUrl()}/api/search`, { headers: { authorization: `Bearer ${before}` } })
  assert.is(works.status, 200)
})

test('a revoked token is re-issued', async () => {
  const old = token()
  const sa = (await api('/api/serviceaccounts/search?query=cli-service')).serviceAccounts[0]
  for (const t of await api(`/api/serviceaccounts/${sa.id}/tokens`))
    await api(`/api/serviceaccounts/${sa.id}/tokens/${t.id}`, { method: 'DELETE' })
  const result = await make('token')
  assert.is(result.code, 0, result.text)
  const fresh = token()
  assert.is.not(fresh, old)
  assert.is((await fetch(`${grafanaUrl()}/api/search`, { headers: { authorization: `Bearer ${fresh}` } })).status, 200)
})

test('a refused admin password costs one login, then is set in Grafana with its CLI and works', async () => {
  const before = await failedLogins()
  writeFileSync(join(env.STATE_DIR!, 'grafana-admin-password'), 'a-password-grafana-never-saw\n')
  const result = await make('grafana')
  assert.is(result.code, 0, result.text)
  assert.match(result.text, /Grafana refused the admin password in the state folder: admin password set in Grafana/)
  assert.match(result.text, /grafana cli admin reset-admin-password/)
  assert.is(await failedLogins(), before + 1)
  assert.is((await api('/api/user')).login, 'admin')
})

/** What a converged stack holds: one of each, and the token in the state folder works. */
async function assertOneOfEach(): Promise<void> {
  const accounts = (await api('/api/serviceaccounts/search?query=cli-service')).serviceAccounts
  assert.equal(
    accounts.map((s: { name: string }) => s.name),
    ['cli-service'],
  )
  const tokenNames = (await api(`/api/serviceaccounts/${accounts[0].id}/tokens`)).map((t: { name: string }) => t.name)
  assert.equal(tokenNames, ['cli-token'])
  assert.is((await api('/api/datasources')).length, 2)
  assert.is((await api('/api/search?type=dash-db')).length, 1)
  const works = await fetch(`${grafanaUrl()}/api/search`, { headers: { authorization: `Bearer ${token()}` } })
  assert.is(works.status, 200)
}

test('make all after losing the state folder, three times: it passes, converges, spends no login, keeps history', async () => {
  const before = await failedLogins()
  const grafanaId = execFileSync('docker', ['inspect', '--format', '{{.Id}}', env.GRAFANA_CONTAINER!]).toString()
  const prometheus = prometheusApi(`http://127.0.0.1:${env.PROMETHEUS_PORT}`)
  // A moment Prometheus has scraped Triton at: its samples must outlive every recreate below.
  const earlier = Date.now() / 1000
  assert.is((await prometheus.query('up{job="triton"}', earlier)).length, 1, 'a sample before the rounds')
  for (let round = 1; round <= 3; round++) {
    const prometheusId = execFileSync('docker', ['inspect', '--format', '{{.Id}}', env.PROMETHEUS_CONTAINER!])
    rmSync(env.STATE_DIR!, { recursive: true, force: true })
    const result = await make('all')
    assert.is(result.code, 0, `round ${round}: ${result.text}`)
    assert.match(result.text, /the state folder had no admin password, and volume \S+ keeps Grafana's users/)
    assert.match(
      result.text,
      `${join(env.STATE_DIR!, 'prometheus')} was deleted and made again: ${env.PROMETHEUS_CONTAINER} restarts`,
    )
    assert.is.not(
      execFileSync('docker', ['inspect', '--format', '{{.Id}}', env.PROMETHEUS_CONTAINER!]).toString(),
      prometheusId.toString(),
    )
    await assertOneOfEach()
    assert.is((await prometheus.query('up{job="triton"}', earlier)).length, 1, `round ${round}: history kept`)
  }
  // The stand-in counts failed logins since it started: the same container all along.
  assert.is(execFileSync('docker', ['inspect', '--format', '{{.Id}}', env.GRAFANA_CONTAINER!]).toString(), grafanaId)
  assert.is(await failedLogins(), before, 'a lost state folder cost a failed login')
})

test('the Grafana stand-in recorded no request outside the OpenAPI spec', async () => {
  assert.equal(await (await fetch(`${grafanaUrl()}/__standin/violations`)).json(), [])
})

// Grafana's proxy answers each of these with the same bodiless 502: make verify tells them apart.
test('a datasource URL that names no container: make verify says the URL is wrong, and how to fix it', async () => {
  const wrong = `http://tm-no-prometheus-${process.pid}:9090`
  const set = await make('datasource', `ARGS=--url ${wrong}`)
  assert.is(set.code, 0, set.text)
  assert.match(set.text, `Grafana will not reach ${wrong}`)
  try {
    const result = await make('verify', 'ARGS=--timeout 10')
    assert.is.not(result.code, 0)
    assert.match(result.text, `the datasource URL is wrong: ${wrong} names tm-no-prometheus-${process.pid}`)
    assert.match(result.text, 'run `make datasource`')
  } finally {
    assert.is((await make('datasource')).code, 0)
  }
})

test('Prometheus on no network Grafana is on: make verify says Grafana cannot resolve its name', async () => {
  execFileSync('docker', ['network', 'disconnect', env.NETWORK!, env.PROMETHEUS_CONTAINER!])
  try {
    const result = await make('verify', 'ARGS=--timeout 10')
    assert.is.not(result.code, 0)
    assert.match(result.text, `Grafana cannot resolve the name ${env.PROMETHEUS_CONTAINER}`)
    assert.match(result.text, `docker network connect ${env.NETWORK} ${env.PROMETHEUS_CONTAINER}`)
  } finally {
    execFileSync('docker', ['network', 'connect', env.NETWORK!, env.PROMETHEUS_CONTAINER!])
  }
})

test('with Prometheus stopped, make verify says Prometheus is down, with its state, and how to start it', async () => {
  execFileSync('docker', ['stop', '--time', '1', env.PROMETHEUS_CONTAINER!], { stdio: 'ignore' })
  const result = await make('verify', 'ARGS=--timeout 10')
  assert.is.not(result.code, 0)
  assert.match(result.text, `Prometheus is down: container ${env.PROMETHEUS_CONTAINER} is exited`)
  assert.match(result.text, 'make prometheus')
})

test('no container of the stack shows a secret in docker inspect (env, command, labels, host config)', () => {
  password()
  token()
  const names = [env.TRITON_CONTAINER!, env.PROMETHEUS_CONTAINER!, env.ALERTMANAGER_CONTAINER!, env.GRAFANA_CONTAINER!]
  const inspected = JSON.parse(execFileSync('docker', ['container', 'inspect', ...names]).toString()) as {
    Name: string
    Args: string[]
    Config: Record<string, unknown>
    HostConfig: Record<string, unknown>
  }[]
  assert.is(inspected.length, names.length)
  for (const c of inspected) {
    const { Env, Cmd, Entrypoint, Labels } = c.Config
    const shown = JSON.stringify({ Env, Cmd, Entrypoint, Args: c.Args, Labels, HostConfig: c.HostConfig })
    for (const secret of [...passwords, ...tokens, WEBHOOK])
      assert.not.ok(shown.includes(secret), `a secret shows in ${c.Name}`)
  }
  const grafana = inspected.find((c) => c.Name === `/${env.GRAFANA_CONTAINER}`)!
  assert.ok(
    (grafana.Config.Env as string[]).includes('GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana-admin-password'),
  )
})

test('no secret appears in any docker argv or in any output', () => {
  const secrets = [password(), ...passwords, ...tokens, WEBHOOK]
  const argv = readFileSync(argvLog, 'utf8')
  assert.match(argv, /-e GF_SECURITY_ADMIN_PASSWORD__FILE(\s|$)/)
  for (const secret of secrets) {
    assert.not.ok(argv.includes(secret), "a secret reached docker's argv")
    assert.not.ok(outputs.join('\n').includes(secret), 'a secret was printed')
  }
})

test.run()
