// What the steps read from Alertmanager (scripts/lib/prometheus/alertmanager.ts) and how they show it: the
// alert table of `make alerts` (states, labels, widths in both languages), the notification
// counters the alert drill watches, and whether a loaded config notifies anyone.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  alertRows,
  type GettableAlert,
  hasIntegrations,
  parseNotificationCounts,
} from '../../scripts/lib/prometheus/alertmanager.ts'
import { displayWidth, formatTable } from '../../scripts/lib/output/table.ts'

const NOW = Date.parse('2026-01-01T12:00:00Z')
const alert = (labels: Record<string, string>, status: Partial<GettableAlert['status']> = {}): GettableAlert => ({
  labels,
  annotations: { summary: `${labels.alertname} summary` },
  startsAt: '2026-01-01T11:59:15Z',
  endsAt: '2026-01-01T12:03:15Z',
  updatedAt: '2026-01-01T11:59:15Z',
  fingerprint: 'f',
  receivers: [{ name: 'webhook' }],
  status: { state: 'active', silencedBy: [], inhibitedBy: [], ...status },
})

test('the table: one row per alert, by name, with state, severity, where and since when', () => {
  const rows = alertRows(
    [
      alert({ alertname: 'TritonTargetDown', severity: 'critical', job: 'triton', instance: 'triton:8002' }),
      alert(
        { alertname: 'TritonFailureRatioHigh', severity: 'warning', model: 'mnist_mlp' },
        {
          state: 'suppressed',
          silencedBy: ['s1'],
        },
      ),
      alert(
        { alertname: 'TritonTargetDown', severity: 'critical', job: 'triton' },
        {
          state: 'suppressed',
          inhibitedBy: ['x'],
        },
      ),
    ],
    NOW,
  )
  assert.equal(rows[0], ['ALERT', 'STATE', 'SEVERITY', 'INSTANCE', 'SINCE', 'SUMMARY'])
  assert.equal(rows.slice(1), [
    ['TritonFailureRatioHigh', 'silenced', 'warning', '- (model=mnist_mlp)', '45s', 'TritonFailureRatioHigh summary'],
    ['TritonTargetDown', 'firing', 'critical', 'triton:8002', '45s', 'TritonTargetDown summary'],
    ['TritonTargetDown', 'inhibited', 'critical', 'job=triton', '45s', 'TritonTargetDown summary'],
  ])
})

test('columns line up, Chinese characters counted as two columns', () => {
  assert.is(displayWidth('告警'), 4)
  assert.is(displayWidth('a告b'), 4)
  const lines = formatTable([
    ['告警', 'X'],
    ['abcdef', 'Y'],
  ]).split('\n')
  assert.is(lines[0], '  告警    X')
  assert.is(lines[1], '  abcdef  Y')
})

test('notification counters are summed over integrations and receivers, as 0.25 and 0.28 label them', () => {
  const metrics = [
    '# HELP alertmanager_notifications_total The total number of attempted notifications.',
    '# TYPE alertmanager_notifications_total counter',
    // Counted as a notification starts: the failed one is in here too, so it is not what was delivered.
    'alertmanager_notifications_total{integration="webhook"} 3',
    'alertmanager_notifications_total{integration="webhook",receiver_name="webhook"} 2',
    'alertmanager_notification_requests_total{integration="email"} 0',
    'alertmanager_notification_requests_total{integration="webhook"} 4',
    'alertmanager_notification_requests_total{integration="webhook",receiver_name="webhook"} 3',
    'alertmanager_notification_requests_failed_total{integration="webhook"} 2',
    'alertmanager_notification_requests_failed_total{integration="webhook",receiver_name="webhook"} 1',
    'alertmanager_notifications_failed_total{integration="webhook",reason="clientError"} 1',
    'alertmanager_notifications_failed_total{integration="webhook",reason="serverError"} 0',
    'alertmanager_notifications_failed_total{integration="webhook"} 0',
    'alertmanager_notification_latency_seconds_count{integration="webhook"} 5',
  ].join('\n')
  assert.equal(parseNotificationCounts(metrics), { delivered: 4, failed: 1, failedBy: { clientError: 1 } })
  assert.equal(parseNotificationCounts(''), { delivered: 0, failed: 0, failedBy: {} })
})

test('a loaded config notifies when a receiver has any integration, not when it has none', async () => {
  // As Alertmanager 0.25 answers /api/v2/status (config.original), cut down.
  const loaded = (receivers: string) =>
    `global:\n  resolve_timeout: 5m\n  http_config:\n    follow_redirects: true\nroute:\n  receiver: r\n${receivers}templates: []\n`
  assert.ok(await hasIntegrations(loaded('receivers:\n- name: r\n  webhook_configs:\n  - url: <secret>\n')))
  assert.ok(await hasIntegrations(loaded('receivers:\n- name: a\n- name: r\n  email_configs:\n  - to: x@y\n')))
  assert.not.ok(await hasIntegrations(loaded('receivers:\n- name: r\n')))
  assert.not.ok(await hasIntegrations(loaded('receivers:\n- name: r\n  webhook_configs: []\n')))
})

test.run()
