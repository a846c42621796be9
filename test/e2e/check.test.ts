// `make check` on a stack built by hand, as the tutorial builds it: its `docker run` lines with the
// local images, its prometheus.yml as printed, and its curl calls (here fetch) for the service
// account, token, datasource and dashboard, the wrong latency query included. Before any load only
// the QPS check fails; after load every check passes, the latency query a ⚠; then one step is
// broken at a time, and each break is named at its step, and only there. The engine's events and
// Grafana's and Prometheus's state show the check changed nothing; Chinese output; JUnit XML that a
// real parser reads. Names and ports are this suite's own (suiteEnv), so suites run side by side.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { waitFor } from '../../scripts/lib/step/poll.ts'
import { fail } from '../../scripts/lib/step/fail.ts'
import type { Check } from '../../scripts/lib/check/checklist.ts'
import { meanMsPerRequest, metric } from '../../scripts/lib/triton/metrics.ts'
import { buildImages, run, runStep, suiteEnv, type SuiteEnv } from '../helpers/docker-suite.ts'
import { repoRoot } from '../helpers/paths.ts'

let suite: SuiteEnv
let env: Record<string, string>
let configFile = ''
const ids: { account?: number; token?: number; datasource?: string; dashboard?: string } = {}

const grafanaUrl = () => `http://127.0.0.1:${env.GRAFANA_PORT}`
const prometheusUrl = () => `http://127.0.0.1:${env.PROMETHEUS_PORT}`
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' })

/** The tutorial's prometheus.yml as printed, with this suite's Triton name. */
const prometheusYml = (target = `${env.TRITON_CONTAINER}:8002`, interval = '5s') =>
  `global:\n  scrape_interval: ${interval}\nscrape_configs:\n  - job_name: "triton"\n    static_configs:\n      - targets: ["${target}"]\n`

/** The tutorial's dashboard.json, its wrong latency query and all. */
const dashboardJson = {
  dashboard: {
    title: 'Triton Monitoring CLI',
    panels: [
      { type: 'timeseries', title: 'GPU Utilization', targets: [{ expr: 'nv_gpu_utilization' }] },
      { type: 'timeseries', title: 'QPS', targets: [{ expr: 'rate(nv_inference_request_success[1m])' }] },
      {
        type: 'timeseries',
        title: 'Inference Latency (ms)',
        targets: [{ expr: 'avg(nv_inference_request_duration_us)/1000' }],
      },
    ],
  },
  overwrite: true,
}

