// Triton's metric names and the PromQL built from them: the one place a query about Triton is
// spelled. The dashboard, the recording and alert rules and 09-verify build theirs from here, each
// with its own scope (which labels to keep, which series to match, over what window).
// Triton's *_duration_us metrics are cumulative counters (total µs since start), so a mean is
// rate(duration) / rate(requests), never avg(duration).

/** Triton's metric families (23.05). Counters unless said otherwise. */
export const metric = {
  /** Requests that succeeded (a batch of n sent in one request counts once). */
  success: 'nv_inference_request_success',
  /** Requests that failed; from 24.07 with a `reason` label. */
  failure: 'nv_inference_request_failure',
  /** Inferences performed (a batch of n counts n). */
  inferences: 'nv_inference_count',
  /** Model executions (one per batch the scheduler formed). */
  executions: 'nv_inference_exec_count',
  /** µs spent on successful requests, end to end (queue + compute + Triton's handling). */
  requestDuration: 'nv_inference_request_duration_us',
  queueDuration: 'nv_inference_queue_duration_us',
  computeInputDuration: 'nv_inference_compute_input_duration_us',
  computeInferDuration: 'nv_inference_compute_infer_duration_us',
  computeOutputDuration: 'nv_inference_compute_output_duration_us',
  /** Summary of request µs over recent requests, by `quantile`; only with `--metrics-config summary_latencies=true`. */
  requestSummary: 'nv_inference_request_summary_us',
  /** Gauges, by `gpu_uuid`; absent where Triton found no GPU. */
  gpuUtilization: 'nv_gpu_utilization',
  gpuMemoryUsed: 'nv_gpu_memory_used_bytes',
  gpuMemoryTotal: 'nv_gpu_memory_total_bytes',
  gpuPowerUsage: 'nv_gpu_power_usage',
  gpuPowerLimit: 'nv_gpu_power_limit',
  /** Gauges of the whole host (not the container), by `instance`. */
  cpuUtilization: 'nv_cpu_utilization',
  cpuMemoryUsed: 'nv_cpu_memory_used_bytes',
  cpuMemoryTotal: 'nv_cpu_memory_total_bytes',
} as const

/** The labels Triton puts on its series, and the one Prometheus adds per scraped replica. */
export const label = {
  model: 'model',
  version: 'version',
  gpu: 'gpu_uuid',
  quantile: 'quantile',
  instance: 'instance',
} as const

/** Where a query looks: the window of rate(), the series it matches, the labels it keeps. */
export interface Scope {
  /** Range of rate(): '1m', '5m', or Grafana's '$__rate_interval'. */
  window: string
  /** Label matchers without braces, e.g. `modelIs('mnist_mlp')` or `model=~"$model"`. */
  match?: string
  /**
   * Labels the aggregation keeps: ['model'] per model, ['model', 'instance'] per model on each
   * replica, ['instance'] per replica; absent or [] sums everything into one series.
   */
  by?: readonly string[]
}

/** `model="mnist_mlp"`: one model, for `Scope.match`. */
export const modelIs = (name: string) => `${label.model}="${name}"`
/** `model=~"a|b"`: models by regular expression (a Grafana multi-value variable), for `Scope.match`. */
export const modelMatches = (regex: string) => `${label.model}=~"${regex}"`
/** `instance=~"a|b"`: replicas by regular expression (a Grafana multi-value variable), for `Scope.match`. */
export const instanceMatches = (regex: string) => `${label.instance}=~"${regex}"`

/** `metric{a="x", b="y"}`, or the bare metric when nothing is matched. */
export function selector(name: string, ...matchers: (string | undefined)[]): string {
  const inner = matchers.filter(Boolean).join(', ')
  return inner ? `${name}{${inner}}` : name
}

const aggregate = (op: 'sum' | 'max', inner: string, by?: readonly string[]) =>
  by?.length ? `${op} by (${by.join(', ')}) (${inner})` : `${op}(${inner})`

/** Per-second increase of a counter, summed over what `by` leaves out (versions, replicas). */
export const rate = (counter: string, scope: Scope) =>
  aggregate('sum', `rate(${selector(counter, scope.match)}[${scope.window}])`, scope.by)

/** Successful requests per second: what the tutorial calls QPS. */
export const qps = (scope: Scope) => rate(metric.success, scope)

/**
 * Mean time per request, in ms, of a cumulative µs counter. Triton adds a request's duration
 * only when it succeeds, so the matching denominator is the success counter. With no traffic
 * the ratio is NaN, a gap: a `1+rate` or `clamp_min` guard would bias the mean low instead.
 */
