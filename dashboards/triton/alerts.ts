// Alerts: when the Prometheus rules fired, beside the charts that explain why.
import * as units from '@grafana/grafana-foundation-sdk/units'
import { firingAlerts } from '../../scripts/lib/triton/metrics.ts'
import { alertTimeline, type Row } from './panels.ts'

const alertsFiring = () =>
  alertTimeline({
    title: 'Alerts firing',
    description:
      'Alerts of the Prometheus rules while they fire (ALERTS{alertstate="firing"}): TritonTargetDown, failure ratio, ' +
      'latency, missing replicas, by target or model. Alertmanager has the same alerts and sends them on ' +
      '(`make alerts`, Alerting pages).',
    unit: units.NoUnit,
    queries: [{ expr: firingAlerts(), legend: '{{alertname}} {{instance}}{{model}}' }],
    width: 24,
    noValue: 'No alert fired in this time range',
  })

export const alerts: Row = { title: 'Alerts', panels: () => [alertsFiring()] }
