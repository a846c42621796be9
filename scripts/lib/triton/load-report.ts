// The last `make load` as 08-load prints it with --json, kept in the state folder (`load.json`)
// so `make report` can show it. The reader is tolerant: the report shows the fields it knows and
// lists any others as they are, so a newer 08-load (more fields) or an older one (fewer) still reads.
import { readStateFile, writeStateFile } from '../state/secrets.ts'

export const LOAD_REPORT_FILE = 'load.json'

/** One bar of the latency histogram: requests whose latency is at most `le_ms` (and above the bar before). */
export interface HistogramBucket {
  le_ms: number
  count: number
}

/** The fields the report knows; every one may be missing from a file written by another version. */
export interface LoadReport {
  model?: string
  started?: string
  requests?: number
  errors?: number
  error_kinds?: Record<string, number>
  qps?: number
  duration_s?: number
  latency_ms?: Record<string, number>
  accuracy?: number | null
  histogram?: HistogramBucket[]
  [key: string]: unknown
}

export function saveLoadReport(result: LoadReport): string {
  return writeStateFile(LOAD_REPORT_FILE, `${JSON.stringify(result, null, 2)}\n`)
}

export type SavedLoad = { kind: 'none' } | { kind: 'unreadable'; reason: string } | { kind: 'ok'; report: LoadReport }

export function readLoadReport(): SavedLoad {
  const text = readStateFile(LOAD_REPORT_FILE)
  if (text === undefined) return { kind: 'none' }
  try {
    const value: unknown = JSON.parse(text)
    if (value && typeof value === 'object' && !Array.isArray(value)) return { kind: 'ok', report: value as LoadReport }
    return { kind: 'unreadable', reason: 'not a JSON object' }
  } catch (error) {
    return { kind: 'unreadable', reason: (error as Error).message }
  }
}

/** Latency spread on a log scale: `buckets` bars from the fastest to the slowest request, so a slow tail stands out. */
export function histogramBuckets(sorted: Float64Array, buckets = 8): HistogramBucket[] {
  const min = Math.max(sorted[0] ?? 0, 0.001)
  const max = sorted[sorted.length - 1] ?? 0
  if (sorted.length < 2 || max <= min) return []
  const step = Math.log(max / min) / buckets
  const counts = new Array<number>(buckets).fill(0)
  for (const value of sorted) counts[Math.min(buckets - 1, Math.floor(Math.log(Math.max(value, min) / min) / step))]!++
  return counts.map((count, i) => ({ le_ms: Number((min * Math.exp(step * (i + 1))).toFixed(3)), count }))
}
