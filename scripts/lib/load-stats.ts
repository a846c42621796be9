// What a load run measured, per replica and in total: latencies, errors by kind, accuracy, and
// the summary `make load --json` prints (and other steps read back).

/** What became of one request: the digit the model picked, or why there is none. */
export type Outcome = { predicted: number } | { error: string; detail: string }

export function round(value: number, digits: number): number {
  return Number(value.toFixed(digits))
}

/** Nearest-rank percentile of sorted latencies, in ms to the microsecond. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  return round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!, 3)
}

export interface Summary {
  requests: number
  errors: number
  error_kinds: Record<string, number>
  qps: number
  duration_s: number
  latency_ms: Record<'min' | 'p50' | 'p90' | 'p95' | 'p99' | 'max', number>
  accuracy: number | null
}

/** The outcomes of the requests sent to one replica (or, merged, to all of them). */
export class Tally {
  readonly latencies: number[] = []
  readonly errors = new Map<string, { count: number; detail: string }>()
  correct = 0

  record(latencyMs: number, outcome: Outcome, label: number): void {
    this.latencies.push(latencyMs)
    if ('error' in outcome) {
      const seen = this.errors.get(outcome.error)
      this.errors.set(outcome.error, { count: (seen?.count ?? 0) + 1, detail: seen?.detail ?? outcome.detail })
    } else if (outcome.predicted === label) {
      this.correct++
    }
  }

  errorCount(): number {
    return [...this.errors.values()].reduce((n, e) => n + e.count, 0)
  }

  answered(): number {
    return this.latencies.length - this.errorCount()
  }

  sorted(): Float64Array {
    return Float64Array.from(this.latencies).sort()
  }

  summary(elapsedS: number): Summary {
    const sorted = this.sorted()
    const answered = this.answered()
    return {
      requests: this.latencies.length,
      errors: this.errorCount(),
      error_kinds: Object.fromEntries([...this.errors].map(([kind, { count }]) => [kind, count])),
      qps: round(this.latencies.length / elapsedS, 2),
      duration_s: round(elapsedS, 3),
      latency_ms: {
        min: round(sorted[0] ?? 0, 3),
        p50: percentile(sorted, 50),
        p90: percentile(sorted, 90),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        max: round(sorted[sorted.length - 1] ?? 0, 3),
      },
      accuracy: answered > 0 ? round(this.correct / answered, 4) : null,
    }
  }

  static merge(tallies: Tally[]): Tally {
    const all = new Tally()
    for (const t of tallies) {
      all.latencies.push(...t.latencies)
      all.correct += t.correct
      for (const [kind, { count, detail }] of t.errors) {
        const seen = all.errors.get(kind)
        all.errors.set(kind, { count: (seen?.count ?? 0) + count, detail: seen?.detail ?? detail })
      }
    }
    return all
  }
}
