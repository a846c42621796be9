// The alerts the report shows: what Alertmanager holds (what reaches a person: firing, silenced,
// inhibited) and, beside it, the alerts Prometheus still has pending (not sent yet). Where
// Alertmanager does not answer, Prometheus's own list, with a line saying so.
import { alertState, fetchAlerts, type GettableAlert } from '../prometheus/alertmanager.ts'
import { type Config, url } from '../step/config.ts'
import { t } from '../output/i18n.ts'
import { type PrometheusAlert, prometheusApi } from '../prometheus/api.ts'

export interface ReportAlert {
  name: string
  /** As a person reads it: firing, pending, silenced, … */
  state: string
  firing: boolean
  /** ISO 8601: since when it fires (Alertmanager) or is pending (Prometheus). */
  since?: string
  /** The labels besides alertname. */
  labels: Record<string, string>
  summary: string
}

export interface ReportAlerts {
  source: string
  list: ReportAlert[]
  /** Why the list is not Alertmanager's. */
  note?: string
}

const otherLabels = (labels: Record<string, string>) =>
  Object.fromEntries(Object.entries(labels).filter(([name]) => name !== 'alertname'))

const fromAlertmanager = (a: GettableAlert): ReportAlert => ({
  name: a.labels.alertname ?? '?',
  state: alertState(a),
  firing: a.status.state === 'active',
  since: a.startsAt,
  labels: otherLabels(a.labels),
  summary: a.annotations.summary ?? a.annotations.description ?? '',
})

const fromPrometheus = (a: PrometheusAlert): ReportAlert => ({
  name: a.labels.alertname ?? '?',
  state: a.state === 'firing' ? t('firing') : t('pending'),
  firing: a.state === 'firing',
  since: a.activeAt,
  labels: otherLabels(a.labels),
  summary: a.annotations.summary ?? a.annotations.description ?? '',
})

export async function activeAlerts(config: Config, prometheus: string): Promise<ReportAlerts> {
  const inPrometheus = (await prometheusApi<{ alerts: PrometheusAlert[] }>(prometheus, 'alerts')).alerts
  const alertmanager = url(config, config.alertmanager.port)
  try {
    const held = await fetchAlerts(alertmanager)
    return {
      source: `Alertmanager (${alertmanager}), ${t('pending ones from Prometheus')}`,
      list: [...held.map(fromAlertmanager), ...inPrometheus.filter((a) => a.state === 'pending').map(fromPrometheus)],
    }
  } catch (error) {
    return {
      source: `Prometheus (${prometheus}/alerts)`,
      list: inPrometheus.map(fromPrometheus),
      note: t('Alertmanager does not answer at {alertmanager} ({message}): `make alertmanager` starts it', {
        alertmanager,
        message: (error as Error).message,
      }),
    }
  }
}
