// ALERT_WEBHOOK_URL: where Alertmanager posts the alerts. A secret, because chat bots (Feishu,
// DingTalk, Slack, WeCom…) put their token in the URL: it is kept in the state folder (0600) like
// Grafana's password, registered for masking, and shown only as its scheme and host. It never goes
// into argv or a container's environment; the only copy outside the state folder is Alertmanager's
// config file, readable by the container's user alone (10-alertmanager, lib/engine/secret-files.ts).
import { fail } from '../step/fail.ts'
import { t } from '../output/i18n.ts'
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
 * The parts of the URL a receiver may echo on their own (a bot's error body quoting its path or
 * token): long path segments, query values and the login. Short ones (`hook`, `v2`) are no secret,
 * and masking them would garble words like `webhook` in every message.
 */
function registerParts(value: string): void {
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    return
  }
  const parts = [...parsed.pathname.split('/'), ...parsed.searchParams.values(), parsed.username, parsed.password]
  for (const part of parts) {
    if (part.length < 8) continue
    registerSecret(part)
    try {
      registerSecret(decodeURIComponent(part))
    } catch {
      /* not percent-encoded */
    }
  }
}

/** The stored URL registered for masking, for a command that prints what Alertmanager says about it. */
export function registerStoredWebhook(): void {
  const stored = readSecret(WEBHOOK_FILE)
  if (stored === undefined) return
  registerSecret(stored)
  registerParts(stored)
}

/** Why a value is no http(s) URL Alertmanager takes, in words that quote nothing but its scheme. */
function urlProblem(value: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]
  if (!scheme) return t('it does not start with http:// or https://')
  if (!/^https?$/i.test(scheme)) return t('its scheme is "{scheme}", not http or https', { scheme })
  // A control character would end the YAML line; a space has no place in a URL either.
  if (/[\s\x00-\x1f\x7f]/.test(value)) return t('it contains a space or a control character')
  // The host is read from the text as Go's url.Parse does: WHATWG's parser makes `http:///x` a host `x`.
  if (!/^https?:\/\/[^/?#]/i.test(value)) return t('it has no host after //')
  try {
    if (new URL(value).hostname) return undefined
  } catch {
    /* below */
  }
  return t('its host or port is not valid')
}

/**
 * Loopback in the URL is the Alertmanager container itself, not this machine: Alertmanager posts
 * from inside its container, where nothing listens on the receiver's port.
 */
const LOOPBACK = /^(localhost|.+\.localhost|127(\.\d{1,3}){3}|\[::1?\]|0\.0\.0\.0)$/i

/**
 * The URL, checked the way Alertmanager checks it (an http or https URL with a host) and refused
 * on loopback, or a failure with exit code 2 that quotes the scheme and host at most: the rest may
 * be a token.
 */
export function parseWebhookUrl(value: string, where = 'ALERT_WEBHOOK_URL'): string {
  registerSecret(value)
  registerParts(value)
  const problem = urlProblem(value)
  if (problem) {
    throw fail(
      t('{where} is not a usable http(s) URL: {problem} (the value is not shown, it may hold a token)', {
        where,
        problem,
      }),
      t(
        "set it to the receiver's address, e.g. " +
          'ALERT_WEBHOOK_URL=http://receiver:8080/hook, or ' +
          'ALERT_WEBHOOK_URL={WEBHOOK_OFF} for no webhook; nothing was changed',
        { WEBHOOK_OFF },
      ),
      2,
    )
  }
  const host = new URL(value).hostname
  if (LOOPBACK.test(host)) {
    throw fail(
      t(
        '{where} points at {host}: Alertmanager posts from inside its container, where ' +
          '{host} is that container itself, not this machine, so nothing would receive ' +
          'the alerts',
        { where, host },
      ),
      t(
        "run the receiver as a container on the stack's Docker network and use its " +
          'name (ALERT_WEBHOOK_URL=http://receiver:8080/hook), or use an address of this ' +
          'machine that containers reach; nothing was changed',
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