/** curl against Grafana, as the tutorial's commands are: admin:admin, or the token. */
async function grafana(method: string, path: string, body?: unknown, auth = 'admin'): Promise<any> {
  const authorization = auth === 'admin' ? `Basic ${Buffer.from('admin:admin').toString('base64')}` : `Bearer ${auth}`
  const response = await fetch(grafanaUrl() + path, {
    method,
    headers: { authorization, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  })
  const text = await response.text()
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`)
  return JSON.parse(text)
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  return waitFor(probe, {
    what,
    timeoutMs,
    intervalMs: 500,
    onTimeout: (last) => fail(`${what}: timed out (${String(last)})`, ''),
  })
}

async function prometheusApi(route: string): Promise<any> {
  const response = await fetch(`${prometheusUrl()}/api/v1/${route}`, { signal: AbortSignal.timeout(5000) })
  return ((await response.json()) as { data: any }).data
}

const tritonTarget = async () =>
  (
    (await prometheusApi('targets?state=active')).activeTargets as {
      labels: { instance: string }
      health: string
      scrapeInterval: string
    }[]
  )[0]

const targetUp = () => until('the triton target up', async () => (await tritonTarget())?.health === 'up')

/**
 * Rewrites prometheus.yml and has Prometheus read it (SIGHUP, as `docker kill -s HUP` does), then
 * waits for the first scrape under it: a changed interval makes the target anew, "unknown" until
 * then, and a check run in that window names step 4 too (it did, once the check ran fast enough).
 */
async function reconfigure(target?: string, interval?: string) {
  writeFileSync(configFile, prometheusYml(target, interval))
  docker('kill', '--signal', 'HUP', env.PROMETHEUS_CONTAINER!)
  const want = target ?? `${env.TRITON_CONTAINER}:8002`
  await until('Prometheus to load the new config and scrape under it', async () => {
    const t = await tritonTarget()
    return t?.labels.instance === want && t.scrapeInterval === (interval ?? '5s') && t.health !== 'unknown'
  })
}

/**
 * A few inferences, as one pass of the tutorial's client loop sends: the suite runs for minutes,
 * and each break must find QPS > 0 in the last 5 minutes so that only the break is named.
 */
async function freshLoad(requests = 10) {
  const base = `http://127.0.0.1:${env.TRITON_HTTP_PORT}/v2/models/mnist_mlp`
  const meta = (await (await fetch(base, { signal: AbortSignal.timeout(5000) })).json()) as {
    inputs: { name: string; datatype: string; shape: number[] }[]
  }
  const input = meta.inputs[0]!
  const shape = input.shape.map((d) => (d < 0 ? 1 : d))
  const data = new Array(shape.reduce((a, b) => a * b, 1)).fill(0)
  const body = JSON.stringify({ inputs: [{ name: input.name, datatype: input.datatype, shape, data }] })
  for (let i = 0; i < requests; i++) {
    const response = await fetch(`${base}/infer`, { method: 'POST', body, signal: AbortSignal.timeout(5000) })
    assert.is(response.status, 200, await response.text())
  }
}

interface Report {
  ok: boolean
  checks: Check[]
}

async function check(
  extraEnv: Record<string, string> = {},
  ...args: string[]
): Promise<{ code: number | null; report: Report; text: string }> {
  const result = await runStep('check', ['--json', ...args], { ...env, ...extraEnv }, 120_000)
  return { code: result.code, report: JSON.parse(result.stdout) as Report, text: result.text }
}

const byStatus = (report: Report, status: Check['status']) =>
  report.checks.filter((c) => c.status === status).map((c) => c.id)

/** A break: exactly `id` fails, at `step`, with a fix; nothing else fails. */
function namedOnlyAt(report: Report, id: string, step: number, cause: RegExp, fix: RegExp) {
  assert.equal(byStatus(report, 'fail'), [id], JSON.stringify(report.checks, null, 1))
  const named = report.checks.find((c) => c.id === id)!
  assert.is(named.step, step)
  assert.match(named.message, cause)
  assert.match(named.fix ?? '', fix)
}

test.before(async () => {
  suite = await suiteEnv('check')
  env = { ...suite.env, ...(await buildImages()) }
  const net = env.NETWORK!
  // 1. Network.
  docker('network', 'create', net)
  // 2. Triton, the tutorial's command with the local image (ports on loopback, this suite's own).
  docker(
    'run',
    '-d',
    '--name',
    env.TRITON_CONTAINER!,
    '--network',
    net,
    '-v',
    `${join(repoRoot, 'models')}:/models:ro`,
    '-p',
    `127.0.0.1:${env.TRITON_HTTP_PORT}:8000`,
    '-p',
    `127.0.0.1:${env.TRITON_GRPC_PORT}:8001`,
    '-p',
    `127.0.0.1:${env.TRITON_METRICS_PORT}:8002`,
    env.TRITON_IMAGE!,
    'tritonserver',
    '--model-repository=/models',
  )
  // 3. prometheus.yml as printed, in monitor/prometheus; Prometheus runs as nobody and reads it.
  const folder = join(suite.configDir, 'monitor/prometheus')
  mkdirSync(folder, { recursive: true })
  for (const dir of [suite.configDir, join(suite.configDir, 'monitor'), folder]) chmodSync(dir, 0o755)
  configFile = join(folder, 'prometheus.yml')
  writeFileSync(configFile, prometheusYml(), { mode: 0o644 })
  // 4. Prometheus, the tutorial's command: only --config.file, the image's CMD replaced.
  docker(
    'run',
    '-d',
    '--name',
    env.PROMETHEUS_CONTAINER!,
    '--network',
    net,
    '-v',
    `${folder}:/etc/prometheus`,
    '-p',
    `127.0.0.1:${env.PROMETHEUS_PORT}:9090`,
    env.PROMETHEUS_IMAGE!,
    '--config.file=/etc/prometheus/prometheus.yml',
  )
  // 5. Grafana.
  docker(
    'run',
    '-d',
    '--name',
    env.GRAFANA_CONTAINER!,
    '--network',
    net,
    '-p',
    `127.0.0.1:${env.GRAFANA_PORT}:3000`,
    env.GRAFANA_IMAGE!,
  )
  await until(
    'Grafana',
    async () =>
      (await fetch(`${grafanaUrl()}/api/health`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined))?.ok,
  )
  // 6. The curl calls: service account, token, datasource, dashboard.
  const account = await grafana('POST', '/api/serviceaccounts', { name: 'cli-service', role: 'Admin' })
  ids.account = account.id
  const token = await grafana('POST', `/api/serviceaccounts/${account.id}/tokens`, { name: 'cli-token' })
  ids.token = token.id
  writeFileSync(join(suite.stateDir, 'token.txt'), `${token.key}\n`, { mode: 0o600 })
  env.GRAFANA_TOKEN_FILE = join(suite.stateDir, 'token.txt')
  const datasource = {
    name: 'Prometheus',
    type: 'prometheus',
    url: `http://${env.PROMETHEUS_CONTAINER}:9090`,
    access: 'proxy',
    basicAuth: false,
  }
  ids.datasource = (await grafana('POST', '/api/datasources', datasource, token.key)).datasource.uid
  ids.dashboard = (await grafana('POST', '/api/dashboards/db', dashboardJson, token.key)).uid
  await until(
    'Triton ready',
    async () =>
      (
        await fetch(`http://127.0.0.1:${env.TRITON_HTTP_PORT}/v2/health/ready`, {
          signal: AbortSignal.timeout(2000),
        }).catch(() => undefined)
      )?.ok,
  )
  await targetUp()
})

test.after(() => suite?.cleanup())

test("the tutorial's docker run of Prometheus stores its data under /prometheus/data, as upstream's image does", async () => {
  assert.is((await prometheusApi('status/flags'))['storage.tsdb.path'], 'data/')
  assert.is(
    JSON.parse(docker('container', 'inspect', '--format', '{{json .State.Running}}', env.PROMETHEUS_CONTAINER!)),
    true,
  )
})

test('before any load, only the QPS check fails, at step 7, with the load loop as its fix', async () => {
  const { code, report } = await check()
  assert.is(code, 1)
  namedOnlyAt(report, 'verify.qps', 7, /no request to mnist_mlp/, /for i in \{1\.\.100\}/)
  assert.equal(byStatus(report, 'skip'), [])
})

test('after load, make check passes steps 1-7; the latency query and admin/admin are the lessons', async () => {
  const load = await runStep(
    '08-load',
    ['--url', `http://127.0.0.1:${env.TRITON_HTTP_PORT}`, '--requests', '60', '--concurrency', '2'],
    env,
    120_000,
  )
  assert.is(load.code, 0, load.text)
  await until('QPS > 0 in Prometheus', async () => {
    const result = (
      await prometheusApi(`query?query=${encodeURIComponent('sum(rate(nv_inference_request_success[5m])) > 0')}`)
    ).result
    return result.length > 0
  })
  const result = await run('make', ['-s', 'check'], env, 120_000)
  assert.is(result.code, 0, result.text)
  for (const step of [1, 2, 3, 4, 5, 6, 7]) assert.match(result.text, new RegExp(`^${step}\\. `, 'm'))
  assert.not.match(result.text, /✖|○/)
  assert.match(
    result.text,
    /⚠ the latency query: "Inference Latency \(ms\)" queries avg\(nv_inference_request_duration_us\)\/1000: .* cumulative counter/,
  )
  assert.match(result.text, `→ mean latency in ms is \`${meanMsPerRequest(metric.requestDuration, { window: '1m' })}\``)
  assert.match(result.text, /⚠ admin password changed: admin\/admin still works/)
  assert.match(result.text, /✔ GPU or CPU: on the CPU/)
  const { report } = await check()
  assert.equal(byStatus(report, 'warn').sort(), ['grafana.admin', 'grafana.latency'])
  assert.ok(report.ok)
})

test('make check is read only: no engine event on the stack, Grafana and Prometheus the same before and after', async () => {
  const grafanaState = async () => ({
    accounts: await grafana('GET', '/api/serviceaccounts/search?query='),
    tokens: await grafana('GET', `/api/serviceaccounts/${ids.account}/tokens`),
    datasources: await grafana('GET', '/api/datasources'),
    dashboards: await grafana('GET', '/api/search'),
    dashboard: (await grafana('GET', `/api/dashboards/uid/${ids.dashboard}`)).dashboard.version,
    failedLogins: ((await (await fetch(`${grafanaUrl()}/__standin/logins`)).json()) as { failed: number }).failed,
  })
  const prometheusState = async () => {
    const { lastConfigTime, reloadConfigSuccess, storageRetention } = await prometheusApi('status/runtimeinfo')
    return {
      config: (await prometheusApi('status/config')).yaml,
      flags: await prometheusApi('status/flags'),
      lastConfigTime,
      reloadConfigSuccess,
      storageRetention,
    }
  }
  const started = (name: string) => docker('container', 'inspect', '--format', '{{.Id}} {{.State.StartedAt}}', name)
  const before = {
    grafana: await grafanaState(),
    prometheus: await prometheusState(),
    started: suite.containers.slice(0, 3).map(started),
  }
  const since = Math.floor(Date.now() / 1000) - 1
  const { code } = await check()
  assert.is(code, 0)
  const untilTime = String(Math.ceil(Date.now() / 1000) + 1)
  const events = (filters: string[]) =>
    docker(
      'events',
      '--since',
      String(since),
      '--until',
      untilTime,
      ...filters,
      '--format',
      '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}',
    )
      .trim()
      .split('\n')
      .filter(Boolean)
  assert.equal(events(suite.containers.slice(0, 3).flatMap((c) => ['--filter', `container=${c}`])), [])
  assert.equal(events(['--filter', `network=${suite.network}`]), [])
  // The same look at the events does see a change: an empty list above means something.
  docker('container', 'update', '--restart', 'no', env.GRAFANA_CONTAINER!)
  const after = String(Math.ceil(Date.now() / 1000) + 1)
  const seen = docker(
    'events',
    '--since',
    String(since),
    '--until',
    after,
    '--filter',
    `container=${env.GRAFANA_CONTAINER}`,
    '--format',
    '{{.Action}}',
  )
  assert.match(seen, /update/)
  assert.equal(await grafanaState(), before.grafana)
  assert.equal(await prometheusState(), before.prometheus)
  assert.equal(suite.containers.slice(0, 3).map(started), before.started)
})

test('in Chinese when the locale asks', async () => {
  const result = await runStep('check', [], { ...env, LANG: 'zh_CN.UTF-8' }, 120_000)
  assert.is(result.code, 0, result.text)
  assert.match(result.text, /1\. 网络/)
  assert.match(result.text, /⚠ 延迟查询：/)
  assert.match(result.text, /累计计数器/)
  assert.match(result.text, /项检查全部通过/)
  assert.not.match(result.text, /the latency query|not reached|did not pass/)
})

test('--junit writes XML a JUnit parser reads: one testcase per check, failures with their message', async () => {
  const file = join(suite.stateDir, 'check.xml')
  const { report } = await check({}, '--junit', file)
  const xml = readFileSync(file, 'utf8')
  assert.is(XMLValidator.validate(xml), true)
  const parsed = new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => ['testsuite', 'testcase'].includes(name),
  }).parse(xml)
  const cases = parsed.testsuites.testsuite.flatMap((s: any) => s.testcase)
  assert.is(cases.length, report.checks.length)
  assert.is(parsed.testsuites.testsuite.length, 7)
  // A failing run: its failure carries the cause.
  const broken = join(suite.stateDir, 'broken.xml')
  await check({ MODEL: 'no_such_model' }, '--junit', broken, '--step', '2')
  const failing = new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => ['testsuite', 'testcase'].includes(name),
  })
    .parse(readFileSync(broken, 'utf8'))
    .testsuites.testsuite.flatMap((s: any) => s.testcase)
    .filter((c: any) => c.failure)
  assert.is(failing.length, 1)
  assert.match(failing[0].failure['@_message'], /model no_such_model is not/)
})

