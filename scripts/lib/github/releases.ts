// GitHub REST access for steps that publish: which repository, which token, which API host, and
// every failure GitHub can answer turned into a cause and a fix a person can act on.
import { setTimeout as sleep } from 'node:timers/promises'
import { Octokit } from '@octokit/rest'
import { fail, type StepError } from '../step/fail.ts'
import { tr } from '../output/i18n.ts'
import { isVerbose, log } from '../output/log.ts'
import { registerSecret } from '../output/mask.ts'

export const PUBLIC_API_URL = 'https://api.github.com'

export interface Repository {
  owner: string
  repo: string
  /** Where the name came from, so an error can say which setting to change. */
  source: string
}

export const fullName = (r: Pick<Repository, 'owner' | 'repo'>) => `${r.owner}/${r.repo}`

// GitHub's own rules: owners are alphanumeric with single inner hyphens (39 max); repository
// names are letters, digits, ".", "_", "-", but never "." or "..".
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/
const REPO = /^[A-Za-z0-9._-]{1,100}$/

function splitName(text: string): { owner: string; repo: string } | undefined {
  const [owner, repo, ...rest] = text.split('/')
  if (rest.length || !owner || !repo || !OWNER.test(owner) || !REPO.test(repo) || repo === '.' || repo === '..')
    return undefined
  return { owner, repo }
}

/**
 * `owner/name` from a git remote URL: https (with or without credentials), ssh://, and the
 * scp-like `git@host:owner/name.git`; Enterprise hosts may add path segments before the owner.
 */
export function parseRemoteUrl(remote: string): { owner: string; repo: string } | undefined {
  const text = remote.trim()
  const scp = /^(?:[^@/\s]+@)?[^:/\s]+:(?!\/\/)(.+)$/.exec(text)
  let path: string
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    path = scp[1]!
  } else {
    try {
      path = new URL(text).pathname
    } catch {
      return undefined
    }
  }
  const segments = path
    .replace(/\.git\/?$/, '')
    .split('/')
    .filter(Boolean)
  return segments.length >= 2 ? splitName(segments.slice(-2).join('/')) : undefined
}

/** Hides the credentials an https remote may carry before the URL is printed. */
const withoutCredentials = (remote: string) => remote.replace(/\/\/[^@/\s]+@/, '//')

