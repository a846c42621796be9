// The numbers of one line of 08-load's report and of its --json: counts, throughput, latency
// percentiles (nearest rank), accuracy and the histogram's buckets, from one tally.
import { histogramBuckets } from './load-report.ts'
import type { Tally } from './load-run.ts'

/**
 * One line of the report, and of `--json`: for a target or for all. Throughput and latency come
 * from successful requests only; failures are counted by kind beside them.
 */
export function summarize(tally: Tally, elapsedMs: number) {
  const sorted = Float64Array.from(tally.latencies).sort()
  return {
    /** Requests that got an answer or a failure (the ones cut at the deadline are `unfinished`). */
    requests: tally.done,
    ok: tally.ok,
    errors: tally.failed,
    error_kinds: Object.fromEntries([...tally.errors].map(([kind, { count }]) => [kind, count])),
    unfinished: tally.unfinished,
    qps: round(tally.ok / Math.max(elapsedMs / 1000, 0.001), 2),
    duration_s: round(elapsedMs / 1000, 3),
    latency_ms: {
      min: round(sorted[0] ?? 0, 3),
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: round(sorted[sorted.length - 1] ?? 0, 3),
    },
    accuracy: tally.ok > 0 ? round(tally.correct / tally.ok, 4) : null,
    histogram: histogramBuckets(sorted),
  }
}

export type Summary = ReturnType<typeof summarize>

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits))
}

/** Nearest-rank percentile of sorted latencies, in ms to the microsecond. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  return round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!, 3)
}
