// 08-load's report on stderr: what was sent and what came of it, throughput, latency, accuracy,
// a histogram of the latencies, and a table per replica when there are several.
import { color } from '../output/color.ts'
import { chinese, t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { formatTable } from '../output/table.ts'
import type { HistogramBucket } from './load-report.ts'
import type { Tally } from './load-run.ts'
import type { Summary } from './load-stats.ts'

/** perf_analyzer-like: what was sent and what came of it, then throughput and latency of the successes. */
export function report(result: Summary & { dropped: number }, all: Tally): void {
  const label = (text: string) => `  ${color.bold(text.padEnd(12))}`
  const beside = [
    result.errors ? color.red(t('{errors} failed', { errors: result.errors })) : color.green(t('no errors')),
    ...(result.dropped ? [color.yellow(`${result.dropped} ${t('dropped (due, never sent)')}`)] : []),
    ...(result.unfinished ? [color.yellow(`${result.unfinished} ${t('cut at the deadline')}`)] : []),
  ]
  log.raw(
    label(t('Requests')) +
      t('{requests} in {duration_s} s: {ok} ok, {beside}', {
        requests: result.requests,
        duration_s: result.duration_s,
        ok: result.ok,
        beside: beside.join(chinese ? '，' : ', '),
      }),
  )
  for (const [kind, { count, detail }] of all.errors)
    log.raw(`${' '.repeat(14)}${color.red(`${kind} ×${count}`)} ${color.dim(detail)}`)
  log.raw(`${label(t('Throughput'))}${t('{qps} infer/sec', { qps: result.qps })} ${color.dim(t('(successful)'))}`)
  if (result.ok === 0) return
  log.raw(
    label(t('Latency')) +
      Object.entries(result.latency_ms)
        .map(([k, v]) => `${k === 'min' ? t('min') : k === 'max' ? t('max') : k} ${v.toFixed(3)}`)
        .join('  ') +
      ` ms ${color.dim(t('(successful)'))}`,
  )
  if (result.accuracy !== null) {
    log.raw(
      label(t('Accuracy')) +
        t('{accuracy}% ({correct}/{ok} held-out digits right)', {
          accuracy: (result.accuracy * 100).toFixed(2),
          correct: all.correct,
          ok: all.ok,
        }),
    )
  }
  for (const line of histogram(result.histogram)) log.raw(line)
}

/** A line per replica, as perf_analyzer prints one per model: where the load went and how each answered. */
export function replicaReport(replicas: (Omit<Summary, 'histogram'> & { name: string })[]): string {
  const rows = [
    [t('REPLICA'), t('REQUESTS'), 'QPS', 'P50 ms', 'P99 ms', t('ERRORS')],
    ...replicas.map((r) => [
      r.name,
      String(r.requests),
      r.qps.toFixed(2),
      r.latency_ms.p50.toFixed(3),
      r.latency_ms.p99.toFixed(3),
      String(r.errors),
    ]),
  ]
  return formatTable(rows, (column) => column > 0)
    .split('\n')
    .map((line, n) => (n === 0 ? color.bold(line) : rows[n]![5] !== '0' ? color.red(line) : line))
    .join('\n')
}

/** One bar per bucket, so a slow tail is visible at a glance. */
export function histogram(buckets: HistogramBucket[], width = 40): string[] {
  const most = Math.max(...buckets.map((b) => b.count))
  return buckets.map(
    ({ le_ms, count }) =>
      `  ${color.dim(`≤ ${le_ms.toFixed(3).padStart(9)} ms`)} ${color.cyan('▇'.repeat(Math.round((count / most) * width)))} ${count}`,
  )
}