test('--step 4 checks steps 1-4 only', async () => {
  const { code, report } = await check({}, '--step', '4')
  assert.is(code, 0)
  assert.equal([...new Set(report.checks.map((c) => c.step))], [1, 2, 3, 4])
})

test('Triton off the network is named at step 2, and only there', async () => {
  await freshLoad()
  docker('network', 'disconnect', env.NETWORK!, env.TRITON_CONTAINER!)
  try {
    const { report } = await check()
    namedOnlyAt(report, 'triton.network', 2, /is not on/, /docker network connect/)
  } finally {
    docker('network', 'connect', env.NETWORK!, env.TRITON_CONTAINER!)
  }
  await targetUp()
})

test("a target on Triton's HTTP port 8000 is named at step 3, and only there", async () => {
  await freshLoad()
  await reconfigure(`${env.TRITON_CONTAINER}:8000`)
  try {
    const { report } = await check()
    namedOnlyAt(
      report,
      'config.target',
      3,
      /port 8000 is Triton's HTTP \(inference\) port; its metrics are on 8002/,
      /targets: \[".*:8002"\]/,
    )
  } finally {
    await reconfigure()
  }
  await targetUp()
})

test('scraping every 15 s is named at step 3, and only there', async () => {
  await freshLoad()
  await reconfigure(undefined, '15s')
  try {
    const { report } = await check()
    namedOnlyAt(report, 'config.interval', 3, /every 15s, not 5s/, /scrape_interval: 5s/)
  } finally {
    await reconfigure()
  }
  await targetUp()
})

