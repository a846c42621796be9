// Prometheus as the steps run and read it: its port inside the container, the job that scrapes
// Triton, and the shapes of its HTTP API's answers (read directly by 03, through Grafana by 09).
import { tr } from './i18n.ts'

/** Prometheus's port inside its container, as Grafana reaches it on the network; the host port is PROMETHEUS_PORT. */
export const PROMETHEUS_CONTAINER_PORT = 9090

/** The scrape job of Triton's metrics endpoint (`up{job="triton"}`). */
export const TRITON_JOB = 'triton'

/** Prometheus's address on the Docker network: `http://<container>:9090`. */
export const prometheusUrlOnNetwork = (container: string) => `http://${container}:${PROMETHEUS_CONTAINER_PORT}`

/** Every answer of `/api/v1/…`: `data` on success, `error` otherwise. */
export interface ApiAnswer<T> {
  status: string
  data: T
  error?: string
}

/** One series of an instant query (`/api/v1/query`): labels and [unix seconds, value]. */
export interface Sample {
  metric: Record<string, string>
  value: [number, string]
}

/** One series of a range query (`/api/v1/query_range`): labels and [unix seconds, value] points. */
export interface Series {
  metric: Record<string, string>
  values: [number, string][]
}

/** One of `/api/v1/targets`' activeTargets. */
export interface Target {
  labels: Record<string, string>
  scrapeUrl: string
  health: 'up' | 'down' | 'unknown'
  lastError: string
  /** RFC 3339; Go's zero time (year 0001) before the first scrape. */
  lastScrape?: string
}

const age = (time: string) => Math.max(0, Math.round((Date.now() - Date.parse(time)) / 1000))

/** The targets as Prometheus's Status → Targets page shows them: job, endpoint, health, last scrape, error. */
export function targetTable(targets: Target[]): string {
  const rows = [
    ['JOB', 'ENDPOINT', 'HEALTH', 'LAST SCRAPE', 'ERROR'],
    ...targets.map((t) => [
      t.labels.job ?? '',
      t.scrapeUrl,
      t.health,
      t.lastScrape && !t.lastScrape.startsWith('0001')
        ? tr(`${age(t.lastScrape)}s ago`, `${age(t.lastScrape)} 秒前`)
        : '-',
      t.lastError || '',
    ]),
  ]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows
    .map(
      (r) =>
        '  ' +
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
    )
    .join('\n')
}
