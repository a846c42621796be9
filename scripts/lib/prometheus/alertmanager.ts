// Alertmanager as prom/alertmanager runs it and as the steps read it: its port, user and config path
// inside the container, and the shapes of its API v2 answers (api/v2/openapi.yaml, the same in
// 0.25, 0.27 and 0.28), read by `make alerts`, the alert drill and Grafana's Alertmanager datasource.
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { httpRequest } from '../step/http.ts'

/** Alertmanager's port inside its container, as Prometheus and Grafana reach it; the host port is ALERTMANAGER_PORT. */
export const ALERTMANAGER_CONTAINER_PORT = 9093

/**
 * prom/alertmanager's `USER nobody` (busybox: uid and gid 65534). The step runs the container as
 * these numbers explicitly, so the config file it owns is readable by exactly that user.
 */
export const ALERTMANAGER_USER = { uid: 65534, gid: 65534 } as const

/** The image's config file (its CMD's `--config.file`), and its data folder (a VOLUME). */
export const ALERTMANAGER_CONFIG_PATH = '/etc/alertmanager/alertmanager.yml'
export const ALERTMANAGER_DATA_DIR = '/alertmanager'

/** `alertmanager:9093`: where Prometheus sends its alerts on the Docker network. */
export const alertmanagerTarget = (container: string) => `${container}:${ALERTMANAGER_CONTAINER_PORT}`

/** `http://alertmanager:9093`: Alertmanager as Grafana reaches it on the Docker network. */
export const alertmanagerUrlOnNetwork = (container: string) => `http://${alertmanagerTarget(container)}`

/** One of `GET /api/v2/alerts` (gettableAlert). */
export interface GettableAlert {
  labels: Record<string, string>
  annotations: Record<string, string>
  startsAt: string
  endsAt: string
  updatedAt: string
  fingerprint: string
  generatorURL?: string
  receivers: { name: string }[]
  status: { state: 'unprocessed' | 'active' | 'suppressed'; silencedBy: string[]; inhibitedBy: string[] }
}

/** The alerts Alertmanager holds now (resolved ones are not listed), or a thrown error. */
export async function fetchAlerts(base: string, filter: string[] = [], timeoutMs = 5000): Promise<GettableAlert[]> {
  const query = filter.map((f) => `filter=${encodeURIComponent(f)}`).join('&')
  const address = `${base}/api/v2/alerts${query ? `?${query}` : ''}`
  log.request({ url: address })
  const response = await httpRequest(address, { timeoutMs })
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${base}/api/v2/alerts`)
  const body = JSON.parse(response.text) as unknown
  if (!Array.isArray(body)) throw new Error(`${base}/api/v2/alerts did not answer a list`)
  return body as GettableAlert[]
}

/** `GET /api/v2/status` (alertmanagerStatus): the version, and the config it runs as YAML (secrets `<secret>` from 0.26). */
export interface AlertmanagerStatus {
  versionInfo?: { version?: string }
  config?: { original?: string }
}

export async function fetchStatus(base: string, timeoutMs = 5000): Promise<AlertmanagerStatus> {
  log.request({ url: `${base}/api/v2/status` })
  const response = await httpRequest(`${base}/api/v2/status`, { timeoutMs })
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${base}/api/v2/status`)
  return JSON.parse(response.text) as AlertmanagerStatus
}

/** What a person reads in the STATE column: firing, silenced, inhibited, or not yet processed. */
export function alertState(alert: GettableAlert): string {
  if (alert.status.state === 'active') return t('firing')
  if (alert.status.silencedBy.length) return t('silenced')
  if (alert.status.inhibitedBy.length) return t('inhibited')
  return alert.status.state === 'unprocessed' ? t('unprocessed') : t('suppressed')
}

/** Labels every alert has and the table shows in columns of their own; the rest go to LABELS. */
const SHOWN = new Set(['alertname', 'severity', 'instance', 'job'])

