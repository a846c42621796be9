// A GitHub stand-in for tests: the releases endpoints `scripts/publish.ts` uses, with GitHub's
// status codes and error bodies, the way github.com behaves where naive clients go wrong (drafts
// only in the list, duplicate asset names refused, uploads on a host of their own, immutable
// releases), and every request checked against GitHub's OpenAPI description. It runs in the test's process on two
// loopback listeners laid out like GitHub Enterprise Server: the API under /api/v3 on one port,
// uploads under /api/uploads on another, reachable only through the `upload_url` it hands out.
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { checkRequest, checkResponse, type CheckedRequest } from './openapi.ts'

/** What a token may do to the repositories: read, write contents (releases), or administer them too. */
export type Permission = 'read' | 'write' | 'admin'

export interface StoredAsset {
  id: number
  name: string
  label: string | null
  contentType: string
  data: Buffer
  /** `sha256:<hex>`, computed at upload; null for assets uploaded before GitHub computed digests. */
  digest: string | null
  created: string
}

export interface StoredRelease {
  id: number
  tag: string
  name: string | null
  body: string | null
  draft: boolean
  prerelease: boolean
  /** Published while the repository had immutable releases on: assets and tag locked for good. */
  immutable: boolean
  created: string
  published: string | null
  assets: StoredAsset[]
}

interface StoredRepository {
  releases: StoredRelease[]
  /** Settings → Releases → "Enable release immutability": applies to releases published from now on. */
  immutableReleases: boolean
  /** Tags of immutable releases: never usable again, not even after the release is deleted. */
  lockedTags: Set<string>
}

/** A canned answer for the next matching requests, checked after authentication. */
export interface Fault {
  /** Only requests for this spec operation, e.g. `repos/create-release`; every one when absent. */
  operationId?: string
  /** How many requests it answers (default 1). */
  times?: number
  status: number
  body: unknown
  headers?: () => Record<string, string>
}

export interface RecordedRequest {
  host: 'api' | 'uploads'
  method: string
  path: string
  operationId?: string
  status: number
  authorization?: string
  /** A JSON request body, parsed (uploads are raw and left out). */
  json?: Record<string, unknown>
}

export interface GithubStandinOptions {
  /** Repositories that exist, as `owner/name`. */
  repositories?: string[]
  /** Tokens GitHub knows, with what each may do to the repositories' contents. */
  tokens?: Record<string, Permission>
  /** Repositories (of `repositories`) with immutable releases enabled from the start. */
  immutableReleases?: string[]
}

const API_PREFIX = '/api/v3'
const UPLOADS_PREFIX = '/api/uploads'
const DOCS = 'https://docs.github.com/rest'
const RATE_LIMIT = 5000

class Answer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

const error = (status: number, message: string, docs = DOCS, extra: Record<string, unknown> = {}) =>
  new Answer(status, { message, documentation_url: docs, status: String(status), ...extra })

const notFound = (docs?: string) => error(404, 'Not Found', docs)

const validationFailed = (docs: string, errors: Record<string, string>[]) =>
  error(422, 'Validation Failed', docs, { errors })

/** GitHub's answers on immutable releases, as users report them (docs.github.com does not show them). */
const immutable = {
  /** concourse/github-release-resource#151, softprops/action-gh-release#653. */
  upload: () =>
    new Answer(422, {
      message: 'Cannot upload assets to an immutable release.',
      request_id: randomBytes(8).toString('hex').toUpperCase(),
      documentation_url: DOCS,
    }),
  /** Not seen verbatim anywhere: the upload refusal's shape, with the delete's wording. */
  deleteAsset: () =>
    new Answer(422, {
      message: 'Cannot delete assets from an immutable release.',
      request_id: randomBytes(8).toString('hex').toUpperCase(),
      documentation_url: DOCS,
    }),
  /** Community discussion #178351: creating a release on the tag of an immutable release. */
  tagUsed: (docs: string) =>
    validationFailed(docs, [
      { resource: 'Release', code: 'custom', field: 'tag_name', message: 'tag_name was used by an immutable release' },
    ]),
}

