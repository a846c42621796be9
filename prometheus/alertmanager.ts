// Alertmanager's configuration as typed data; 10-alertmanager renders it to alertmanager.yml and has
// amtool check it before the container starts. Only what both Debian's 0.25 (the tests' amtool and
// local image) and prom/alertmanager 0.28 accept: no `url_file` (0.26+, and 0.25 refuses it), so
// the webhook URL sits in the file itself, which is why the whole file is treated as a secret (see
// scripts/lib/engine/secret-files.ts).
import { stringify } from 'yaml'
import { alertTiming, duration } from './alert-timing.ts'
import { GENERATED_HEADER } from './rules.ts'

export interface WebhookConfig {
  url: string
  /** Also send a message when the alert resolves (Alertmanager's default, written out because the drill relies on it). */
  send_resolved: boolean
}

export interface Receiver {
  name: string
  webhook_configs?: WebhookConfig[]
}

export interface Route {
  receiver: string
  group_by: string[]
  group_wait: string
  group_interval: string
  repeat_interval: string
}

export interface AlertmanagerConfig {
  route: Route
  receivers: Receiver[]
}

/**
 * The receivers' names. Without a webhook every alert goes to `terminal`, a receiver with no
 * integration: Alertmanager still groups the alerts and lists them in its API and UI (`make alerts`,
 * Grafana's Alerting pages), it just sends them nowhere.
 */
export const RECEIVERS = { webhook: 'webhook', none: 'terminal' } as const

/**
 * A group per alert name and Triton target, so each instance's message and its resolution come
 * on their own (the resolved message of one replica never waits for another's).
 */
export const GROUP_BY = ['alertname', 'job', 'instance']

export interface AlertmanagerOptions {
  /** Where the webhook receiver posts (Alertmanager's webhook payload, version 4); none: no receiver. */
  webhookUrl?: string
}

export function alertmanagerConfig({ webhookUrl }: AlertmanagerOptions = {}): AlertmanagerConfig {
  const receiver = webhookUrl ? RECEIVERS.webhook : RECEIVERS.none
  return {
    route: {
      receiver,
      group_by: GROUP_BY,
      group_wait: duration(alertTiming.groupWait),
      group_interval: duration(alertTiming.groupInterval),
      repeat_interval: duration(alertTiming.repeatInterval),
    },
    receivers: [
      webhookUrl
        ? { name: RECEIVERS.webhook, webhook_configs: [{ url: webhookUrl, send_resolved: true }] }
        : { name: RECEIVERS.none },
    ],
  }
}

export function alertmanagerYaml(config: AlertmanagerConfig): string {
  return GENERATED_HEADER + stringify(config, { lineWidth: 0 })
}