export async function resolveRepository(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Repository> {
  const named = (text: string, source: string): Repository => {
    const parsed = splitName(text.trim())
    if (!parsed) {
      throw fail(
        tr(`${source} is "${text}", not a repository name`, `${source} 的值 "${text}" 不是仓库名`),
        tr(
          'use owner/name, e.g. --repo octocat/hello-world',
          '请使用 所有者/仓库名 形式，例如 --repo octocat/hello-world',
        ),
        2,
      )
    }
    return { ...parsed, source }
  }
  if (flag !== undefined) return named(flag, '--repo')
  if (env.GITHUB_REPOSITORY?.trim()) return named(env.GITHUB_REPOSITORY, 'GITHUB_REPOSITORY')
  log.command(['git', 'remote', 'get-url', 'origin'])
  const { $ } = await import('zx') // loaded on first use: see runDocker (engine/cli.ts)
  const origin = await $({ nothrow: true, quiet: true })`git remote get-url origin`
  const remote = origin.exitCode === 0 ? origin.stdout.trim() : ''
  const parsed = remote ? parseRemoteUrl(remote) : undefined
  if (parsed) return { ...parsed, source: tr('the git remote origin', 'git 远程仓库 origin') }
  throw fail(
    remote
      ? tr(
          `the git remote origin (${withoutCredentials(remote)}) does not name a GitHub repository`,
          `git 远程仓库 origin（${withoutCredentials(remote)}）不是 GitHub 仓库地址`,
        )
      : tr(
          'no repository given: no --repo, no GITHUB_REPOSITORY and no git remote origin',
          '未指定仓库：没有 --repo、没有 GITHUB_REPOSITORY，也没有 git 远程仓库 origin',
        ),
    tr(
      'pass --repo owner/name or export GITHUB_REPOSITORY=owner/name',
      '请传入 --repo 所有者/仓库名，或 export GITHUB_REPOSITORY=所有者/仓库名',
    ),
    2,
  )
}

/** The token, from the environment only: argv is readable by every user through `ps`. */
export function readToken(env: NodeJS.ProcessEnv = process.env): string {
  const token = env.GITHUB_TOKEN?.trim() || env.GH_TOKEN?.trim()
  if (!token) {
    throw fail(
      tr(
        'no GitHub token: neither GITHUB_TOKEN nor GH_TOKEN is set',
        '没有 GitHub 令牌：GITHUB_TOKEN 和 GH_TOKEN 都未设置',
      ),
      tr(
        'create a token with Contents: read and write on the repository (classic: scope repo or public_repo) and export GITHUB_TOKEN=…',
        '创建对该仓库有 Contents 读写权限的令牌（经典令牌：repo 或 public_repo 权限），然后 export GITHUB_TOKEN=…',
      ),
      2,
    )
  }
  registerSecret(token)
  return token
}

/** `GITHUB_API_URL` (GitHub Enterprise: `https://host/api/v3`), without a trailing slash. */
export function apiUrl(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.GITHUB_API_URL?.trim() || PUBLIC_API_URL
  let parsed: URL | undefined
  try {
    parsed = new URL(raw)
  } catch {
    parsed = undefined
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.search || parsed.hash) {
    throw fail(
      tr(`GITHUB_API_URL="${raw}" is not an http(s) URL`, `GITHUB_API_URL="${raw}" 不是 http(s) 地址`),
      tr(
        `unset it for ${PUBLIC_API_URL}, or use https://HOST/api/v3 for GitHub Enterprise Server`,
        `取消设置以使用 ${PUBLIC_API_URL}；GitHub Enterprise Server 请使用 https://主机/api/v3`,
      ),
      2,
    )
  }
  return raw.replace(/\/+$/, '')
}

/** Where a person manages tokens for this API host. */
function tokenSettings(api: string): string {
  const url = new URL(api)
  const host = url.hostname === 'api.github.com' ? 'github.com' : url.host
  return `${url.protocol}//${host}/settings/tokens`
}

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

interface HttpFailure {
  status?: number
  message?: string
  response?: { headers: Record<string, string | number | undefined>; data?: unknown }
}

const header = (error: HttpFailure, name: string) => {
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
export function githubClient(token: string, baseUrl: string, policy: RetryPolicy): Octokit {
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
          tr(
            `GitHub rate limit (${failure.status}): retry ${attempt + 1} of ${policy.maxRetries} in ${seconds} s`,
            `触发 GitHub 速率限制（${failure.status}）：${seconds} 秒后第 ${attempt + 1}/${policy.maxRetries} 次重试`,
          ),
        )
        await sleep(waitMs)
        waitedMs += waitMs
      }
    }
  })
  return octokit
}

export interface GithubCall {
  /** What was being done, e.g. "create the release v1 in owner/name". */
  action: string
  repository: Repository
  apiUrl: string
  /** The release's tag, for a fix that names the next one. */
  tag?: string
}

/** The tag after `tag`, its last number raised (v1.0.0 → v1.0.1, v2-rc.1 → v2-rc.2), for a fix to show. */
export function nextTag(tag: string): string {
  const match = /^(.*?)(\d+)([^\d]*)$/.exec(tag)
  return match ? `${match[1]}${Number(match[2]) + 1}${match[3]}` : `${tag}-2`
}

/** The one way past an immutable release: GitHub never changes its files nor reuses its tag. */
export function newTagFix(tag: string | undefined): string {
  const next = tag ? nextTag(tag) : '<new tag>'
  return tr(
    `publish under a new tag, e.g. make publish TAG=${next}: GitHub never changes the files of an immutable release, ` +
      'and never lets its tag be used again, even once the release is deleted',
    `请使用新标签发布，例如 make publish TAG=${next}：GitHub 不允许修改不可变版本的文件，` +
      '也不允许再次使用它的标签（即使该版本已被删除）',
  )
}

/**
 * GitHub's 422s on immutable releases: a file added to or removed from one ("Cannot upload assets to
 * an immutable release."), or a release on a tag one used ("tag_name was used by an immutable release").
 */
function immutableRefusal(data: unknown): 'release' | 'tag' | undefined {
  const body = (data ?? {}) as { message?: unknown; errors?: unknown[] }
  const messages = [body.message, ...(body.errors ?? []).map((e) => (e as { message?: unknown } | null)?.message)]
  const said = messages.filter((m) => typeof m === 'string').join(' ')
  if (/tag_name was used by an immutable release/i.test(said)) return 'tag'
  return /immutable release/i.test(said) ? 'release' : undefined
}

