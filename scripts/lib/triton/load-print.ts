// 08-load's report on stderr: what was sent and what came of it, throughput, latency, accuracy,
// a histogram of the latencies, and a table per replica when there are several.
import chalk from 'chalk'
import { tr } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { formatTable } from '../output/table.ts'
import type { HistogramBucket } from './load-report.ts'
import type { Tally } from './load-run.ts'
import type { Summary } from './load-stats.ts'

/** perf_analyzer-like: what was sent and what came of it, then throughput and latency of the successes. */
export function report(result: Summary & { dropped: number }, all: Tally): void {
  const label = (text: string) => `  ${chalk.bold(text.padEnd(12))}`
  const beside = [
    result.errors
      ? chalk.red(tr(`${result.errors} failed`, `${result.errors} 个失败`))
      : chalk.green(tr('no errors', '无错误')),
    ...(result.dropped
      ? [chalk.yellow(`${result.dropped} ${tr('dropped (due, never sent)', '丢弃（到期未发出）')}`)]
      : []),
    ...(result.unfinished ? [chalk.yellow(`${result.unfinished} ${tr('cut at the deadline', '在截止时被中断')}`)] : []),
  ]
  log.raw(
    label(tr('Requests', '请求')) +
      tr(
        `${result.requests} in ${result.duration_s} s: ${result.ok} ok, ${beside.join(', ')}`,
        `${result.requests} 个，用时 ${result.duration_s} 秒：${result.ok} 个成功，${beside.join('，')}`,
      ),
  )
  for (const [kind, { count, detail }] of all.errors)
    log.raw(`${' '.repeat(14)}${chalk.red(`${kind} ×${count}`)} ${chalk.dim(detail)}`)
  log.raw(
    label(tr('Throughput', '吞吐量')) +
      tr(`${result.qps} infer/sec`, `${result.qps} 次/秒`) +
      ` ${chalk.dim(tr('(successful)', '（成功的请求）'))}`,
  )
  if (result.ok === 0) return
  log.raw(
    label(tr('Latency', '延迟')) +
      Object.entries(result.latency_ms)
        .map(([k, v]) => `${k === 'min' ? tr('min', '最小') : k === 'max' ? tr('max', '最大') : k} ${v.toFixed(3)}`)
        .join('  ') +
      ` ms ${chalk.dim(tr('(successful)', '（成功的请求）'))}`,
  )
  if (result.accuracy !== null) {
    log.raw(
      label(tr('Accuracy', '准确率')) +
        tr(
          `${(result.accuracy * 100).toFixed(2)}% (${all.correct}/${all.ok} held-out digits right)`,
          `${(result.accuracy * 100).toFixed(2)}%（${all.correct}/${all.ok} 个留出数字正确）`,
        ),
    )
  }
  for (const line of histogram(result.histogram)) log.raw(line)
}

/** A line per replica, as perf_analyzer prints one per model: where the load went and how each answered. */
export function replicaReport(replicas: (Omit<Summary, 'histogram'> & { name: string })[]): string {
  const rows = [
    [tr('REPLICA', '副本'), tr('REQUESTS', '请求'), 'QPS', 'P50 ms', 'P99 ms', tr('ERRORS', '错误')],
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
    .map((line, n) => (n === 0 ? chalk.bold(line) : rows[n]![5] !== '0' ? chalk.red(line) : line))
    .join('\n')
}

/** One bar per bucket, so a slow tail is visible at a glance. */
export function histogram(buckets: HistogramBucket[], width = 40): string[] {
  const most = Math.max(...buckets.map((b) => b.count))
  return buckets.map(
    ({ le_ms, count }) =>
      `  ${chalk.dim(`≤ ${le_ms.toFixed(3).padStart(9)} ms`)} ${chalk.cyan('▇'.repeat(Math.round((count / most) * width)))} ${count}`,
  )
}
