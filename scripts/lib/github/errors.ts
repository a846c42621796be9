// Every failure GitHub can answer a publishing call with, turned into a cause and a fix a person
// can act on: a token refused or short of rights, a repository not found, an immutable release,
// a rate limit outlasted, the network.
import { fail, type StepError } from '../step/fail.ts'
import { tr } from '../output/i18n.ts'
import { header, type HttpFailure, RateLimitExhausted } from './client.ts'
import { fullName, type Repository } from './repository.ts'

/** Where a person manages tokens for this API host. */
function tokenSettings(api: string): string {
  const url = new URL(api)
  const host = url.hostname === 'api.github.com' ? 'github.com' : url.host
  return `${url.protocol}//${host}/settings/tokens`
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
