// `make all` end to end on the real Docker engine with the local images (Triton, Prometheus and
// Grafana stand-ins): it passes, a re-run converges, a lost token is re-issued, a wrong admin
// password costs one login, a stopped Prometheus is named by 09-verify, no secret reaches any
// docker argv or output, and the Grafana stand-in saw only requests its OpenAPI spec allows.
// Names and ports are this suite's own, so other suites can run beside it.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildImages, run, suiteEnv, type Result, type SuiteEnv } from '../helpers/docker-suite.ts'

const work = mkdtempSync(join(tmpdir(), 'grafana-e2e-'))
const argvLog = join(work, 'docker-argv.log')
const outputs: string[] = []
const tokens = new Set<string>()
let suite: SuiteEnv | undefined
let env: Record<string, string> = {}

async function make(...args: string[]): Promise<Result> {
  const result = await run('make', ['--no-print-directory', ...args], env)
  outputs.push(result.stdout, result.stderr)
  return result
}

const state = (name: string) => readFileSync(join(env.STATE_DIR!, name), 'utf8').trim()
const grafanaUrl = () => `http://127.0.0.1:${env.GRAFANA_PORT}`
const token = () => {
  const value = state('grafana-token')
  tokens.add(value)
  return value
}
async function api(path: string, init: RequestInit = {}): Promise<any> {
  const admin = `Basic ${Buffer.from(`admin:${state('grafana-admin-password')}`).toString('base64')}`
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
  const realDocker = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim()
  const shim = join(work, 'bin')
  mkdirSync(shim)
  writeFileSync(join(shim, 'docker'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${argvLog}"\nexec "${realDocker}" "$@"\n`)
  chmodSync(join(shim, 'docker'), 0o755)
  suite = await suiteEnv('grafana')
  env = { ...suite.env, ...images, PATH: `${shim}:${process.env.PATH}`, STATE_DIR: join(work, 'state') }
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

test('make all again converges: one account, one datasource, one dashboard, the same token', async () => {
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
    [['triton-prometheus', `http://${env.PROMETHEUS_CONTAINER}:9090`]],
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

test('a wrong admin password is reported after one attempt', async () => {
  const failed = async () =>
    ((await (await fetch(`${grafanaUrl()}/__standin/logins`)).json()) as { failed: number }).failed
  const right = state('grafana-admin-password')
  const before = await failed()
  writeFileSync(join(env.STATE_DIR!, 'grafana-admin-password'), 'a-password-grafana-never-saw\n')
  try {
    const result = await make('grafana')
    assert.is.not(result.code, 0)
    assert.match(result.text, /Invalid username or password/)
    assert.match(result.text, /was first started with another admin password/)
    assert.is(await failed(), before + 1)
  } finally {
    writeFileSync(join(env.STATE_DIR!, 'grafana-admin-password'), `${right}\n`)
  }
})

test('the Grafana stand-in recorded no request outside the OpenAPI spec', async () => {
  assert.equal(await (await fetch(`${grafanaUrl()}/__standin/violations`)).json(), [])
})

test('with Prometheus stopped, make verify fails naming the triton target', async () => {
  execFileSync('docker', ['stop', '--time', '1', env.PROMETHEUS_CONTAINER!], { stdio: 'ignore' })
  const result = await make('verify', 'ARGS=--timeout 10')
  assert.is.not(result.code, 0)
  assert.match(result.text, /triton target/)
  assert.match(result.text, /make prometheus/)
})

test('no secret appears in any docker argv or in any output', () => {
  const secrets = [state('grafana-admin-password'), ...tokens]
  const argv = readFileSync(argvLog, 'utf8')
  assert.match(argv, /-e GF_SECURITY_ADMIN_PASSWORD(\s|$)/)
  for (const secret of secrets) {
    assert.not.ok(argv.includes(secret), "a secret reached docker's argv")
    assert.not.ok(outputs.join('\n').includes(secret), 'a secret was printed')
  }
})

test.run()