function validationDetails(data: unknown): string {
  const body = (data ?? {}) as { message?: string; errors?: unknown[] }
  const errors = (body.errors ?? []).map((e) => {
    if (typeof e === 'string') return e
    const { resource, field, code, message } = e as Record<string, unknown>
    return [[resource, field].filter(Boolean).join('.'), code, message].filter(Boolean).join(' ')
  })
  return [body.message, ...errors].filter(Boolean).join('; ')
}

/** Turns what an Octokit call threw into a StepError naming the cause and the fix. */
export function explainGithubError(error: unknown, ctx: GithubCall): StepError {
  const repo = fullName(ctx.repository)
  if (error instanceof RateLimitExhausted) {
    const when = error.resetAt ? error.resetAt.toISOString().replace(/\.\d+Z$/, 'Z') : undefined
    const waited = Math.round(error.waitedMs / 1000)
    return fail(
      tr(
        `GitHub's rate limit stopped us while trying to ${ctx.action} (HTTP ${error.status}; ` +
          `gave up after ${error.retries} retries and ${waited} s of waiting${when ? `; it resets at ${when}` : ''})`,
        `尝试${ctx.action}时被 GitHub 速率限制拦下（HTTP ${error.status}；` +
          `重试 ${error.retries} 次、等待 ${waited} 秒后放弃${when ? `；将于 ${when} 重置` : ''}）`,
      ),
      tr(
        `run the same command again${when ? ` after ${when}` : ' later'} (it is idempotent), or raise --max-retries / --max-wait`,
        `${when ? `在 ${when} 之后` : '稍后'}重新运行同一命令（可重复执行），或调大 --max-retries / --max-wait`,
      ),
    )
  }
  const failure = error as HttpFailure
  const data = failure.response?.data as { message?: string; documentation_url?: string } | undefined
  const said = data?.message ? `: ${data.message}` : ''
  const docs = data?.documentation_url ? ` (${data.documentation_url})` : ''
  switch (failure.response ? failure.status : undefined) {
    case 401:
      return fail(
        tr(
          `GitHub rejected the token while trying to ${ctx.action} (HTTP 401${said}): it is wrong, expired or revoked`,
          `尝试${ctx.action}时 GitHub 拒绝了令牌（HTTP 401${said}）：令牌错误、已过期或已撤销`,
        ),
        tr(
          `create a new token at ${tokenSettings(ctx.apiUrl)} and export GITHUB_TOKEN=… (GH_TOKEN also works)`,
          `在 ${tokenSettings(ctx.apiUrl)} 创建新令牌，然后 export GITHUB_TOKEN=…（也可用 GH_TOKEN）`,
        ),
      )
    case 403: {
      const accepted = header(failure, 'x-accepted-github-permissions')
      const sso = header(failure, 'x-github-sso')
      return fail(
        tr(
          `the token may not ${ctx.action} (HTTP 403${said})${accepted ? `; GitHub wants ${accepted}` : ''}`,
          `该令牌无权${ctx.action}（HTTP 403${said}）${accepted ? `；GitHub 要求 ${accepted}` : ''}`,
        ),
        sso
          ? tr(
              `authorize the token for the organization's single sign-on: ${sso.replace(/^required; url=/, '')}`,
              `为组织的单点登录授权该令牌：${sso.replace(/^required; url=/, '')}`,
            )
          : tr(
              `give the token write access to releases of ${repo}: ` +
                'fine-grained token → Repository permissions → Contents: Read and write (contents:write); ' +
                'classic token → scope "repo" (or "public_repo" for a public repository)',
              `为令牌授予 ${repo} 发布版本的写权限：` +
                '细粒度令牌 → Repository permissions → Contents: Read and write（contents:write）；' +
                '经典令牌 → 勾选 "repo"（公开仓库用 "public_repo"）',
            ),
      )
    }
    case 404:
      return fail(
        tr(
          `GitHub found no repository ${repo} (from ${ctx.repository.source}) while trying to ${ctx.action} ` +
            `(HTTP 404${said}): it does not exist, or the token cannot see it`,
          `尝试${ctx.action}时 GitHub 找不到仓库 ${repo}（来自 ${ctx.repository.source}）` +
            `（HTTP 404${said}）：仓库不存在，或令牌无权访问`,
        ),
        tr(
          'check the name (--repo owner/name or GITHUB_REPOSITORY), and for a private repository give the token ' +
            'access to it (fine-grained: "Repository access"; classic: scope "repo")',
          '检查仓库名（--repo 所有者/仓库名 或 GITHUB_REPOSITORY）；' +
            '私有仓库需让令牌能访问它（细粒度令牌："Repository access"；经典令牌：勾选 "repo"）',
        ),
      )
    case 422: {
      const refusal = immutableRefusal(failure.response?.data)
      if (refusal) {
        const why =
          refusal === 'tag'
            ? tr(
                `the tag${ctx.tag ? ` ${ctx.tag}` : ''} was used by an immutable release`,
                `标签${ctx.tag ? ` ${ctx.tag}` : ''} 曾被不可变版本使用`,
              )
            : tr('the release is immutable', '该版本不可变')
        return fail(
          tr(
            `GitHub refused to ${ctx.action}: ${why} (HTTP 422: ${validationDetails(failure.response?.data)})`,
            `GitHub 拒绝${ctx.action}：${why}（HTTP 422：${validationDetails(failure.response?.data)}）`,
          ),
          newTagFix(ctx.tag),
        )
      }
      return fail(
        tr(
          `GitHub refused to ${ctx.action} (HTTP 422: ${validationDetails(failure.response?.data)})`,
          `GitHub 拒绝${ctx.action}（HTTP 422：${validationDetails(failure.response?.data)}）`,
        ),
        tr(
          `correct what GitHub lists above${docs}, then run the command again`,
          `按上面 GitHub 列出的问题修正${docs}，然后重新运行`,
        ),
      )
    }
    case undefined:
      return fail(
        tr(
          `could not reach GitHub at ${ctx.apiUrl} to ${ctx.action}: ${failure.message ?? String(error)}`,
          `无法连接 ${ctx.apiUrl} 以${ctx.action}：${failure.message ?? String(error)}`,
        ),
        tr(
          'check the network, and GITHUB_API_URL when you use GitHub Enterprise',
          '检查网络；使用 GitHub Enterprise 时检查 GITHUB_API_URL',
        ),
      )
    default:
      return fail(
        tr(
          `GitHub answered HTTP ${failure.status}${said} while trying to ${ctx.action}`,
          `尝试${ctx.action}时 GitHub 返回 HTTP ${failure.status}${said}`,
        ),
        tr(
          'run the same command again in a while (it is idempotent); see https://www.githubstatus.com',
          '稍后重新运行同一命令（可重复执行）；参见 https://www.githubstatus.com',
        ),
      )
  }
}

