// Grafana's HTTP API through types generated from its own OpenAPI spec (schema.ts), so a wrong
// path, parameter or body is a compile error; every error answer becomes a cause/fix message that
// quotes Grafana's own text. Credentials travel only in request headers, never in argv or logs.
import createClient from 'openapi-fetch'
import type { components, paths } from './schema.ts'
import { StepError } from '../step/fail.ts'
import { t } from '../output/i18n.ts'
import { isVerbose, log, type ShownRequest } from '../output/log.ts'
import { registerSecret } from '../output/mask.ts'
import { httpFetch } from '../step/http.ts'

/** Any JSON object: the spec types `jsonData` and a dashboard as Go's `*simplejson.Json`, an empty object. */
export type Json = components['schemas']['Json']

export type GrafanaAuth = { user: string; password: string } | { token: string }

/** A failed Grafana call: the status and Grafana's message ids, so callers can branch on them. */
export class GrafanaError extends StepError {
  constructor(
    cause: string,
    fix: string,
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(cause, fix)
  }
}

/** The error body shapes Grafana sends: legacy `{message}`, errutil `{message,messageId,statusCode}`,
 *  dashboard `{status,message}`, RBAC `{accessErrorId,message,title}`. */
export interface ErrorBody {
  message?: string
  messageId?: string
  status?: string
}

export interface GrafanaCall {
  /** What we were doing, for the message: "create the service account cli-service". */
  what: string
  /** Fix for a status this call can meet, when the generic one is not the right advice. */
  fixes?: Partial<Record<number, string>>
}

function authHeader(auth: GrafanaAuth): string {
  if ('token' in auth) {
    registerSecret(auth.token)
    return `Bearer ${auth.token}`
  }
  registerSecret(auth.password)
  return `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`
}

/**
 * Past Grafana's own data-proxy timeout (30 s), so a slow Prometheus is reported by Grafana's
 * 502/504 first; a Grafana that accepts a connection and never answers still ends the step.
 */
const REQUEST_TIMEOUT_MS = 45_000

function unreachable(baseUrl: string, error: unknown, timeoutMs: number): StepError {
  if ((error as Error).name === 'TimeoutError') {
    return new StepError(
      t('Grafana at {baseUrl} did not answer within {timeoutMs} s', { baseUrl, timeoutMs: timeoutMs / 1000 }),
      t(
        'it is stuck or overloaded: read `docker logs` of the Grafana container, or ' +
          'restart it with `make grafana`',
      ),
    )
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  const detail = cause?.code ?? cause?.message ?? (error as Error).message
  return new StepError(
    t('Grafana is not reachable at {baseUrl} ({detail})', { baseUrl, detail }),
    t('start it with `make grafana`, or set GRAFANA_PORT to the port it is published on'),
  )
}

/** A request as --verbose shows it; the body is read from a clone, so the request keeps it. */
async function shown(input: Request | string, init?: RequestInit): Promise<ShownRequest> {
  if (typeof input !== 'string')
    return {
      method: input.method,
      url: input.url,
      authorization: input.headers.get('authorization'),
      body: await input.clone().text(),
    }
  const body = typeof init?.body === 'string' ? init.body : undefined
  return { method: init?.method, url: input, authorization: new Headers(init?.headers).get('authorization'), body }
}

/** fetch that turns "connection refused" and friends into a message naming Grafana's address. */
function fetchFor(baseUrl: string, timeoutMs = REQUEST_TIMEOUT_MS) {
  return async (input: Request | string, init?: RequestInit): Promise<Response> => {
    if (isVerbose()) log.request(await shown(input, init))
    try {
      return await httpFetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) })
    } catch (error) {
      throw unreachable(baseUrl, error, timeoutMs)
    }
  }
}

/**
 * The typed client's fetch: a 2xx that is not JSON (another web app on GRAFANA_PORT, a proxy's
 * page) is refused here, since the client would fail to parse it with a bare SyntaxError.
 */
function apiFetch(baseUrl: string, timeoutMs: number) {
  const send = fetchFor(baseUrl, timeoutMs)
  return async (input: Request | string, init?: RequestInit): Promise<Response> => {
    const response = await send(input, init)
    const type = response.headers.get('content-type') ?? ''
    const empty = response.status === 204 || response.headers.get('content-length') === '0'
    if (response.ok && !empty && !/json/i.test(type)) {
      const request = typeof input === 'string' ? { method: init?.method ?? 'GET', url: input } : input
      const path = new URL(request.url).pathname
      throw new StepError(
        t("{baseUrl} is not Grafana's API: it answered {method} {path} with {type}", {
          baseUrl,
          method: request.method,
          path,
          type: type || t('no content type'),
        }),
        t('set GRAFANA_PORT (and BIND_ADDRESS) to where Grafana is published, or start it with `make grafana`'),
      )
    }
    return response
  }
}

