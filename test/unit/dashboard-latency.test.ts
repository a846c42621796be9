// The dashboard's mean-latency queries, run by real Prometheus over counter series whose true mean
// is known by construction, return that mean within 1%; the tutorial's
// `avg(nv_inference_request_duration_us)/1000` on the same data does not (it is a running total).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { buildTritonDashboard } from '../../dashboards/triton.ts'
import { defaults } from '../../scripts/lib/step/config.ts'
import { dashboardQueries, substitute } from '../helpers/dashboard-queries.ts'
import { startPrometheus, type Prometheus } from '../helpers/prometheus.ts'

const TUTORIAL_QUERY = 'avg(nv_inference_request_duration_us)/1000'
const MODEL = 'known'
const SCRAPE_S = 5 // the tutorial's scrape interval
const RATE_WINDOW_S = 60
const SEGMENT_SAMPLES = 180 // 15 minutes per process lifetime
/** True mean latency per request in each lifetime of the (simulated) Triton process, in ms. */
const SEGMENT_MEANS_MS = [12.345, 31.5]

// Samples end an hour ago: inside the default retention, clear of the head block.
const end = Math.floor(Date.now() / 1000 / 60) * 60 - 3600
const start = end - SCRAPE_S * (SEGMENT_SAMPLES * SEGMENT_MEANS_MS.length - 1)
const restartAt = start + SCRAPE_S * SEGMENT_SAMPLES

/**
 * Triton's counters for one model, scraped every 5 s: an uneven request rate (3–13 requests per
 * interval) at the segment's mean latency, and a restart between the two segments (counters
 * back to 0) after which the model is slower.
 */
function openMetrics(): string {
  const lines = ['# TYPE nv_inference_request_success unknown', '# TYPE nv_inference_request_duration_us unknown']
  const success: string[] = []
  const duration: string[] = []
  SEGMENT_MEANS_MS.forEach((meanMs, segment) => {
    let requests = 0
    let micros = 0
    for (let i = 0; i < SEGMENT_SAMPLES; i++) {
      // k requests finished in this interval; only their total duration reaches the counter.
      const k = 3 + ((i * 7) % 11)
      micros += k * meanMs * 1000
      requests += k
      const t = start + SCRAPE_S * (segment * SEGMENT_SAMPLES + i)
      success.push(`nv_inference_request_success{model="${MODEL}",version="1"} ${requests} ${t}`)
      duration.push(`nv_inference_request_duration_us{model="${MODEL}",version="1"} ${Math.round(micros)} ${t}`)
    }
  })
  return [lines[0], ...success, lines[1], ...duration, '# EOF', ''].join('\n')
}

const work = mkdtempSync(join(tmpdir(), 'dashboard-latency-'))
let prometheus: Prometheus | undefined

const dashboard = buildTritonDashboard({ datasourceUid: defaults.DATASOURCE_UID })
const meanQueries = dashboardQueries(dashboard).filter(
  (q) => q.panel === 'Mean inference latency' || q.panel === 'Mean latency',
)
const promql = (expr: string) => substitute(expr, { model: MODEL, rateInterval: `${RATE_WINDOW_S}s` })

/** Evaluation times whose whole rate window lies inside one segment, with that segment's mean. */
function checkpoints(): { t: number; meanMs: number }[] {
  const points: { t: number; meanMs: number }[] = []
  for (let t = start + RATE_WINDOW_S; t <= end; t += 15) {
    const segment = t < restartAt ? 0 : 1
    const windowStart = t - RATE_WINDOW_S
    if (segment === 1 && windowStart < restartAt) continue
    points.push({ t, meanMs: SEGMENT_MEANS_MS[segment]! })
  }
  return points
}

test.before(async () => {
  const input = join(work, 'series.om')
  writeFileSync(input, openMetrics())
  const data = join(work, 'data')
  const made = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', input, data], { encoding: 'utf8' })
  if (made.status !== 0) throw new Error(`promtool create-blocks-from failed:\n${made.stdout}${made.stderr}`)
  prometheus = await startPrometheus({ dataDir: data })
})

test.after(async () => {
  await prometheus?.stop()
  rmSync(work, { recursive: true, force: true })
})

test('the dashboard has the mean-latency panel and stat, both rate(duration) / rate(success)', () => {
  assert.is(meanQueries.length, 2)
  for (const { expr } of meanQueries) {
    assert.match(
      expr,
      /rate\(nv_inference_request_duration_us\{[^}]*\}\[\$__rate_interval\]\)\) \/ sum.*rate\(nv_inference_request_success/,
    )
  }
})

test('the constructed data has the known means (checked without PromQL)', async () => {
  const series = await prometheus!.queryRange(
    `nv_inference_request_duration_us{model="${MODEL}"}`,
    start,
    end,
    SCRAPE_S,
  )
  const requests = await prometheus!.queryRange(`nv_inference_request_success{model="${MODEL}"}`, start, end, SCRAPE_S)
  assert.is(series.length, 1)
  const d = series[0]!.values
  const r = requests[0]!.values
  assert.is(d.length, SEGMENT_SAMPLES * SEGMENT_MEANS_MS.length)
  SEGMENT_MEANS_MS.forEach((meanMs, s) => {
    const last = (s + 1) * SEGMENT_SAMPLES - 1
    const mean = d[last]![1] / r[last]![1] / 1000
    assert.ok(Math.abs(mean - meanMs) / meanMs < 1e-4, `segment ${s}: ${mean} ms`)
  })
})

test("the dashboard's mean latency matches the true mean within 1% at every point, across a restart", async () => {
  for (const { panel, expr } of meanQueries) {
    let checked = 0
    for (const { t, meanMs } of checkpoints()) {
      const result = await prometheus!.query(promql(expr), t)
      assert.is(result.length, 1, `${panel} at ${t}: one series`)
      const value = result[0]!.value
      assert.ok(
        Math.abs(value - meanMs) / meanMs <= 0.01,
        `${panel} at ${t - start}s: ${value} ms, true mean ${meanMs} ms`,
      )
      checked++
    }
    assert.ok(checked > 100, `${checked} checkpoints`)
  }
})

test("the tutorial's avg(nv_inference_request_duration_us)/1000 is not a latency on the same data", async () => {
  const [series] = await prometheus!.queryRange(TUTORIAL_QUERY, start, restartAt - SCRAPE_S, SCRAPE_S)
  const values = series!.values.map(([, v]) => v)
  // It only grows while the process lives, whatever the latency does...
  for (let i = 1; i < values.length; i++) assert.ok(values[i]! > values[i - 1]!, `grows at step ${i}`)
  // ...so after 15 minutes it is hundreds of times the true mean...
  const last = values[values.length - 1]!
  assert.ok(last > 100 * SEGMENT_MEANS_MS[0]!, `tutorial query ${last} ms vs true mean ${SEGMENT_MEANS_MS[0]} ms`)
  // ...and after the restart it falls, although the model became slower.
  const [after] = await prometheus!.query(TUTORIAL_QUERY, restartAt + 2 * SCRAPE_S)
  assert.ok(after!.value < last / 10, `after restart: ${after!.value} ms, before: ${last} ms`)
  // The dashboard's query over the same instants tracks the truth instead.
  const [ours] = await prometheus!.query(promql(meanQueries[0]!.expr), restartAt + 20 * SCRAPE_S)
  assert.ok(Math.abs(ours!.value - SEGMENT_MEANS_MS[1]!) / SEGMENT_MEANS_MS[1]! <= 0.01)
})

test.run()
