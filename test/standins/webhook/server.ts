// A webhook receiver as a chat bot or an on-call tool is one to Alertmanager: it takes the POSTs of
// Alertmanager's webhook integration (notify/webhook/webhook.go, payload version 4) on any path,
// answers 200 (or `status`, for a receiver that is down), and keeps what it got for the tests to
// read. Every message is checked against the payload's shape (the Message and template Data structs of v0.25/v0.27, docs/configuration.md
// `<webhook_config>`); a message that differs is recorded as a violation, so a test can require none.
import { createServer, type IncomingMessage, type Server } from 'node:http'

export interface WebhookAlert {
  status: 'firing' | 'resolved'
  labels: Record<string, string>
  annotations: Record<string, string>
  startsAt: string
  endsAt: string
  generatorURL: string
  fingerprint: string
}

/** The body Alertmanager posts (version "4"). */
export interface WebhookMessage {
  version: '4'
  groupKey: string
  truncatedAlerts: number
  status: 'firing' | 'resolved'
  receiver: string
  groupLabels: Record<string, string>
  commonLabels: Record<string, string>
  commonAnnotations: Record<string, string>
  externalURL: string
  alerts: WebhookAlert[]
}

export interface Received {
  /** When it arrived, ms since the epoch (this host's clock). */
  at: number
  path: string
  userAgent: string
  message: WebhookMessage
}

const isStringMap = (value: unknown) =>
  value !== null && typeof value === 'object' && Object.values(value).every((v) => typeof v === 'string')
const isTime = (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value))

/** What differs from the version-4 payload; empty when it matches. */
export function payloadProblems(body: unknown): string[] {
  if (body === null || typeof body !== 'object') return ['the body is not a JSON object']
  const m = body as Record<string, unknown>
  const problems: string[] = []
  const need = (ok: boolean, what: string) => ok || problems.push(what)
  need(m.version === '4', `version is ${JSON.stringify(m.version)}, not "4"`)
  need(typeof m.groupKey === 'string', 'groupKey is not a string')
  need(Number.isInteger(m.truncatedAlerts), 'truncatedAlerts is not an integer')
  need(m.status === 'firing' || m.status === 'resolved', `status is ${JSON.stringify(m.status)}`)
  need(typeof m.receiver === 'string', 'receiver is not a string')
  for (const key of ['groupLabels', 'commonLabels', 'commonAnnotations'])
    need(isStringMap(m[key]), `${key} is not a map of strings`)
  need(typeof m.externalURL === 'string', 'externalURL is not a string')
  if (!Array.isArray(m.alerts) || m.alerts.length === 0) return [...problems, 'alerts is not a non-empty list']
  m.alerts.forEach((alert: Record<string, unknown>, i) => {
    need(alert.status === 'firing' || alert.status === 'resolved', `alerts[${i}].status is ${alert.status}`)
    need(isStringMap(alert.labels) && isStringMap(alert.annotations), `alerts[${i}] labels/annotations`)
    need(isTime(alert.startsAt) && isTime(alert.endsAt), `alerts[${i}] startsAt/endsAt are not times`)
    need(typeof alert.generatorURL === 'string', `alerts[${i}].generatorURL is not a string`)
    need(typeof alert.fingerprint === 'string', `alerts[${i}].fingerprint is not a string`)
  })
  // The batch is firing when any alert in it is (prometheus/common model.Alerts.Status).
  const firing = (m.alerts as { status?: string }[]).some((a) => a.status === 'firing')
  need(m.status === (firing ? 'firing' : 'resolved'), 'status does not match the alerts')
  return problems
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * `status`: what every POST is answered with. Not 2xx, the answer echoes the request's path and
 * query, as bots do in their errors ("invalid token …"), so a test sees whether that echo is masked.
 */
export function createWebhookStandin(status = 200): { server: Server; received: Received[]; violations: string[] } {
  const received: Received[] = []
  const violations: string[] = []
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://standin').pathname
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    if (req.method === 'GET' && path === '/__standin/received') return send(200, received)
    if (req.method === 'GET' && path === '/__standin/violations') return send(200, violations)
    if (req.method !== 'POST') return send(405, { error: 'POST only' })
    const text = await readBody(req)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    const problems = payloadProblems(body)
    if (!/^application\/json/.test(req.headers['content-type'] ?? '')) problems.push('Content-Type is not JSON')
    const userAgent = req.headers['user-agent'] ?? ''
    if (!/^Alertmanager\//.test(userAgent)) problems.push(`User-Agent is "${userAgent}"`)
    if (problems.length) violations.push(`${path}: ${problems.join('; ')}`)
    else received.push({ at: Date.now(), path, userAgent, message: body as WebhookMessage })
    // 2xx unless told otherwise: anything else makes Alertmanager retry (5xx) or give up (4xx).
    if (status >= 300) return send(status, { error: 'refused', request: req.url })
    send(status, {})
  })
  return { server, received, violations }
}
