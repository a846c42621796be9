// ALERT_WEBHOOK_URL: where Alertmanager posts the alerts. A secret, because chat bots (Feishu,
// DingTalk, Slack, WeCom…) put their token in the URL: it is kept in the state folder (0600) like
// Grafana's password, registered for masking, and shown only as its scheme and host. It never goes
// into argv or a container's environment; the only copy outside the state folder is Alertmanager's
// config file, readable by the container's user alone (10-alertmanager, lib/engine/secret-files.ts).
import { fail } from '../step/fail.ts'
import { tr } from '../output/i18n.ts'
import { registerSecret } from '../output/mask.ts'
import { readSecret, removeSecret, writeSecret } from '../state/secrets.ts'

/** State-folder file holding the URL. */
export const WEBHOOK_FILE = 'alert-webhook-url'
/** `ALERT_WEBHOOK_URL=none` forgets the stored URL: alerts then go to no receiver. */
export const WEBHOOK_OFF = 'none'

/** `https://hooks.example.com/…`: enough to recognise the receiver, nothing of its path or login. */
export function describeWebhook(url: string): string {
  const parsed = new URL(url)
  return `${parsed.protocol}//${parsed.host}/…`
}

/**
 * The URL, checked the way Alertmanager 0.25 checks it (an http or https URL with a host), or a
 * failure with exit code 2 that quotes the scheme only: the rest may be a token.
 */
export function parseWebhookUrl(value: string, where = 'ALERT_WEBHOOK_URL'): string {
  registerSecret(value)
  let parsed: URL | undefined
  try {
    parsed = new URL(value)
  } catch {
    /* reported below */
  }
  // A control character would end the YAML line; a space has no place in a URL either. The host is
  // read from the text as Go's url.Parse does: WHATWG's parser makes `http:///x` a host `x`.
  const clean = !/[\s\x00-\x1f\x7f]/.test(value) && /^https?:\/\/[^/?#]/i.test(value)
  if (!parsed || !/^https?:$/.test(parsed.protocol) || !parsed.hostname || !clean) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]
    const what = scheme ? tr(`its scheme is "${scheme}"`, `其协议是 "${scheme}"`) : tr('it is not a URL', '它不是 URL')
    throw fail(
      tr(
        `${where} is not an http(s) URL (${what}; the value is not shown, it may hold a token)`,
        `${where} 不是 http(s) URL（${what}；不显示其值，因为其中可能含有令牌）`,
      ),
      tr(
        "set it to the receiver's address, e.g. ALERT_WEBHOOK_URL=http://receiver:8080/hook, " +
          `or ALERT_WEBHOOK_URL=${WEBHOOK_OFF} for no webhook; nothing was changed`,
        '请设为接收端的地址，例如 ALERT_WEBHOOK_URL=http://receiver:8080/hook，' +
          `或设为 ALERT_WEBHOOK_URL=${WEBHOOK_OFF} 表示不用 webhook；没有做任何改动`,
      ),
      2,
    )
  }
  return value
}

export interface WebhookChoice {
  /** The URL to configure; undefined: no webhook. */
  url?: string
  /** Where the choice comes from, for the step's message. */
  origin: 'environment' | 'state folder' | 'removed' | 'none'
  /** Stores (or forgets) what the environment asked for; called only once the config is known good. */
  commit(): void
}

/**
 * ALERT_WEBHOOK_URL as the steps take it: a URL is checked and (on commit) stored; `none` forgets
 * the stored one; unset keeps the stored one, so a later `make alertmanager` keeps the receiver.
 */
export function webhookChoice(env: NodeJS.ProcessEnv = process.env): WebhookChoice {
  const value = env.ALERT_WEBHOOK_URL?.trim()
  if (value === WEBHOOK_OFF) return { origin: 'removed', commit: () => void removeSecret(WEBHOOK_FILE) }
  if (value) {
    const url = parseWebhookUrl(value)
    return { url, origin: 'environment', commit: () => void writeSecret(WEBHOOK_FILE, url) }
  }
  const stored = readSecret(WEBHOOK_FILE)
  if (stored === undefined) return { origin: 'none', commit: () => {} }
  // A hand-edited file gets the same check as the variable.
  return {
    url: parseWebhookUrl(stored, `${WEBHOOK_FILE} in the state folder`),
    origin: 'state folder',
    commit: () => {},
  }
}
