// Every PromQL expression of the dashboard, run by real Prometheus that scraped three Triton
// stand-ins (replicas, summaries on) while the load step spread requests over them: each must
// parse and return data, except the GPU panels on a host without GPU metrics, which must return
// nothing (and then show their "no GPU metrics" text). The per-instance panels give one series
// per replica, and the instance variable narrows every panel to the replicas it names.
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { buildTritonDashboard } from '../../dashboards/triton.ts'
import { configYaml, prometheusConfig, RULES_FILE } from '../../prometheus/config.ts'
import { type AlertRule, rulesYaml } from '../../prometheus/rules.ts'
import { defaults } from '../../scripts/lib/step/config.ts'
import { waitFor } from '../../scripts/lib/step/poll.ts'
import { fail } from '../../scripts/lib/step/fail.ts'
import { dashboardQueries, substitute } from '../helpers/dashboard-queries.ts'
import { repoRoot } from '../helpers/paths.ts'
import { runProcess } from '../helpers/process.ts'
import { startPrometheus, type Prometheus, type Series } from '../helpers/prometheus.ts'
import { startTritonStandin } from '../helpers/triton-standin.ts'

const MODEL = defaults.MODEL
/** Grafana's $__rate_interval for a 1 s scrape: max(4 × scrape interval, step + scrape interval). */
const RATE_INTERVAL = '4s'
const LOAD = { rate: 60, seconds: 8 }
const REPLICAS = 3
const LOAD_TIMEOUT_MS = 60_000

type Standin = Awaited<ReturnType<typeof startTritonStandin>>
let standins: Standin[] = []
/** The `instance` of each replica: its metrics address, as a static target has it. */
let instances: string[] = []
let prometheus: Prometheus | undefined
let window = { start: 0, end: 0 }
let sentRate = 0
let cpuOnly = true

const ALWAYS_FIRING_FILE = 'always-firing.yml'
const alwaysFiring: AlertRule = {
  alert: 'DashboardTestAlert',
  expr: 'vector(1)',
  for: '0s',
  labels: { severity: 'warning' },
  annotations: { summary: 'always firing', description: 'gives the Alerts panel data' },
}

const queries = dashboardQueries(buildTritonDashboard({ datasourceUid: defaults.DATASOURCE_UID }))
const isGpu = (expr: string) => /\bnv_(gpu_|energy_)/.test(expr)

/** What the load step reports of its run: the rate it reached and how long it sent, not what it aimed at. */
interface LoadResult {
  requests: number
  errors: number
  qps: number
  duration_s: number
}

/** Runs the load step against the stand-ins (round robin), bounded in requests and time. */
async function runLoad(httpUrl: string): Promise<LoadResult> {
  const { code, stdout, stderr } = await runProcess(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'scripts/08-load.ts'),
      '--url',
      httpUrl,
      '--model',
      MODEL,
      '--rate',
      String(LOAD.rate),
      '--duration',
      String(LOAD.seconds),
      '--requests',
      String(LOAD.rate * LOAD.seconds),
      '--concurrency',
      '4',
      '--json',
    ],
    { timeoutMs: LOAD_TIMEOUT_MS },
  )
  if (code !== 0) throw new Error(`08-load exited ${code}:\n${stderr}`)
  return JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult
}

const finite = (series: Series[]) => series.flatMap((s) => s.values.map(([, v]) => v)).filter(Number.isFinite)