export function errorFor(status: number, body: ErrorBody, context: GrafanaCall): GrafanaError {
  const said = body.message ? `"${body.message}"` : `HTTP ${status}`
  const id = body.messageId ?? ''
  let cause = t('Grafana refused to {what}: {status} {said}', { what: context.what, status, said })
  let fix: string
  if (status === 401 && id === 'login-attempt.blocked') {
    fix = t(
      'Grafana locked the admin login after repeated failures (its CLI cannot lift ' +
        "that): wait 5 minutes, then run `make grafana` once: it sets Grafana's admin " +
        "password to the state folder's",
    )
  } else if (status === 401 && id.startsWith('api-key.')) {
    fix = t('the stored service-account token no longer works: run `make token` to issue a new one')
  } else if (status === 401 && /password/i.test(said)) {
    cause = t('Grafana refused the admin password while trying to {what}: {said}', { what: context.what, said })
    fix = t(
      "run `make grafana`: it sets Grafana's admin password to the state folder's " +
        'with `grafana cli` in the container. Do not retry in a loop: Grafana locks ' +
        'the admin after 5 failures in 5 minutes',
    )
  } else if (status === 401) {
    fix = t('the request carried no credentials Grafana accepts: run `make grafana` and `make token`')
  } else if (status === 403) {
    fix = t('the service account lacks a permission: run `make token`, which gives it the Admin role')
  } else if (status === 502 || status === 504) {
    cause =
      status === 502
        ? t('Grafana could not {what}: its upstream answered {status} Bad Gateway', { what: context.what, status })
        : t('Grafana could not {what}: its upstream answered {status} Gateway Timeout', { what: context.what, status })
    fix = t("the service behind Grafana is down or unreachable from Grafana's container")
  } else if (status >= 500) {
    fix = t('Grafana failed internally: read `docker logs` of the Grafana container')
  } else {
    fix = t('this Grafana did not accept the request: report it with the message above')
  }
  // A lockout is never fixed by what the caller would otherwise advise, only by waiting.
  const chosen = id === 'login-attempt.blocked' ? fix : (context.fixes?.[status] ?? fix)
  return new GrafanaError(cause, chosen, status, body)
}

/** A typed client for `<baseUrl>/api`: `const g = grafana(url, auth); ok(await g.GET(...), {what})`. */
export function grafana(baseUrl: string, auth: GrafanaAuth, timeoutMs = REQUEST_TIMEOUT_MS) {
  return createClient<paths>({
    baseUrl: `${baseUrl}/api`,
    headers: { Authorization: authHeader(auth) },
    fetch: apiFetch(baseUrl, timeoutMs),
  })
}

export type Grafana = ReturnType<typeof grafana>

/** The body of a successful answer, or a GrafanaError with Grafana's message. */
export function ok<D>(result: { data?: D; error?: unknown; response: Response }, context: GrafanaCall): D {
  if (!result.response.ok) throw errorFor(result.response.status, asErrorBody(result.error), context)
  return result.data as D
}

function asErrorBody(value: unknown): ErrorBody {
  if (value && typeof value === 'object') return value as ErrorBody
  return typeof value === 'string' && value ? { message: value.trim() } : {}
}

export interface Health {
  database: string
  version?: string
}

/** `GET /api/health` (not in the spec: no auth, answered before Grafana's auth middleware). */
export async function health(baseUrl: string): Promise<Health> {
  const response = await fetchFor(baseUrl)(`${baseUrl}/api/health`)
  const body = (await response.json().catch(() => ({}))) as Health
  if (!response.ok)
    throw errorFor(response.status, { message: `database ${body.database ?? 'unknown'}` }, { what: t('report health') })
  return body
}

/**
 * GET through Grafana's datasource proxy by uid. The spec's single-segment route parameter cannot
 * hold `api/v1/query`, so this one path is built by hand; auth and error mapping are the client's.
 */
export async function proxyGet<T>(
  baseUrl: string,
  auth: GrafanaAuth,
  uid: string,
  route: string,
  query: Record<string, string>,
  context: GrafanaCall,
): Promise<T> {
  const url = `${baseUrl}/api/datasources/proxy/uid/${encodeURIComponent(uid)}/${route}?${new URLSearchParams(query)}`
  const response = await fetchFor(baseUrl)(url, { headers: { Authorization: authHeader(auth) } })
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = text
  }
  if (!response.ok) {
    // Prometheus' own errors come back as {status:"error", error:"…"}; Grafana's as {message}.
    const prom = body as { error?: string }
    throw errorFor(response.status, prom?.error ? { message: prom.error } : asErrorBody(body), context)
  }
  return body as T
}