test('a datasource at http://localhost:9090 is named at step 6 with its own fix, and only there', async () => {
  await freshLoad()
  // Without its version: Grafana then applies the update whatever the version is now.
  const { version: _, ...current } = await grafana('GET', `/api/datasources/uid/${ids.datasource}`)
  await grafana('PUT', `/api/datasources/uid/${ids.datasource}`, { ...current, url: 'http://localhost:9090' })
  try {
    const { report } = await check()
    namedOnlyAt(
      report,
      'grafana.datasource',
      6,
      /localhost is Grafana, not Prometheus/,
      new RegExp(`http://${env.PROMETHEUS_CONTAINER}:9090`),
    )
  } finally {
    await grafana('PUT', `/api/datasources/uid/${ids.datasource}`, current)
  }
})

test('a missing dashboard is named at step 6, and only there', async () => {
  await freshLoad()
  await grafana('DELETE', `/api/dashboards/uid/${ids.dashboard}`)
  try {
    const { report } = await check()
    namedOnlyAt(report, 'grafana.dashboard', 6, /no dashboard "Triton Monitoring CLI"/, /api\/dashboards\/db/)
  } finally {
    ids.dashboard = (await grafana('POST', '/api/dashboards/db', dashboardJson)).uid
  }
})

test('a deleted token is named at step 6, and only there', async () => {
  await freshLoad()
  await grafana('DELETE', `/api/serviceaccounts/${ids.account}/tokens/${ids.token}`)
  const { report } = await check()
  namedOnlyAt(
    report,
    'grafana.token',
    6,
    /refuses the token from GRAFANA_TOKEN_FILE=.*deleted, revoked or has expired/,
    /tokens/,
  )
})

test('without working credentials, step 6 says how to give them', async () => {
  const { report } = await check({ GRAFANA_TOKEN_FILE: '', GRAFANA_ADMIN_PASSWORD: 'not-the-password' }, '--step', '6')
  const credentials = report.checks.find((c) => c.id === 'grafana.credentials')!
  assert.is(credentials.status, 'fail')
  assert.match(credentials.fix ?? '', /GRAFANA_TOKEN_FILE=token\.txt make check/)
  assert.is(report.checks.find((c) => c.id === 'grafana.admin')?.status, 'fail')
})

test.run()
