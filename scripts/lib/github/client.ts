// The Octokit every publishing call goes through: rate limits waited out with a bounded backoff,
// a hanging request abandoned, each request shown (token masked) with --verbose.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Octokit } from '@octokit/rest'
import { t } from '../output/i18n.ts'
import { isVerbose, log } from '../output/log.ts'

export interface RetryPolicy {
  /** Retries of one request after a rate limit answer. */
  maxRetries: number
  /** Total time the whole run may spend waiting for rate limits. */
  maxWaitMs: number
  /** Time one attempt may take before it is abandoned. */
  requestTimeoutMs: number
}

const BASE_BACKOFF_MS = 1000
// GitHub's advice when a secondary limit gives no retry-after: wait at least a minute.
const UNHINTED_WAIT_MS = 60_000

export interface HttpFailure {
  status?: number
  message?: string
  response?: { headers: Record<string, string | number | undefined>; data?: unknown }
}

export const header = (error: HttpFailure, name: string) => {
  const value = error.response?.headers[name]
  return value === undefined ? undefined : String(value)
}

/** When the rate limit resets, from `x-ratelimit-reset` (epoch seconds) or `retry-after`. */
function resetTime(error: HttpFailure, now: number): Date | undefined {
  const retryAfter = Number(header(error, 'retry-after'))
  if (header(error, 'retry-after') !== undefined && Number.isFinite(retryAfter))
    return new Date(now + retryAfter * 1000)
  const reset = Number(header(error, 'x-ratelimit-reset'))
  return header(error, 'x-ratelimit-reset') !== undefined && Number.isFinite(reset) ? new Date(reset * 1000) : undefined
}

function isRateLimit(error: HttpFailure): boolean {
  if (error.status === 429) return true
  return (
    error.status === 403 &&
    (header(error, 'x-ratelimit-remaining') === '0' ||
      header(error, 'retry-after') !== undefined ||
      /rate limit/i.test(String((error.response?.data as { message?: unknown } | undefined)?.message ?? '')))
  )
}

/** Thrown once the retry budget for rate limits is spent; explained by `explainGithubError`. */
export class RateLimitExhausted extends Error {
  constructor(
    readonly status: number,
    readonly retries: number,
    readonly waitedMs: number,
    readonly resetAt: Date | undefined,
  ) {
    super(`rate limited (${status})`)
  }
}

/**
 * An Octokit whose every request (uploads included) waits out rate limits with exponential
 * backoff, bounded per request by `maxRetries` and per run by `maxWaitMs`, and gives up on a
 * request that hangs.
 */
export async function githubClient(token: string, baseUrl: string, policy: RetryPolicy): Promise<Octokit> {
  // Octokit is most of `make publish`'s code: loaded here, once a token is in hand, not for --help.
  const { Octokit } = await import('@octokit/rest')
  const verbose = (message: string) => {
    if (process.env.DEBUG) log.raw(message)
  }
  const octokit = new Octokit({
    auth: token,
    baseUrl,
    userAgent: 'triton-monitoring',
    // Octokit logs every request (and every failure, which explainGithubError words better);
    // shown only under DEBUG. Its warnings (deprecations) always.
    log: { debug: verbose, info: verbose, warn: (m: string) => log.warn(m), error: verbose },
  })
  let waitedMs = 0
  octokit.hook.wrap('request', async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      if (isVerbose()) {
        // The auth hook adds the token further in; it is shown masked like every secret.
        const { method, url, body } = octokit.request.endpoint.parse(options)
        const data = typeof body === 'string' || body instanceof Uint8Array ? body : body && JSON.stringify(body)
        log.request({ method, url, authorization: `Bearer ${token}`, body: data })
      }
      try {
        return await request({
          ...options,
          request: { ...options.request, signal: AbortSignal.timeout(policy.requestTimeoutMs) },
        })
      } catch (error) {
        const failure = error as HttpFailure
        if (!isRateLimit(failure)) throw error
        const now = Date.now()
        const resetAt = resetTime(failure, now)
        const hinted = resetAt ? resetAt.getTime() - now : UNHINTED_WAIT_MS
        const waitMs = Math.max(hinted, BASE_BACKOFF_MS * 2 ** attempt)
        if (attempt >= policy.maxRetries || waitedMs + waitMs > policy.maxWaitMs) {
          throw new RateLimitExhausted(failure.status ?? 429, attempt, waitedMs, resetAt)
        }
        const seconds = Math.ceil(waitMs / 1000)
        log.warn(
          t('GitHub rate limit ({status}): retry {attempt} of {maxRetries} in {seconds} s', {
            status: String(failure.status),
            attempt: attempt + 1,
            maxRetries: policy.maxRetries,
            seconds,
          }),
        )
        await sleep(waitMs)
        waitedMs += waitMs
      }
    }
  })
  return octokit
}
