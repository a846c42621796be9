// The report page on its own: one file with nothing to load or run, every value escaped, secrets
// masked, and a load report read tolerantly (fields of a newer 08-load shown as they are, missing
// ones left out, no load at all said plainly).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { LoadReport, SavedLoad } from '../../scripts/lib/triton/load-report.ts'
import { registerSecret } from '../../scripts/lib/output/mask.ts'
import type { StepOutcome } from '../../scripts/lib/state/outcomes.ts'
import { barChart, timeChart } from '../../scripts/lib/report/charts.ts'
import { type ReportData, reportHtml } from '../../scripts/lib/report/page.ts'

const now = Date.parse('2026-11-29T12:00:00Z')

/** A step that started `ago` seconds before `now` and took one second. */
const outcome = (step: string, ago: number, rest: Pick<StepOutcome, 'status'> & Partial<StepOutcome>): StepOutcome => ({
  step,
  summary: step,
  started: new Date(now - ago * 1000).toISOString(),
  finished: new Date(now - (ago - 1) * 1000).toISOString(),
  ...rest,
})

async function data(load: SavedLoad, extra: Partial<ReportData> = {}): Promise<ReportData> {
  const svg = await timeChart(
    {
      title: 'QPS per model',
      unit: 'reqps',
      stacked: false,
      points: [0, 1, 2].map((i) => ({ t: now - (3 - i) * 5000, v: i * 10, series: 'mnist_mlp' })),
      domain: [now - 20_000, now],
    },
    false,
  )
  return {
    generated: new Date(now),
    model: 'mnist_mlp',
    range: { from: now - 60_000, to: now, note: 'from the first recorded step to now' },
    host: {
      hostname: 'lab-7',
      os: 'Linux',
      cpu: 'x × 2',
      memory: '8 GiB',
      node: 'Node',
      docker: 'Docker',
      timezone: 'UTC',
    },
    services: [
      { service: 'Triton', container: 'triton', image: 'img:1', imageId: 'abc', state: 'running', version: '2.34.0' },
    ],
    compute: 'CPU: Triton runs without a GPU',
    steps: [
      outcome('01-network', 60, { status: 'ok', exitCode: 0, replaces: 'docker network create ai-monitor-net' }),
      outcome('09-verify', 10, { status: 'failed', exitCode: 1, cause: 'QPS is <absent>', fix: 'run `make load`' }),
    ],
    load,
    charts: [{ row: 'Throughput', title: 'QPS per model', svg, points: 3, nonzero: 2 }],
    targets: [{ labels: { job: 'triton' }, scrapeUrl: 'http://triton:8002/metrics', health: 'up', lastError: '' }],
    alerts: { source: 'Prometheus', list: [] },
    grafana: { url: 'http://127.0.0.1:3000/d/triton-monitoring/x?from=1&to=2' },
    ...extra,
  }
}

const full: LoadReport = {
  model: 'mnist_mlp',
  started: new Date(now - 30_000).toISOString(),
  requests: 1000,
  errors: 0,
  qps: 447.76,
  duration_s: 2.233,
  latency_ms: { min: 1.058, p50: 6.939, p99: 45.472, max: 72.173 },
  accuracy: 0.984,
  histogram: [{ le_ms: 1.5, count: 10 }],
}

test('one file with nothing to load or run: no script, no stylesheet link, no image, no font URL', async () => {
  const html = reportHtml(await data({ kind: 'ok', report: full }))
  assert.match(html, /^<!doctype html>\n<html lang="en">/)
  assert.not.match(html, /<script|<link|<iframe|<img|@import|url\(|src=/i)
  const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])
  assert.equal(hrefs, ['http://127.0.0.1:3000/d/triton-monitoring/x?from=1&amp;to=2'], 'only the Grafana link')
  assert.match(html, /<svg[^>]+class="marks"/)
})

test("the run's figures, the steps and what they replace", async () => {
  const html = reportHtml(await data({ kind: 'ok', report: full }))
  for (const text of ['1,000', '447.76', '6.939 ms', '98.4%', 'docker network create ai-monitor-net', 'lab-7'])
    assert.ok(html.includes(text), text)
  assert.match(html, /QPS is &lt;absent&gt;/, 'escaped')
  assert.match(html, /run <code>make load<\/code>/)
})

