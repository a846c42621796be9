// Every failure GitHub can answer a publishing call with, turned into a cause and a fix a person
// can act on: a token refused or short of rights, a repository not found, an immutable release,
// a rate limit outlasted, the network.
import { fail, type StepError } from '../step/fail.ts'
import { t } from '../output/i18n.ts'
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
  return t(
    'publish under a new tag, e.g. make publish TAG={next}: GitHub never changes ' +
      'the files of an immutable release, and never lets its tag be used again, even ' +
      'once the release is deleted',
    { next },
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
      t(
        "GitHub's rate limit stopped us while trying to {action} (HTTP {status}; gave " +
          'up after {retries} retries and {waited} s of waiting{when})',
        {
          action: ctx.action,
          status: error.status,
          retries: error.retries,
          waited,
          when: when ? t('; it resets at {when}', { when }) : '',
        },
      ),
      t('run the same command again{when} (it is idempotent), or raise --max-retries / --max-wait', {
        when: when ? t(' after {when}', { when }) : t(' later'),
      }),
    )
  }
  const failure = error as HttpFailure
  const data = failure.response?.data as { message?: string; documentation_url?: string } | undefined
  const said = data?.message ? `: ${data.message}` : ''
  const docs = data?.documentation_url ? ` (${data.documentation_url})` : ''
  switch (failure.response ? failure.status : undefined) {
    case 401:
      return fail(
        t('GitHub rejected the token while trying to {action} (HTTP 401{said}): it is ' + 'wrong, expired or revoked', {
          action: ctx.action,
          said,
        }),
        t('create a new token at {tokenSettings} and export GITHUB_TOKEN=… (GH_TOKEN also works)', {
          tokenSettings: tokenSettings(ctx.apiUrl),
        }),
      )
    case 403: {
      const accepted = header(failure, 'x-accepted-github-permissions')
      const sso = header(failure, 'x-github-sso')
      return fail(
        t('the token may not {action} (HTTP 403{said}){accepted}', {
          action: ctx.action,
          said,
          accepted: accepted ? t('; GitHub wants {accepted}', { accepted }) : '',
        }),
        sso
          ? t("authorize the token for the organization's single sign-on: {sso}", {
              sso: sso.replace(/^required; url=/, ''),
            })
          : t(
              'give the token write access to releases of {repo}: fine-grained token → ' +
                'Repository permissions → Contents: Read and write (contents:write); classic ' +
                'token → scope "repo" (or "public_repo" for a public repository)',
              { repo },
            ),
      )
    }
    case 404:
      return fail(
        t(
          'GitHub found no repository {repo} (from {source}) while trying to {action} ' +
            '(HTTP 404{said}): it does not exist, or the token cannot see it',
          { repo, source: ctx.repository.source, action: ctx.action, said },
        ),
        t(
          'check the name (--repo owner/name or GITHUB_REPOSITORY), and for a private ' +
            'repository give the token access to it (fine-grained: "Repository access"; ' +
            'classic: scope "repo")',
        ),
      )
    case 422: {
      const refusal = immutableRefusal(failure.response?.data)
      if (refusal) {
        const why =
          refusal === 'tag'
            ? t('the tag{tag} was used by an immutable release', { tag: ctx.tag ? ` ${ctx.tag}` : '' })
            : t('the release is immutable')
        return fail(
          t('GitHub refused to {action}: {why} (HTTP 422: {validationDetails})', {
            action: ctx.action,
            why,
            validationDetails: validationDetails(failure.response?.data),
          }),
          newTagFix(ctx.tag),
        )
      }
      return fail(
        t('GitHub refused to {action} (HTTP 422: {validationDetails})', {
          action: ctx.action,
          validationDetails: validationDetails(failure.response?.data),
        }),
        t('correct what GitHub lists above{docs}, then run the command again', { docs }),
      )
    }
    case undefined:
      return fail(
        t('could not reach GitHub at {apiUrl} to {action}: {message}', {
          apiUrl: ctx.apiUrl,
          action: ctx.action,
          message: failure.message ?? String(error),
        }),
        t('check the network, and GITHUB_API_URL when you use GitHub Enterprise'),
      )
    default:
      return fail(
        t('GitHub answered HTTP {status}{said} while trying to {action}', {
          status: String(failure.status),
          said,
          action: ctx.action,
        }),
        t('run the same command again in a while (it is idempotent); see https://www.githubstatus.com'),
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
