// Per-model statistics kept the way Triton 23.05's core keeps them (infer_stats.cc): successes
// carry request/queue/compute durations, failures only a count, executions and inferences come
// from the batch report. The same numbers feed `/v2/models/…/stats` (ns) and `/metrics` (µs).

/** prometheus-cpp's default summary window: 60 s, rotated over 5 age buckets. */
const SUMMARY_MAX_AGE_MS = 60_000
const SUMMARY_AGE_BUCKETS = 5

/** Triton's default quantiles and their allowed errors (core metric_model_reporter.h). */
export const DEFAULT_QUANTILES: readonly [number, number][] = [
  [0.5, 0.05],
  [0.9, 0.01],
  [0.95, 0.001],
  [0.99, 0.001],
  [0.999, 0.001],
]

/**
 * A Prometheus summary over a sliding window like prometheus-cpp's TimeWindowQuantiles: quantiles
 * describe the last 48–60 s of observations, `_count`/`_sum` everything since start. Quantiles are
 * exact (within any CKMS error bound), NaN when the window is empty.
 */
export class Summary {
  count = 0
  sum = 0
  private buckets: number[][] = Array.from({ length: SUMMARY_AGE_BUCKETS }, () => [])
  private rotatedAt = Date.now()

  constructor(readonly quantiles: readonly [number, number][] = DEFAULT_QUANTILES) {}

  private rotate(now: number): void {
    const step = SUMMARY_MAX_AGE_MS / SUMMARY_AGE_BUCKETS
    while (now - this.rotatedAt >= step) {
      this.buckets.shift()
      this.buckets.push([])
      this.rotatedAt += step
    }
  }

  observe(value: number, now = Date.now()): void {
    this.rotate(now)
    this.count++
    this.sum += value
    for (const bucket of this.buckets) bucket.push(value)
  }

  /** The values of the quantiles, in the order they were given. */
  values(now = Date.now()): number[] {
    this.rotate(now)
    const window = [...this.buckets[0]!].sort((a, b) => a - b)
    return this.quantiles.map(([q]) =>
      window.length ? window[Math.min(window.length - 1, Math.max(0, Math.ceil(q * window.length) - 1))]! : NaN,
    )
  }
}

export interface Duration {
  count: number
  ns: number
}
const duration = (): Duration => ({ count: 0, ns: 0 })
const add = (d: Duration, ns: number) => {
  d.count++
  d.ns += ns
}

/** Timestamps of one request's life, in ns from `process.hrtime`, as core records them. */
export interface RequestTimes {
  requestStart: number
  queueStart: number
  computeStart: number
  computeInputEnd: number
  computeOutputStart: number
  computeEnd: number
  requestEnd: number
}

export const LATENCIES = ['request', 'queue', 'compute_input', 'compute_infer', 'compute_output'] as const
export type Latency = (typeof LATENCIES)[number]

export class ModelStats {
  readonly success = duration()
  readonly fail = duration()
  readonly queue = duration()
  readonly computeInput = duration()
  readonly computeInfer = duration()
  readonly computeOutput = duration()
  /** Counter values as Prometheus shows them: the sum of each request's whole microseconds. */
  readonly micros: Record<Latency, number> = {
    request: 0,
    queue: 0,
    compute_input: 0,
    compute_infer: 0,
    compute_output: 0,
  }
  readonly summaries: Record<Latency, Summary> | undefined
  inferenceCount = 0
  executionCount = 0
  lastInferenceMs = 0
  readonly batchStats = new Map<number, { computeInput: Duration; computeInfer: Duration; computeOutput: Duration }>()

  /** `summaryQuantiles`: the quantiles of the latency summaries, or undefined when they are off. */
  constructor(summaryQuantiles: readonly [number, number][] | undefined) {
    const q = summaryQuantiles
    this.summaries = q
      ? {
          request: new Summary(q),
          queue: new Summary(q),
          compute_input: new Summary(q),
          compute_infer: new Summary(q),
          compute_output: new Summary(q),
        }
      : undefined
  }

  /** InferenceStatsAggregator::UpdateSuccess: one request answered. */
  recordSuccess(t: RequestTimes): void {
    const spans: Record<Latency, number> = {
      request: t.requestEnd - t.requestStart,
      queue: t.computeStart - t.queueStart,
      compute_input: t.computeInputEnd - t.computeStart,
      compute_infer: t.computeOutputStart - t.computeInputEnd,
      compute_output: t.computeEnd - t.computeOutputStart,
    }
    add(this.success, spans.request)
    add(this.queue, spans.queue)
    add(this.computeInput, spans.compute_input)
    add(this.computeInfer, spans.compute_infer)
    add(this.computeOutput, spans.compute_output)
    for (const key of Object.keys(spans) as Latency[]) {
      // Triton converts each request's ns to µs with integer division before adding.
      const us = Math.floor(spans[key] / 1000)
      this.micros[key] += us
      this.summaries?.[key].observe(us)
    }
  }

  /** InferenceStatsAggregator::UpdateFailure: counted, but no latency is accumulated. */
  recordFailure(requestStart: number, requestEnd: number): void {
    add(this.fail, requestEnd - requestStart)
  }

  /** InferenceStatsAggregator::UpdateInferBatchStats: one execution of `batchSize` inferences. */
  recordExecution(
    batchSize: number,
    computeStart: number,
    computeInputEnd: number,
    computeOutputStart: number,
    computeEnd: number,
  ): void {
    this.lastInferenceMs = Date.now()
    this.inferenceCount += batchSize
    this.executionCount += 1
    let b = this.batchStats.get(batchSize)
    if (!b) {
      b = { computeInput: duration(), computeInfer: duration(), computeOutput: duration() }
      this.batchStats.set(batchSize, b)
    }
    add(b.computeInput, computeInputEnd - computeStart)
    add(b.computeInfer, computeOutputStart - computeInputEnd)
    add(b.computeOutput, computeEnd - computeOutputStart)
  }
}
