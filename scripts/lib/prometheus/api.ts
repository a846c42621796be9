// Prometheus as the steps run and read it: its port inside the container, the job that scrapes
// Triton, and the shapes of its HTTP API's answers (read directly by 03, through Grafana by 09).
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { type HttpAnswer, httpRequest } from '../step/http.ts'
import { formatTable } from '../output/table.ts'

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
  /** The target's scrape interval, e.g. `5s` (Prometheus 2.2x and later). */
  scrapeInterval?: string
}

/** One of `/api/v1/alerts`' alerts: pending or firing, since `activeAt` (when it became pending). */
export interface PrometheusAlert {
  labels: Record<string, string>
  annotations: Record<string, string>
  state: 'pending' | 'firing'
  activeAt: string
  value: string
}

/** One of `/api/v1/alertmanagers`' activeAlertmanagers: where Prometheus sends alerts. */
export interface AlertmanagerTargetInfo {
  url: string
}

const age = (time: string) => Math.max(0, Math.round((Date.now() - Date.parse(time)) / 1000))

/**
 * The targets as Prometheus's Status → Targets page shows them: job, instance (which replica),
 * endpoint, health, last scrape, error; a header first.
 */
export function targetRows(targets: Target[]): string[][] {
  return [
    [t('JOB'), t('INSTANCE'), t('ENDPOINT'), t('HEALTH'), t('LAST SCRAPE'), t('ERROR')],
    ...targets.map((target) => [
      target.labels.job ?? '',
      target.labels.instance ?? '',
      target.scrapeUrl,
      target.health,
      target.lastScrape && !target.lastScrape.startsWith('0001')
        ? t('{age}s ago', { age: age(target.lastScrape) })
        : '-',
      target.lastError || '',
    ]),
  ]
}

/** targetRows as aligned text for the terminal. */
export function targetTable(targets: Target[]): string {
  return formatTable(targetRows(targets))
}

/** Prometheus did not answer at all (refused, timed out, not HTTP): the caller says which step starts it. */
export class PrometheusUnreachable extends Error {}

/**
 * GET `/api/v1/<route>` of the Prometheus at `base` (this machine's side of its port): the answer's
 * `data`. Throws PrometheusUnreachable when nothing answers, an Error with Prometheus's own message
 * when it refuses the request (a bad query).
 */
export async function prometheusApi<T>(
  base: string,
  route: string,
  query: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<T> {
  const url = `${base}/api/v1/${route}${Object.keys(query).length ? `?${new URLSearchParams(query)}` : ''}`
  log.request({ url })
  let response: HttpAnswer
  let answer: ApiAnswer<T> | undefined
  try {
    response = await httpRequest(url, { timeoutMs })
    answer = JSON.parse(response.text) as ApiAnswer<T>
  } catch (error) {
    const cause = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message
    throw new PrometheusUnreachable(`${url}: ${cause}`)
  }
  if (answer?.status !== 'success') {
    throw new Error(
      t('Prometheus answered {route} with {status}: {error}', {
        route,
        status: response.status,
        error: answer?.error ?? JSON.stringify(answer).slice(0, 200),
      }),
    )
  }
  return answer.data
}
