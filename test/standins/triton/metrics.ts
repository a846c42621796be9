// `/metrics` as Triton 23.05 serialises it with prometheus-cpp v1.0.1: families in registration
// order, counters then gauges then summaries, families without series left out, labels sorted
// by name (`quantile` last), values with 16 significant digits. No GPU, so no nv_gpu_* families.
import { readFileSync } from 'node:fs'
import { LATENCIES, type Latency, type ModelStats } from './stats.ts'

export interface MetricsOptions {
  counterLatencies: boolean
  summaryLatencies: boolean
  cpu: boolean
}

/** A model version whose series exist (created at load, removed at unload). */
export interface ReportedModel {
  name: string
  version: number
  tags: Record<string, string>
  stats: ModelStats
}

type Family = { name: string; help: string; type: 'counter' | 'gauge' | 'summary' }

// Names and HELP verbatim from core r23.05 src/metrics.cc (the summary HELP texts included).
const COUNTERS: (Family & { value: (s: ModelStats) => number; latency?: Latency })[] = [
  {
    name: 'nv_inference_request_success',
    type: 'counter',
    help: 'Number of successful inference requests, all batch sizes',
    value: (s) => s.success.count,
  },
  {
    name: 'nv_inference_request_failure',
    type: 'counter',
    help: 'Number of failed inference requests, all batch sizes',
    value: (s) => s.fail.count,
  },
  {
    name: 'nv_inference_count',
    type: 'counter',
    help: 'Number of inferences performed (does not include cached requests)',
    value: (s) => s.inferenceCount,
  },
  {
    name: 'nv_inference_exec_count',
    type: 'counter',
    help: 'Number of model executions performed (does not include cached requests)',
    value: (s) => s.executionCount,
  },
  {
    name: 'nv_inference_request_duration_us',
    type: 'counter',
    help: 'Cumulative inference request duration in microseconds (includes cached requests)',
    value: (s) => s.micros.request,
    latency: 'request',
  },
  {
    name: 'nv_inference_queue_duration_us',
    type: 'counter',
    help: 'Cumulative inference queuing duration in microseconds (includes cached requests)',
    value: (s) => s.micros.queue,
    latency: 'queue',
  },
  {
    name: 'nv_inference_compute_input_duration_us',
    type: 'counter',
    help: 'Cumulative compute input duration in microseconds (does not include cached requests)',
    value: (s) => s.micros.compute_input,
    latency: 'compute_input',
  },
  {
    name: 'nv_inference_compute_infer_duration_us',
    type: 'counter',
    help: 'Cumulative compute inference duration in microseconds (does not include cached requests)',
    value: (s) => s.micros.compute_infer,
    latency: 'compute_infer',
  },
  {
    name: 'nv_inference_compute_output_duration_us',
    type: 'counter',
    help: 'Cumulative inference compute output duration in microseconds (does not include cached requests)',
    value: (s) => s.micros.compute_output,
    latency: 'compute_output',
  },
]

const CPU_GAUGES: (Family & { key: keyof CpuSample })[] = [
  { name: 'nv_cpu_utilization', type: 'gauge', help: 'CPU utilization rate [0.0 - 1.0]', key: 'utilization' },
  { name: 'nv_cpu_memory_total_bytes', type: 'gauge', help: 'CPU total memory (RAM), in bytes', key: 'totalBytes' },
  { name: 'nv_cpu_memory_used_bytes', type: 'gauge', help: 'CPU used memory (RAM), in bytes', key: 'usedBytes' },
]

const SUMMARIES: Record<Latency, Family> = {
  request: {
    name: 'nv_inference_request_summary_us',
    type: 'summary',
    help: 'Summary of inference request duration in microseconds (includes cached requests)',
  },
  queue: {
    name: 'nv_inference_queue_summary_us',
    type: 'summary',
    help: 'Summary of inference queuing duration in microseconds (includes cached requests)',
  },
  compute_input: {
    name: 'nv_inference_compute_input_summary_us',
    type: 'summary',
    help: 'Cumulative compute input duration in microseconds (does not include cached requests)',
  },
  compute_infer: {
    name: 'nv_inference_compute_infer_summary_us',
    type: 'summary',
    help: 'Cumulative compute inference duration in microseconds (does not include cached requests)',
  },
  compute_output: {
    name: 'nv_inference_compute_output_summary_us',
    type: 'summary',
    help: 'Cumulative inference compute output duration in microseconds (does not include cached requests)',
  },
}