const since = (time: string, now: number) => {
  const seconds = Math.max(0, Math.round((now - Date.parse(time)) / 1000))
  if (seconds < 120) return t('{seconds}s', { seconds })
  if (seconds < 7200) return t('{seconds}m', { seconds: Math.round(seconds / 60) })
  return t('{seconds}h', { seconds: Math.round(seconds / 3600) })
}

/** The alerts as rows of a table: name, state, severity, where, since when, summary. */
export function alertRows(alerts: GettableAlert[], now = Date.now()): string[][] {
  const header = [t('ALERT'), t('STATE'), t('SEVERITY'), t('INSTANCE'), t('SINCE'), t('SUMMARY')]
  const sorted = [...alerts].sort(
    (a, b) =>
      (a.labels.alertname ?? '').localeCompare(b.labels.alertname ?? '') || a.startsAt.localeCompare(b.startsAt),
  )
  return [
    header,
    ...sorted.map((a) => {
      const rest = Object.entries(a.labels)
        .filter(([k]) => !SHOWN.has(k))
        .map(([k, v]) => `${k}=${v}`)
      const where = a.labels.instance ?? (a.labels.job ? `job=${a.labels.job}` : '-')
      const summary = a.annotations.summary ?? ''
      return [
        a.labels.alertname ?? '?',
        alertState(a),
        a.labels.severity ?? '-',
        rest.length ? `${where} (${rest.join(', ')})` : where,
        since(a.startsAt, now),
        summary,
      ]
    }),
  ]
}

/** Alertmanager's own counters of notifications (every integration together), from its /metrics. */
export interface NotificationCounts {
  /** Requests the receivers answered 2xx. */
  delivered: number
  /** Notifications given up on, after their retries. */
  failed: number
  /** Those by their `reason` label (0.27+: clientError, serverError, other…); none from 0.25. */
  failedBy: Record<string, number>
}

/**
 * From the counters summed over their labels (`integration`, and `receiver_name` in newer
 * versions). Delivered is `…_notification_requests_total` less `…_requests_failed_total`, both
 * counted as each request ends: `alertmanager_notifications_total` counts a notification as it
 * starts (RetryStage.Exec), so a delivery that then fails was counted there as sent.
 */
export function parseNotificationCounts(metrics: string): NotificationCounts {
  const samples = (name: string) =>
    [...metrics.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? ([0-9.eE+-]+)$`, 'gm'))].map((m) => ({
      labels: m[1] ?? '',
      value: Number(m[2]),
    }))
  const sum = (name: string) => samples(name).reduce((total, s) => total + s.value, 0)
  const failedBy: Record<string, number> = {}
  for (const { labels, value } of samples('alertmanager_notifications_failed_total')) {
    const reason = /\breason="([^"]*)"/.exec(labels)?.[1]
    if (reason && value > 0) failedBy[reason] = (failedBy[reason] ?? 0) + value
  }
  return {
    delivered: sum('alertmanager_notification_requests_total') - sum('alertmanager_notification_requests_failed_total'),
    failed: sum('alertmanager_notifications_failed_total'),
    failedBy,
  }
}

export async function notificationCounts(base: string, timeoutMs = 5000): Promise<NotificationCounts> {
  log.request({ url: `${base}/metrics` })
  const response = await httpRequest(`${base}/metrics`, { timeoutMs })
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${base}/metrics`)
  return parseNotificationCounts(response.text)
}

/**
 * Whether the loaded config sends anywhere: a receiver with any `*_configs` (webhook, e-mail,
 * Slack…). From `/api/v2/status`, whose `config.original` is the YAML Alertmanager runs.
 */
export async function hasIntegrations(configYaml: string): Promise<boolean> {
  // The YAML library is loaded here, for the drill's one read, not by every step this module serves.
  const { parse } = await import('yaml')
  const config = parse(configYaml) as { receivers?: Record<string, unknown>[] } | null
  return (config?.receivers ?? []).some((receiver) =>
    Object.entries(receiver).some(
      ([key, value]) => key.endsWith('_configs') && Array.isArray(value) && value.length > 0,
    ),
  )
}