/** Runs one GitHub call; what GitHub or the network answered comes back as a cause/fix StepError. */
export async function call<T>(ctx: GithubCall, body: () => Promise<T>): Promise<T> {
  try {
    return await body()
  } catch (error) {
    // Anything without an HTTP status is a bug of ours, reported as such by runStep.
    const fromGithub = error instanceof RateLimitExhausted || typeof (error as HttpFailure | null)?.status === 'number'
    throw fromGithub ? explainGithubError(error, ctx) : error
  }
}

/**
 * The tag as git accepts it (`git check-ref-format`), checked before anything is sent: GitHub
 * would otherwise create a release for a tag no one can check out.
 */
export function validateTag(tag: string | undefined): string {
  const value = tag?.trim() ?? ''
  const problem =
    value === ''
      ? tr('it is empty', '它是空的')
      : value.length > 255
        ? tr('it is longer than 255 characters', '它超过 255 个字符')
        : /[\x00-\x20\x7f~^:?*[\\]/.test(value)
          ? tr(
              'it contains a space, a control character or one of ~ ^ : ? * [ \\',
              '它包含空格、控制字符或 ~ ^ : ? * [ \\ 之一',
            )
          : /\.\.|@\{|\/\/|^[-/]|[/.]$|(^|\/)\.|\.lock(\/|$)/.test(value) || value === '@'
            ? tr(
                'git refuses it as a tag name (no "..", "@{", "//", leading "-", "/" or ".", trailing "/", "." or ".lock")',
                'git 不接受它作为标签名' +
                  '（不能含 ".."、"@{"、"//"，不能以 "-"、"/"、"." 开头，不能以 "/"、"."、".lock" 结尾）',
              )
            : undefined
  if (problem) {
    throw fail(
      tr(`TAG "${value}" is not a valid tag: ${problem}`, `TAG "${value}" 不是合法的标签：${problem}`),
      tr(
        'pass a tag such as make publish TAG=v1.0.0 (or --tag v1.0.0)',
        '请传入标签，例如 make publish TAG=v1.0.0（或 --tag v1.0.0）',
      ),
      2,
    )
  }
  return value
}