/** prometheus-cpp's WriteValue: `Nan`, `+Inf`/`-Inf`, else 16 significant digits like `%.16g`. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'Nan'
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf'
  // %g rules: the exponent after rounding to 16 digits picks fixed or scientific notation.
  const [mantissa, exp] = value.toExponential(15).split('e') as [string, string]
  const x = Number(exp)
  const strip = (s: string) => (s.includes('.') ? s.replace(/\.?0+$/, '') : s)
  if (x < -4 || x >= 16) return `${strip(mantissa)}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`
  return strip(value.toFixed(15 - x))
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

function labelText(labels: Record<string, string>, quantile?: string): string {
  const keys = Object.keys(labels).sort()
  const parts = keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`)
  if (quantile !== undefined) parts.push(`quantile="${quantile}"`)
  return parts.length ? `{${parts.join(',')}}` : ''
}

/** Per-model labels (core GetMetricLabels): model, version, and each metric tag with a `_` prefix. */
function modelLabels(m: ReportedModel): Record<string, string> {
  const labels: Record<string, string> = { model: m.name, version: String(m.version) }
  for (const [k, v] of Object.entries(m.tags)) labels[`_${k}`] = v
  return labels
}

export function renderMetrics(models: ReportedModel[], cpu: CpuSample | undefined, options: MetricsOptions): string {
  const lines: string[] = []
  const family = (f: Family, series: string[]) => {
    if (series.length === 0) return
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...series)
  }
  for (const counter of COUNTERS) {
    if (counter.latency && !options.counterLatencies) continue
    family(
      counter,
      models.map((m) => `${counter.name}${labelText(modelLabels(m))} ${formatValue(counter.value(m.stats))}`),
    )
  }
  if (options.cpu && cpu) {
    for (const gauge of CPU_GAUGES) family(gauge, [`${gauge.name} ${formatValue(cpu[gauge.key])}`])
  }
  if (options.summaryLatencies) {
    for (const latency of LATENCIES) {
      const f = SUMMARIES[latency]
      family(
        f,
        models.flatMap((m) => {
          const summary = m.stats.summaries?.[latency]
          if (!summary) return []
          const labels = modelLabels(m)
          const values = summary.values()
          return [
            `${f.name}_count${labelText(labels)} ${formatValue(summary.count)}`,
            `${f.name}_sum${labelText(labels)} ${formatValue(summary.sum)}`,
            ...summary.quantiles.map(
              ([q], i) => `${f.name}${labelText(labels, formatValue(q))} ${formatValue(values[i]!)}`,
            ),
          ]
        }),
      )
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : ''
}

export interface CpuSample {
  utilization: number
  totalBytes: number
  usedBytes: number
}

type CpuTimes = number[]
/** /proc/stat's aggregate line: user nice system idle iowait irq softirq steal. */
const CPU_FIELDS = 8

/**
 * Host-wide CPU and RAM from /proc exactly as core metrics.cc polls them (not cgroup-aware, as in
 * Triton): gauges start at 0 with a baseline /proc/stat read; the poll thread then refreshes
 * them every interval/2 — utilisation as busy/(busy+idle) jiffies since the previous poll,
 * memory as MemTotal and MemTotal − MemAvailable.
 */
export class CpuMonitor {
  sample: CpuSample = { utilization: 0, totalBytes: 0, usedBytes: 0 }
  private last: CpuTimes | undefined
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly procDir = '/proc') {}

  private readStat(): CpuTimes | undefined {
    const line = readFileSync(`${this.procDir}/stat`, 'utf8').split('\n')[0] ?? ''
    if (!line.startsWith('cpu ')) return undefined
    const times = line
      .trim()
      .split(/\s+/)
      .slice(1, 1 + CPU_FIELDS)
      .map(Number)
    return times.length === CPU_FIELDS && times.every(Number.isFinite) ? times : undefined
  }

  poll(): void {
    const now = this.readStat()
    let utilization = 0
    if (now && this.last) {
      const last = this.last
      // Counters that went backwards count as 0, like Triton's wrap_sub.
      const diff = (i: number) => Math.max(0, now[i]! - last[i]!)
      const busy = diff(0) + diff(1) + diff(2) + diff(5) + diff(6) + diff(7)
      const idle = diff(3) + diff(4)
      utilization = busy / (busy + idle)
    }
    if (now) this.last = now
    const meminfo = readFileSync(`${this.procDir}/meminfo`, 'utf8')
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1] ?? NaN) * 1024
    const total = kb('MemTotal')
    const available = kb('MemAvailable')
    const valid = Number.isFinite(total) && Number.isFinite(available) && available <= total
    this.sample = { utilization, totalBytes: valid ? total : 0, usedBytes: valid ? total - available : 0 }
  }

  start(intervalMs: number): void {
    this.last = this.readStat()
    this.timer = setInterval(() => this.poll(), Math.max(1, Math.floor(intervalMs / 2)))
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
  }
}