export const meanMsPerRequest = (durationCounter: string, scope: Scope) =>
  `${rate(durationCounter, scope)} / ${rate(metric.success, scope)} / 1000`

/**
 * Each part's share of the successful requests, e.g. of each replica with `by: ['instance']`:
 * 1/N each when a balancer spreads evenly. The parts sum to 1.
 */
export const trafficShare = (scope: Scope) => `${qps(scope)} / on() group_left() ${qps({ ...scope, by: [] })}`

/**
 * How uneven the parts `by` names are: the busiest part's QPS over the mean part's. 1 is even;
 * 2 means one replica takes twice its fair share.
 */
export const imbalance = (scope: Scope) => `max(${qps(scope)}) / avg(${qps(scope)})`

/**
 * Queue time per request (ms) above which Triton needs another replica: the Kubernetes HPA's
 * target, and the dashed line of the dashboard's queue panel. A request waits only when every
 * model instance is busy, so a few ms of waiting is a server out of capacity, long before its
 * total latency shows it (the course's MNIST MLP computes in well under a millisecond).
 */
export const SCALE_OUT_QUEUE_MS = 5

/**
 * Queue time per request in ms, the signal to scale Triton on: a request waits in the queue only
 * while every model instance is busy. Unlike meanMsPerRequest, a replica with no requests in the
 * window reads 0 (nothing waited), not NaN: an autoscaler needs a number for every pod.
 */
export const scalingSignal = (scope: Scope) =>
  `${rate(metric.queueDuration, scope)} / (${rate(metric.success, scope)} > 0) / 1000` +
  ` or ${rate(metric.queueDuration, scope)} * 0`

/** Failures over all finished requests; the sum drops the `reason` label Triton adds from 24.07. */
export const failureRatio = (scope: Scope) =>
  `${rate(metric.failure, scope)} / (${rate(metric.success, scope)} + ${rate(metric.failure, scope)})`

export const successRatio = (scope: Scope) => `1 - ${failureRatio(scope)}`

/** Inferences per model execution: how many requests dynamic batching merged into one run. */
export const inferencesPerExecution = (scope: Scope) =>
  `${rate(metric.inferences, scope)} / ${rate(metric.executions, scope)}`

/** Where a request's time goes, in the order it is spent: each a µs counter and its name. */
export const latencyStages = [
  { name: 'queue', counter: metric.queueDuration },
  { name: 'compute input', counter: metric.computeInputDuration },
  { name: 'compute infer', counter: metric.computeInferDuration },
  { name: 'compute output', counter: metric.computeOutputDuration },
] as const

/**
 * A request-latency quantile in ms from Triton's summary. Quantiles cannot be summed or averaged,
 * so series `by` leaves out (versions, replicas) are reduced to the worst one.
 */
export const latencyQuantileMs = (quantile: number, scope: Omit<Scope, 'window'>) =>
  `${aggregate('max', selector(metric.requestSummary, scope.match, `${label.quantile}="${quantile}"`), scope.by)} / 1000`

/** Prometheus's own series for each target it scrapes: 1 when the last scrape worked, 0 when it failed. */
const UP = 'up'
/** Prometheus's series of the alerts its rules produce, by `alertname` and `alertstate` (pending, firing). */
const ALERTS = 'ALERTS'

/** `job="triton"`: the series of one scrape job, for `Scope.match` or `selector`. */
const jobIs = (job: string) => `job="${job}"`

/**
 * The targets of `job` that are down, for an alert. Two ways a target goes down:
 * - it stays in service discovery and its scrape fails (a static target whose container stopped):
 *   `up == 0`, one series per target with its `instance`;
 * - it leaves service discovery (a stopped container drops out of Docker's DNS, so DNS discovery
 *   stops listing it): its `up` goes stale and `up == 0` returns nothing at all, so the first
 *   clause alone would never fire. `absent(up{job=…})` then gives one series `{job=…}`, without
 *   an instance, once the job has no target left.
 * The steps list every replica they create in Prometheus's targets file, so one that stops stays a
 * target and takes the first clause, with its `instance`.
 */
export const targetsDown = (job: string) => {
  const up = selector(UP, jobIs(job))
  return `${up} == 0 or absent(${up})`
}

/** Alerts firing right now, one series each, labelled as the alert is (`alertname`, `instance`, …). */
export const firingAlerts = () => selector(ALERTS, 'alertstate="firing"')