test("a newer 08-load's fields are shown as they are; missing ones are left out", async () => {
  const newer: LoadReport = {
    requests: 5,
    dropped: 3,
    failures: { connection: 2 },
    workers: [
      { instance: 'triton-1', requests: 3, p99_ms: 1.5 },
      { instance: 'triton-2', requests: 2, p99_ms: 2.5 },
    ],
  }
  const html = reportHtml(await data({ kind: 'ok', report: newer }))
  for (const text of [
    'Dropped (due, never sent)',
    'failures',
    'connection',
    'workers',
    'triton-1',
    'triton-2',
    'p99_ms',
  ])
    assert.ok(html.includes(text), text)
  assert.not.match(html, /accuracy<\/div>/, 'no accuracy tile without an accuracy')
})

test("08-load's own fields are named in words, its replicas a table of their own", async () => {
  const replica = (name: string, port: number) => ({
    name,
    url: `http://127.0.0.1:${port}/v2/models/mnist_mlp/infer`,
    requests: 500,
    ok: 499,
    errors: 1,
    error_kinds: { timeout: 1 },
    unfinished: 0,
    qps: 700.5,
    duration_s: 0.7,
    latency_ms: { min: 1, p50: 2.5, p99: 9.75, max: 12 },
    accuracy: 0.98,
  })
  const load = {
    ...full,
    ok: 998,
    unfinished: 0,
    dropped: 0,
    replicas: [replica('triton', 8000), replica('triton-2', 8010)],
  }
  const html = reportHtml(await data({ kind: 'ok', report: load }))
  for (const text of ['Succeeded', '998', '<h3>Replicas</h3>', 'triton-2', 'http://127.0.0.1:8010/', '9.75', 'timeout'])
    assert.ok(html.includes(text), text)
  for (const field of ['unfinished', 'dropped', 'error_kinds', 'duration_s', 'latency_ms', '>url<', '>ok<'])
    assert.not.ok(html.includes(field), `no raw field name ${field}`)
})

test('no load yet, or a load file that cannot be read, is said plainly', async () => {
  assert.match(reportHtml(await data({ kind: 'none' })), /No load run yet/)
  assert.match(reportHtml(await data({ kind: 'unreadable', reason: 'Unexpected end of JSON input' })), /cannot be read/)
})

test('alerts: a firing one is counted in the tiles and listed with its state, labels and summary', async () => {
  const alerts = {
    source: 'Alertmanager (http://127.0.0.1:9093)',
    list: [
      {
        name: 'TritonTargetDown',
        state: 'firing',
        firing: true,
        since: new Date(now - 60_000).toISOString(),
        labels: { severity: 'critical', instance: 'triton:8002' },
        summary: 'Prometheus cannot scrape Triton',
      },
    ],
  }
  const html = reportHtml(await data({ kind: 'none' }, { alerts }))
  assert.match(html, /<div class="tile bad"><div class="value">1<\/div><div class="label">alerts firing/)
  for (const text of ['<b>TritonTargetDown</b>', '<span class="fail">firing</span>', 'triton:8002', 'cannot scrape'])
    assert.ok(html.includes(text), text)
  assert.match(html, /Source: Alertmanager/)
})

test('a secret that reached any value is masked in the page', async () => {
  registerSecret('glsa_pretend_token_0123456789')
  const html = reportHtml(
    await data({ kind: 'none' }, { grafana: { url: 'http://x', note: 'glsa_pretend_token_0123456789 refused' } }),
  )
  assert.not.ok(html.includes('glsa_pretend_token_0123456789'))
  assert.match(html, /glsa_\*\*\*\*6789/)
})

test('charts: title, axis titles with units, the legend; an empty one still has its axes', async () => {
  const empty = await timeChart(
    {
      title: 'Mean inference latency',
      subtitle: 'No data',
      unit: 'ms',
      stacked: false,
      points: [],
      domain: [now - 60_000, now],
    },
    false,
  )
  for (const text of ['Mean inference latency', 'No data', 'milliseconds', 'time (local)'])
    assert.ok(empty.includes(text), text)
  assert.match(empty, /role-axis/)
  const bytes = await timeChart(
    {
      title: 'CPU memory',
      unit: 'bytes',
      stacked: false,
      points: [{ t: now, v: 3 * 1024 ** 3, series: 'used' }],
      domain: [now - 1000, now],
    },
    false,
  )
  assert.match(bytes, />GiB</)
  const bars = await barChart(
    { title: 'Histogram', xTitle: 'latency up to (ms)', yTitle: 'requests', bars: [{ label: '≤ 1', count: 3 }] },
    false,
  )
  assert.match(bars, /latency up to \(ms\)/)
})

test.run()
