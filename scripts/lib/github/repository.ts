// Which GitHub repository, which token and which API host a publishing step talks to, each checked
// before any request: a name GitHub would refuse, a missing token or a malformed URL stops the step.
import { fail } from '../step/fail.ts'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { registerSecret } from '../output/mask.ts'
import { zx } from '../step/shell.ts'

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
  // scp-like: `[user@]host:path`, the first ":" before any "/" and not followed by "//" (a URL's
  // scheme is). The user needs no pattern of its own: the host part takes the "@" along.
  const scp = /^[^:/\s]+:(?!\/\/)(.+)$/.exec(text)
  let path: string
  if (scp) {
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
  // Fewer than two segments leave splitName without a repository, and it says no.
  return splitName(segments.slice(-2).join('/'))
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
        t('{source} is "{text}", not a repository name', { source, text }),
        t('use owner/name, e.g. --repo octocat/hello-world'),
        2,
      )
    }
    return { ...parsed, source }
  }
  if (flag !== undefined) return named(flag, '--repo')
  if (env.GITHUB_REPOSITORY?.trim()) return named(env.GITHUB_REPOSITORY, 'GITHUB_REPOSITORY')
  log.command(['git', 'remote', 'get-url', 'origin'])
  const { $ } = await zx()
  const origin = await $({ nothrow: true, quiet: true })`git remote get-url origin`
  const remote = origin.exitCode === 0 ? origin.stdout.trim() : ''
  const parsed = remote ? parseRemoteUrl(remote) : undefined
  if (parsed) return { ...parsed, source: t('the git remote origin') }
  throw fail(
    remote
      ? t('the git remote origin ({withoutCredentials}) does not name a GitHub repository', {
          withoutCredentials: withoutCredentials(remote),
        })
      : t('no repository given: no --repo, no GITHUB_REPOSITORY and no git remote origin'),
    t('pass --repo owner/name or export GITHUB_REPOSITORY=owner/name'),
    2,
  )
}

/** The token, from the environment only: argv is readable by every user through `ps`. */
export function readToken(env: NodeJS.ProcessEnv = process.env): string {
  const token = env.GITHUB_TOKEN?.trim() || env.GH_TOKEN?.trim()
  if (!token) {
    throw fail(
      t('no GitHub token: neither GITHUB_TOKEN nor GH_TOKEN is set'),
      t(
        'create a token with Contents: read and write on the repository (classic: ' +
          'scope repo or public_repo) and export GITHUB_TOKEN=…',
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
  const parsed = URL.canParse(raw) ? new URL(raw) : undefined
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.search || parsed.hash) {
    throw fail(
      t('GITHUB_API_URL="{raw}" is not an http(s) URL', { raw }),
      t('unset it for {PUBLIC_API_URL}, or use https://HOST/api/v3 for GitHub Enterprise Server', { PUBLIC_API_URL }),
      2,
    )
  }
  return raw.replace(/\/+$/, '')
}