test.before(async () => {
  standins = await Promise.all(
    Array.from({ length: REPLICAS }, () =>
      startTritonStandin({ args: ['--metrics-config', 'summary_latencies=true'] }),
    ),
  )
  instances = standins.map((s) => new URL(s.metricsUrl).host).sort()
  const [standin] = standins
  prometheus = await startPrometheus({
    files: (self) => {
      // Nothing listens there: Prometheus evaluates and scrapes all the same, as `make prometheus` before Alertmanager.
      const config = prometheusConfig({
        triton: { targets: instances },
        selfTarget: self,
        alertmanagerTarget: '127.0.0.1:9',
      })
      config.global = { scrape_interval: '1s', evaluation_interval: '1s' }
      // An alert that always fires, so the Alerts panel's ALERTS query has something to show.
      config.rule_files.push(ALWAYS_FIRING_FILE)
      return {
        'prometheus.yml': configYaml(config),
        [RULES_FILE]: rulesYaml(),
        [ALWAYS_FIRING_FILE]: rulesYaml([{ name: 'test', rules: [alwaysFiring] }]),
      }
    },
  })
  await prometheus.waitForTargets(30_000)
  const scrape = await (await fetch(new URL('/metrics', standin!.metricsUrl))).text()
  assert.match(scrape, /^nv_inference_request_success\{/m, 'the stand-in serves Triton metrics')
  cpuOnly = !/^nv_gpu_/m.test(scrape)

  const result = await runLoad(standins.map((s) => s.httpUrl).join(','))
  const end = Date.now() / 1000
  assert.is(result.errors, 0, 'the load step got answers')
  assert.ok(result.requests > 0 && result.qps > 0, JSON.stringify(result))
  // The sending itself, without the process's start-up (seconds on a busy machine), at the rate
  // it really reached: a busy machine sends slower than --rate, and the dashboard must show that.
  window = { start: end - result.duration_s, end }
  sentRate = result.qps
  // Wait for a scrape taken after the load finished, so the whole load is in the TSDB.
  await waitFor(
    async () => {
      const [sample] = await prometheus!.query(`min(timestamp(nv_inference_request_success{model="${MODEL}"}))`)
      return sample !== undefined && sample.value > end
    },
    {
      what: 'a scrape after the load',
      timeoutMs: 15_000,
      onTimeout: (l) => fail(`no scrape after the load (${String(l)})`, 'check the scrape target'),
    },
  )
})

test.after(async () => {
  await prometheus?.stop()
  await Promise.all(standins.map((s) => s.stop()))
})

test('the dashboard has queries, GPU ones among them', () => {
  assert.ok(queries.length >= 20, `${queries.length} queries`)
  assert.ok(queries.some((q) => isGpu(q.expr)))
})

for (const [label, model] of [
  ['one model', MODEL],
  ['All models', '.*'],
] as const) {
  test(`every expression runs and returns data (model = ${label}); GPU ones return nothing on a CPU-only host`, async () => {
    const problems: string[] = []
    for (const { panel, refId, expr } of queries) {
      const promql = substitute(expr, { model, rateInterval: RATE_INTERVAL })
      let series: Series[]
      try {
        series = await prometheus!.queryRange(promql, Math.floor(window.start), Math.ceil(window.end) + 1, 1)
      } catch (error) {
        problems.push(`${panel} ${refId}: ${(error as Error).message}`)
        continue
      }
      const values = finite(series)
      if (isGpu(expr) && cpuOnly) {
        if (series.length > 0)
          problems.push(`${panel} ${refId}: expected no data on a CPU-only host, got ${series.length} series`)
      } else if (values.length === 0) {
        problems.push(`${panel} ${refId}: no data for ${promql}`)
      }
    }
    assert.equal(problems, [])
  })
}

test('a misspelt metric or broken PromQL is caught the same way (the check can fail)', async () => {
  const empty = await prometheus!.queryRange(
    'sum by (model) (rate(nv_inference_request_sucess[4s]))',
    Math.floor(window.start),
    Math.ceil(window.end),
    1,
  )
  assert.equal(empty, [])
  try {
    await prometheus!.query('sum by (model) (rate(nv_inference_request_success[$__rate_interval]))')
    assert.unreachable('Prometheus rejects an unsubstituted variable')
  } catch (error) {
    assert.match((error as Error).message, /bad_data|parse error/)
  }
})

test('Current QPS during the load matches the rate the load step sent', async () => {
  const qps = queries.find((q) => q.panel === 'Current QPS')!
  const mid = (window.start + window.end) / 2
  const [sample] = await prometheus!.query(substitute(qps.expr, { model: MODEL, rateInterval: RATE_INTERVAL }), mid)
  assert.ok(sample, 'QPS at mid-load')
  assert.ok(Math.abs(sample!.value - sentRate) / sentRate < 0.3, `QPS ${sample!.value} vs ${sentRate}/s sent`)
})

test('latency percentiles are ordered and the breakdown fits inside the mean latency', async () => {
  const at = (window.start + window.end) / 2
  const value = async (panel: string, refId: string) => {
    const q = queries.find((x) => x.panel === panel && x.refId === refId)!
    const [sample] = await prometheus!.query(substitute(q.expr, { model: MODEL, rateInterval: RATE_INTERVAL }), at)
    assert.ok(sample && Number.isFinite(sample.value), `${panel} ${refId}`)
    return sample!.value
  }
  const [p50, p95, p99] = [
    await value('Latency percentiles (p50 / p95 / p99)', 'A'),
    await value('Latency percentiles (p50 / p95 / p99)', 'B'),
    await value('Latency percentiles (p50 / p95 / p99)', 'C'),
  ]
  assert.ok(p50 > 0 && p50 <= p95 && p95 <= p99, `p50 ${p50} p95 ${p95} p99 ${p99}`)
  const mean = await value('Mean inference latency', 'A')
  let parts = 0
  for (const refId of ['A', 'B', 'C', 'D']) parts += await value('Latency breakdown per request', refId)
  assert.ok(parts > 0 && parts <= mean * 1.001, `breakdown ${parts} ms vs mean ${mean} ms`)
})

const mid = () => (window.start + window.end) / 2
const replicaPanels = [
  'QPS by instance',
  'Mean latency by instance',
  'Queue time per request by instance',
  'Traffic share by instance',
]

test('each per-instance panel gives one series per replica, named by its instance', async () => {
  for (const panel of replicaPanels) {
    const { expr } = queries.find((q) => q.panel === panel)!
    const series = await prometheus!.query(substitute(expr, { model: MODEL, rateInterval: RATE_INTERVAL }), mid())
    assert.equal(series.map((s) => s.metric.instance).sort(), instances, panel)
    assert.ok(
      series.every((s) => Number.isFinite(s.value)),
      `${panel}: ${JSON.stringify(series)}`,
    )
  }
})

test('round robin shows as balance: a third of the traffic each, an imbalance near 1', async () => {
  const value = async (panel: string) =>
    prometheus!.query(
      substitute(queries.find((q) => q.panel === panel)!.expr, { model: MODEL, rateInterval: RATE_INTERVAL }),
      mid(),
    )
  const shares = await value('Traffic share by instance')
  const sum = shares.reduce((n, s) => n + s.value, 0)
  assert.ok(Math.abs(sum - 1) < 1e-9, `shares sum to ${sum}`)
  for (const share of shares) assert.ok(Math.abs(share.value - 1 / REPLICAS) < 0.1, JSON.stringify(shares))
  const [imbalance] = await value('Load imbalance')
  assert.ok(imbalance && imbalance.value >= 1 && imbalance.value < 1.3, JSON.stringify(imbalance))
})

test('the instance variable narrows every panel to the replica it names', async () => {
  const one = instances[1]!
  const problems: string[] = []
  for (const { panel, refId, expr } of queries.filter((q) => !isGpu(q.expr))) {
    const series = await prometheus!.query(
      substitute(expr, { model: MODEL, rateInterval: RATE_INTERVAL, instance: one }),
      mid(),
    )
    const seen = new Set(series.map((s) => s.metric.instance).filter(Boolean))
    if (series.length === 0 || [...seen].some((i) => i !== one)) problems.push(`${panel} ${refId}: ${[...seen]}`)
  }
  assert.equal(problems, [])
  const qps = queries.find((q) => q.panel === 'Current QPS')!
  const [sample] = await prometheus!.query(
    substitute(qps.expr, { model: MODEL, rateInterval: RATE_INTERVAL, instance: one }),
    mid(),
  )
  const expected = sentRate / REPLICAS
  assert.ok(sample && Math.abs(sample.value - expected) / expected < 0.3, `QPS ${sample?.value} vs ${expected}/s`)
})

test.run()