/** Where the stand-in keeps asset bytes, as GitHub keeps them on a storage host the API redirects to. */
const OBJECTS_PREFIX = '/_objects/'

export function startGithubStandin(options: GithubStandinOptions = {}) {
  const immutableFromStart = new Set(options.immutableReleases ?? [])
  const repositories = new Map<string, StoredRepository>(
    (options.repositories ?? ['octo/monitoring']).map((name) => [
      name,
      { releases: [], immutableReleases: immutableFromStart.has(name), lockedTags: new Set() },
    ]),
  )
  const tokens = options.tokens ?? {}
  const faults: Fault[] = []
  const requests: RecordedRequest[] = []
  const violations: string[] = []
  let nextId = 1
  let apiOrigin = ''
  let uploadsOrigin = ''
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z')

  const user = () => {
    const base = `${apiOrigin}${API_PREFIX}/users/publisher`
    return {
      login: 'publisher',
      id: 1,
      node_id: 'U_1',
      avatar_url: `${apiOrigin}/avatars/publisher`,
      gravatar_id: '',
      url: base,
      html_url: `${apiOrigin}/publisher`,
      followers_url: `${base}/followers`,
      following_url: `${base}/following{/other_user}`,
      gists_url: `${base}/gists{/gist_id}`,
      starred_url: `${base}/starred{/owner}{/repo}`,
      subscriptions_url: `${base}/subscriptions`,
      organizations_url: `${base}/orgs`,
      repos_url: `${base}/repos`,
      events_url: `${base}/events{/privacy}`,
      received_events_url: `${base}/received_events`,
      type: 'User',
      site_admin: false,
    }
  }

  const assetJson = (repo: string, release: StoredRelease, asset: StoredAsset) => ({
    url: `${apiOrigin}${API_PREFIX}/repos/${repo}/releases/assets/${asset.id}`,
    browser_download_url: `${apiOrigin}/${repo}/releases/download/${release.tag}/${asset.name}`,
    id: asset.id,
    node_id: `RA_${asset.id}`,
    name: asset.name,
    label: asset.label,
    state: 'uploaded',
    content_type: asset.contentType,
    size: asset.data.length,
    digest: asset.digest,
    download_count: 0,
    created_at: asset.created,
    updated_at: asset.created,
    uploader: user(),
  })

  const releaseJson = (repo: string, release: StoredRelease) => {
    const url = `${apiOrigin}${API_PREFIX}/repos/${repo}/releases/${release.id}`
    return {
      url,
      html_url: `${apiOrigin}/${repo}/releases/tag/${release.tag}`,
      assets_url: `${url}/assets`,
      upload_url: `${uploadsOrigin}${UPLOADS_PREFIX}/repos/${repo}/releases/${release.id}/assets{?name,label}`,
      tarball_url: `${apiOrigin}${API_PREFIX}/repos/${repo}/tarball/${release.tag}`,
      zipball_url: `${apiOrigin}${API_PREFIX}/repos/${repo}/zipball/${release.tag}`,
      id: release.id,
      node_id: `RE_${release.id}`,
      tag_name: release.tag,
      target_commitish: 'main',
      name: release.name,
      body: release.body,
      draft: release.draft,
      prerelease: release.prerelease,
      immutable: release.immutable,
      created_at: release.created,
      published_at: release.published,
      author: user(),
      assets: release.assets.map((a) => assetJson(repo, release, a)),
    }
  }

  /** One page as GitHub cuts it (per_page default 30, max 100), with its Link header. */
  function page<T>(items: T[], query: URLSearchParams, path: string): Answer {
    const perPage = Math.min(Number(query.get('per_page') ?? 30), 100)
    const number = Math.max(Number(query.get('page') ?? 1), 1)
    const last = Math.max(Math.ceil(items.length / perPage), 1)
    const link = (n: number, rel: string) =>
      `<${apiOrigin}${API_PREFIX}${path}?per_page=${perPage}&page=${n}>; rel="${rel}"`
    const links = [
      ...(number < last ? [link(number + 1, 'next'), link(last, 'last')] : []),
      ...(number > 1 ? [link(1, 'first'), link(number - 1, 'prev')] : []),
    ]
    return new Answer(
      200,
      items.slice((number - 1) * perPage, number * perPage),
      links.length ? { link: links.join(', ') } : {},
    )
  }

  type Handler = (ctx: {
    repo: string
    repository: StoredRepository
    releases: StoredRelease[]
    params: Record<string, string>
    query: URLSearchParams
    body: Buffer
    json: () => Record<string, unknown>
    permission: Permission
    contentType: string
    accept: string
  }) => Answer

  const findRelease = (releases: StoredRelease[], id: string) => releases.find((r) => r.id === Number(id))

  /** Publication is when GitHub applies the repository's immutability setting to a release. */
  const publish = (repository: StoredRepository, release: StoredRelease) => {
    release.draft = false
    release.published = now()
    if (repository.immutableReleases) {
      release.immutable = true
      repository.lockedTags.add(release.tag)
    }
  }

  const storedAsset = (init: { name: string; label?: string | null; contentType: string; data: Buffer }) => ({
    id: nextId++,
    label: null,
    ...init,
    digest: `sha256:${createHash('sha256').update(init.data).digest('hex')}`,
    created: now(),
  })

  const SETTINGS_DOCS = `${DOCS}/repos/repos#check-if-immutable-releases-are-enabled-for-a-repository`

  const handlers: Record<string, Handler> = {
    'repos/list-releases': ({ repo, releases, query, permission }) =>
      page(
        releases
          .filter((r) => !r.draft || permission === 'write')
          .sort((a, b) => b.id - a.id)
          .map((r) => releaseJson(repo, r)),
        query,
        `/repos/${repo}/releases`,
      ),

    'repos/get-release-by-tag': ({ repo, releases, params }) => {
      const release = releases.find((r) => r.tag === params.tag && !r.draft)
      return release
        ? new Answer(200, releaseJson(repo, release))
        : notFound(`${DOCS}/releases/releases#get-a-release-by-tag-name`)
    },

    'repos/get-release': ({ repo, releases, params }) => {
      const release = findRelease(releases, params.release_id!)
      return release ? new Answer(200, releaseJson(repo, release)) : notFound(`${DOCS}/releases/releases#get-a-release`)
    },

    'repos/create-release': ({ repo, repository, releases, json }) => {
      const body = json()
      const tag = String(body.tag_name)
      const docs = `${DOCS}/releases/releases#create-a-release`
      if (repository.lockedTags.has(tag)) return immutable.tagUsed(docs)
      // github.com keeps several drafts for one tag, but only one published release.
      if (releases.some((r) => r.tag === tag && !r.draft) && body.draft !== true) {
        return validationFailed(docs, [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }])
      }
      const release: StoredRelease = {
        id: nextId++,
        tag,
        name: (body.name as string | undefined) ?? null,
        body: (body.body as string | undefined) ?? null,
        draft: true,
        prerelease: body.prerelease === true,
        immutable: false,
        created: now(),
        published: null,
        assets: [],
      }
      if (body.draft !== true) publish(repository, release)
      releases.push(release)
      return new Answer(201, releaseJson(repo, release), {
        location: `${apiOrigin}${API_PREFIX}/repos/${repo}/releases/${release.id}`,
      })
    },

    'repos/update-release': ({ repo, repository, releases, params, json }) => {
      const docs = `${DOCS}/releases/releases#update-a-release`
      const release = findRelease(releases, params.release_id!)
      if (!release) return notFound(docs)
      const body = json()
      const tag = typeof body.tag_name === 'string' ? body.tag_name : release.tag
      // Title, notes and flags stay editable on an immutable release; its tag and being published do not.
      // GitHub's answer to moving or unpublishing one is not documented: refused here as a tag in use.
      if (release.immutable && (tag !== release.tag || body.draft === true)) return immutable.tagUsed(docs)
      const publishing = release.draft && body.draft === false
      if (publishing || tag !== release.tag) {
        if (repository.lockedTags.has(tag) && !release.immutable) return immutable.tagUsed(docs)
        if (releases.some((r) => r !== release && r.tag === tag && !r.draft))
          return validationFailed(docs, [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }])
      }
      release.tag = tag
      if (typeof body.name === 'string') release.name = body.name
      if (typeof body.body === 'string') release.body = body.body
      if (typeof body.prerelease === 'boolean') release.prerelease = body.prerelease
      if (publishing) publish(repository, release)
      else if (body.draft === true) {
        release.draft = true
        release.published = null
      }
      return new Answer(200, releaseJson(repo, release))
    },

    'repos/delete-release': ({ releases, params }) => {
      const index = releases.findIndex((r) => r.id === Number(params.release_id))
      if (index < 0) return notFound(`${DOCS}/releases/releases#delete-a-release`)
      // The tag of an immutable release stays locked (StoredRepository.lockedTags).
      releases.splice(index, 1)
      return new Answer(204, undefined)
    },

    'repos/get-release-asset': ({ repo, releases, params, accept }) => {
      const release = releases.find((r) => r.assets.some((a) => a.id === Number(params.asset_id)))
      const asset = release?.assets.find((a) => a.id === Number(params.asset_id))
      if (!release || !asset) return notFound(`${DOCS}/releases/assets#get-a-release-asset`)
      // The bytes are a redirect away, on the storage host; the JSON otherwise.
      if (accept.includes('application/octet-stream'))
        return new Answer(302, undefined, { location: `${apiOrigin}${OBJECTS_PREFIX}${asset.id}` })
      return new Answer(200, assetJson(repo, release, asset))
    },

    'repos/check-immutable-releases': ({ repository }) =>
      // The spec documents 404 for "not enabled"; some callers report 200 with enabled: false.
      repository.immutableReleases
        ? new Answer(200, { enabled: true, enforced_by_owner: false })
        : notFound(SETTINGS_DOCS),

    'repos/enable-immutable-releases': ({ repository }) => {
      repository.immutableReleases = true
      return new Answer(204, undefined)
    },

    'repos/disable-immutable-releases': ({ repository }) => {
      // Releases published meanwhile stay immutable.
      repository.immutableReleases = false
      return new Answer(204, undefined)
    },

    'repos/list-release-assets': ({ repo, releases, params, query }) => {
      const release = findRelease(releases, params.release_id!)
      if (!release) return notFound(`${DOCS}/releases/assets#list-release-assets`)
      return page(
        release.assets.map((a) => assetJson(repo, release, a)),
        query,
        `/repos/${repo}/releases/${release.id}/assets`,
      )
    },

    'repos/delete-release-asset': ({ releases, params }) => {
      for (const release of releases) {
        const index = release.assets.findIndex((a) => a.id === Number(params.asset_id))
        if (index >= 0) {
          if (release.immutable) return immutable.deleteAsset()
          release.assets.splice(index, 1)
          return new Answer(204, undefined)
        }
      }
      return notFound(`${DOCS}/releases/assets#delete-a-release-asset`)
    },

    'repos/upload-release-asset': ({ repo, releases, params, query, body, contentType }) => {
      const release = findRelease(releases, params.release_id!)
      if (!release) return notFound(`${DOCS}/releases/assets#upload-a-release-asset`)
      if (release.immutable) return immutable.upload()
      // GitHub renames what it does not like instead of refusing it.
      const name =
        query
          .get('name')!
          .replace(/[^A-Za-z0-9._-]/g, '.')
          .replace(/^\.+|\.+$/g, '') || 'default.'
      if (release.assets.some((a) => a.name === name)) {
        return error(422, 'Validation Failed', `${DOCS}/releases/assets#upload-a-release-asset`, {
          errors: [{ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' }],
        })
      }
      const asset: StoredAsset = storedAsset({ name, label: query.get('label'), contentType, data: body })
      release.assets.push(asset)
      return new Answer(201, assetJson(repo, release, asset))
    },
  }

  function respond(checked: CheckedRequest | undefined, res: ServerResponse, answer: Answer): void {
    if (checked?.pointer) violations.push(...checkResponse(checked.pointer, answer.status, answer.body))
    const reset = Math.floor(Date.now() / 1000) + 3600
    const headers: Record<string, string> = {
      'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(RATE_LIMIT - requests.length),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-used': String(requests.length),
      'x-ratelimit-resource': 'core',
      ...answer.headers,
    }
    if (answer.body === undefined) {
      res.writeHead(answer.status, headers).end()
    } else if (Buffer.isBuffer(answer.body)) {
      res.writeHead(answer.status, headers).end(answer.body)
    } else {
      res
        .writeHead(answer.status, { ...headers, 'content-type': 'application/json; charset=utf-8' })
        .end(JSON.stringify(answer.body))
    }
  }

  function route(
    host: 'api' | 'uploads',
    req: IncomingMessage,
    body: Buffer,
  ): { checked?: CheckedRequest; answer: Answer } {
    const url = new URL(req.url ?? '/', 'http://stand-in')
    const prefix = host === 'api' ? API_PREFIX : UPLOADS_PREFIX
    const where = `${req.method} ${url.pathname} on the ${host} host`
    if (host === 'api' && req.method === 'GET' && url.pathname.startsWith(OBJECTS_PREFIX)) {
      // Signed storage URLs need no token: the redirect is the permission.
      const id = Number(url.pathname.slice(OBJECTS_PREFIX.length))
      const asset = [...repositories.values()]
        .flatMap((r) => r.releases.flatMap((release) => release.assets))
        .find((a) => a.id === id)
      return {
        answer: asset ? new Answer(200, asset.data, { 'content-type': 'application/octet-stream' }) : notFound(),
      }
    }
    if (!url.pathname.startsWith(`${prefix}/`)) {
      violations.push(`${where}: outside ${prefix}, where this host serves GitHub's API`)
      return { answer: notFound() }
    }
    const checked = checkRequest({
      host,
      method: req.method ?? 'GET',
      path: url.pathname.slice(prefix.length),
      query: url.searchParams,
      contentType: req.headers['content-type'],
      body,
    })
    if (checked.problems.length) {
      violations.push(...checked.problems)
      // A path the spec lacks, or an operation on the wrong host, is a 404 on GitHub too.
      return checked.operationId && !checked.problems.some((p) => p.includes(' host, not the '))
        ? {
            answer: error(422, "stand-in: the request does not match GitHub's OpenAPI description", DOCS, {
              errors: checked.problems.map((message) => ({ code: 'invalid', message })),
            }),
          }
        : { answer: notFound() }
    }
    const authorization = req.headers.authorization ?? ''
    const token = /^(?:token|bearer) (.+)$/i.exec(authorization)?.[1]
    const permission = token === undefined ? undefined : tokens[token]
    if (!permission)
      return { checked, answer: authorization ? error(401, 'Bad credentials') : error(401, 'Requires authentication') }

    const fault = faults.find((f) => (f.times ?? 1) > 0 && (!f.operationId || f.operationId === checked.operationId))
    if (fault) {
      fault.times = (fault.times ?? 1) - 1
      return { checked, answer: new Answer(fault.status, fault.body, fault.headers?.() ?? {}) }
    }

    const repo = `${checked.params.owner}/${checked.params.repo}`
    const repository = repositories.get(repo)
    if (!repository) return { checked, answer: notFound() }
    // The immutability setting is the repository administration's, releases are contents.
    const settings = checked.operationId!.endsWith('-immutable-releases')
    const needed: Permission = settings ? 'admin' : req.method === 'GET' ? 'read' : 'write'
    const rank: Record<Permission, number> = { read: 0, write: 1, admin: 2 }
    if (rank[permission] < rank[needed]) {
      const accepted = settings ? `administration=${req.method === 'GET' ? 'read' : 'write'}` : 'contents=write'
      return {
        checked,
        answer: new Answer(
          403,
          { message: 'Resource not accessible by personal access token', documentation_url: DOCS, status: '403' },
          { 'x-accepted-github-permissions': accepted },
        ),
      }
    }
    const handler = handlers[checked.operationId!]
    if (!handler) {
      violations.push(`${checked.operationId}: a GitHub operation the stand-in does not serve`)
      return { checked, answer: error(501, 'stand-in: not implemented') }
    }
    const json = () => JSON.parse(body.toString('utf8')) as Record<string, unknown>
    return {
      checked,
      answer: handler({
        repo,
        repository,
        releases: repository.releases,
        params: checked.params,
        query: url.searchParams,
        body,
        json,
        permission,
        contentType: req.headers['content-type'] ?? '',
        accept: req.headers.accept ?? '',
      }),
    }
  }

  const parsedJson = (contentType: string | undefined, body: Buffer) => {
    if (!/^application\/json\b/.test(contentType ?? '') || !body.length) return undefined
    try {
      return JSON.parse(body.toString('utf8')) as Record<string, unknown>
    } catch {
      return undefined
    }
  }

  const listener = (host: 'api' | 'uploads') => (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const { checked, answer } = route(host, req, body)
      requests.push({
        host,
        method: req.method ?? '',
        path: new URL(req.url ?? '/', 'http://stand-in').pathname,
        operationId: checked?.operationId,
        status: answer.status,
        authorization: req.headers.authorization,
        json: parsedJson(req.headers['content-type'], body),
      })
      respond(checked, res, answer)
    })
  }

  const servers: Server[] = [createServer(listener('api')), createServer(listener('uploads'))]
  const listen = (server: Server) =>
    new Promise<string>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
    })

  return (async () => {
    ;[apiOrigin, uploadsOrigin] = (await Promise.all(servers.map(listen))) as [string, string]
    return {
      /** What `GITHUB_API_URL` should be set to. */
      apiUrl: apiOrigin + API_PREFIX,
      apiOrigin,
      uploadsOrigin,
      /** Every request, in order of arrival. */
      requests,
      /** Requests that broke GitHub's OpenAPI description, and answers of ours that would. */
      violations,
      /** The releases of a repository as stored (drafts included), for assertions. */
      releases: (repo: string) => repositories.get(repo)?.releases ?? [],
      /** Whether a repository has immutable releases on (change it through the API, as an admin would). */
      immutableReleases: (repo: string) => repositories.get(repo)?.immutableReleases ?? false,
      /**
       * Puts a release in place as if made on github.com: its assets uploaded (with `digest: null`, as
       * before GitHub computed digests), then published unless a draft, so immutable when the
       * repository's setting is on.
       */
      seedRelease(
        repo: string,
        init: {
          tag: string
          draft?: boolean
          body?: string
          assets?: { name: string; data: string | Buffer; digest?: null }[]
        },
      ): StoredRelease {
        const repository = repositories.get(repo)!
        const release: StoredRelease = {
          id: nextId++,
          tag: init.tag,
          name: init.tag,
          body: init.body ?? null,
          draft: true,
          prerelease: false,
          immutable: false,
          created: now(),
          published: null,
          assets: (init.assets ?? []).map(({ name, data, digest }) => {
            const asset = storedAsset({ name, contentType: 'application/octet-stream', data: Buffer.from(data) })
            return digest === null ? { ...asset, digest } : asset
          }),
        }
        if (!init.draft) publish(repository, release)
        repository.releases.push(release)
        return release
      },
      inject(fault: Fault): void {
        faults.push(fault)
      },
      /** GitHub's primary rate limit answer: 403, no requests left, reset `resetIn` s from now. */
      rateLimit(times: number, resetIn: number): void {
        faults.push({
          times,
          status: 403,
          body: {
            message: 'API rate limit exceeded for user ID 1.',
            documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`,
            status: '403',
          },
          headers: () => ({
            'x-ratelimit-remaining': '0',
            'x-ratelimit-used': String(RATE_LIMIT),
            'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + resetIn),
          }),
        })
      },
      async stop(): Promise<void> {
        await Promise.all(
          servers.map(
            (s) =>
              new Promise<void>((resolve) => {
                s.close(() => resolve())
                s.closeAllConnections()
              }),
          ),
        )
      },
    }
  })()
}

export type GithubStandin = Awaited<ReturnType<typeof startGithubStandin>>
