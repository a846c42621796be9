// Grafana's HTTP API through types generated from its own OpenAPI spec (schema.ts), so a wrong
// path, parameter or body is a compile error; every error answer becomes a cause/fix message that
// quotes Grafana's own text. Credentials travel only in request headers, never in argv or logs.
import createClient from 'openapi-fetch'
import type { components, paths } from './schema.ts'
import { StepError } from '../step/fail.ts'
import { tr } from '../output/i18n.ts'
import { isVerbose, log, type ShownRequest } from '../output/log.ts'
import { registerSecret } from '../output/mask.ts'

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
      tr(
        `Grafana at ${baseUrl} did not answer within ${timeoutMs / 1000} s`,
        `${baseUrl} 上的 Grafana 在 ${timeoutMs / 1000} 秒内没有响应`,
      ),
      tr(
        'it is stuck or overloaded: read `docker logs` of the Grafana container, or restart it with `make grafana`',
        '它卡住或过载了：查看 Grafana 容器的 `docker logs`，或用 `make grafana` 重启它',
      ),
    )
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  const detail = cause?.code ?? cause?.message ?? (error as Error).message
  return new StepError(
    tr(`Grafana is not reachable at ${baseUrl} (${detail})`, `无法连接 Grafana：${baseUrl}（${detail}）`),
    tr(
      'start it with `make grafana`, or set GRAFANA_PORT to the port it is published on',
      '用 `make grafana` 启动它，或把 GRAFANA_PORT 设为它发布的端口',
    ),
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
      return await fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) })
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
        tr(
          `${baseUrl} is not Grafana's API: it answered ${request.method} ${path} with ${type || 'no content type'}`,
          `${baseUrl} 不是 Grafana 的 API：它对 ${request.method} ${path} 的回答是 ${type || '无内容类型'}`,
        ),
        tr(
          'set GRAFANA_PORT (and BIND_ADDRESS) to where Grafana is published, or start it with `make grafana`',
          '把 GRAFANA_PORT（和 BIND_ADDRESS）设为 Grafana 发布的地址，或用 `make grafana` 启动它',
        ),
      )
    }
    return response
  }
}

export function errorFor(status: number, body: ErrorBody, context: GrafanaCall): GrafanaError {
  const said = body.message ? `"${body.message}"` : `HTTP ${status}`
  const id = body.messageId ?? ''
  let cause = tr(
    `Grafana refused to ${context.what}: ${status} ${said}`,
    `Grafana 拒绝了操作（${context.what}）：${status} ${said}`,
  )
  let fix: string
  if (status === 401 && id === 'login-attempt.blocked') {
    fix = tr(
      'Grafana locked the admin login after repeated failures (its CLI cannot lift that): wait 5 minutes, ' +
        "then run `make grafana` once: it sets Grafana's admin password to the state folder's",
      'Grafana 在多次失败后锁定了 admin 登录（其 CLI 无法解除）：等 5 分钟，然后运行一次 `make grafana`：' +
        '它会把 Grafana 的 admin 密码设为状态目录中的密码',
    )
  } else if (status === 401 && id.startsWith('api-key.')) {
    fix = tr(
      'the stored service-account token no longer works: run `make token` to issue a new one',
      '保存的服务账号令牌已失效：运行 `make token` 重新签发',
    )
  } else if (status === 401 && /password/i.test(said)) {
    cause = tr(
      `Grafana refused the admin password while trying to ${context.what}: ${said}`,
      `Grafana 拒绝了 admin 密码（${context.what}）：${said}`,
    )
    fix = tr(
      "run `make grafana`: it sets Grafana's admin password to the state folder's with `grafana cli` in the container. " +
        'Do not retry in a loop: Grafana locks the admin after 5 failures in 5 minutes',
      '运行 `make grafana`：它会在容器中用 `grafana cli` 把 Grafana 的 admin 密码设为状态目录中的密码。' +
        '不要循环重试：5 分钟内失败 5 次 Grafana 会锁定 admin',
    )
  } else if (status === 401) {
    fix = tr(
      'the request carried no credentials Grafana accepts: run `make grafana` and `make token`',
      '请求没有 Grafana 接受的凭据：运行 `make grafana` 和 `make token`',
    )
  } else if (status === 403) {
    fix = tr(
      'the service account lacks a permission: run `make token`, which gives it the Admin role',
      '服务账号缺少权限：运行 `make token`，它会赋予 Admin 角色',
    )
  } else if (status === 502 || status === 504) {
    cause = tr(
      `Grafana could not ${context.what}: its upstream answered ${status} ${status === 502 ? 'Bad Gateway' : 'Gateway Timeout'}`,
      `Grafana 无法完成操作（${context.what}）：上游返回 ${status}`,
    )
    fix = tr(
      "the service behind Grafana is down or unreachable from Grafana's container",
      'Grafana 背后的服务已停止，或 Grafana 容器无法访问它',
    )
  } else if (status >= 500) {
    fix = tr(
      'Grafana failed internally: read `docker logs` of the Grafana container',
      'Grafana 内部错误：查看 Grafana 容器的 `docker logs`',
    )
  } else {
    fix = tr(
      'this Grafana did not accept the request: report it with the message above',
      '此 Grafana 不接受该请求：请附上以上信息报告',
    )
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
    throw errorFor(
      response.status,
      { message: `database ${body.database ?? 'unknown'}` },
      { what: tr('report health', '报告健康状态') },
    )
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
