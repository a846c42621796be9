// What an image reference names (registry, repository, tag), and what that registry says about it
// (does it answer, is the tag there, how many compressed bytes its layers weigh), asked directly
// with the registry's HTTP API v2 and a short deadline. Used before a pull (disk space, a total
// for the progress bar) and by `make doctor`. Only a help: the pull itself is the engine's.
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { credentialsFor, loginName } from './registry-auth.ts'

export interface ImageRef {
  /** The image as written, without its tag or digest: what the engine's `fromImage` takes. */
  name: string
  /** Registry host[:port]; `docker.io` for Docker Hub. */
  registry: string
  /** Repository path inside the registry, e.g. `library/nginx`, `nvidia/tritonserver`. */
  repository: string
  /** Tag, or the digest when the reference pins one (`sha256:…`). */
  reference: string
}

/** The docker CLI's normalisation: `nginx` is `docker.io/library/nginx:latest`. */
export function parseImageRef(image: string): ImageRef {
  let rest = image
  let reference: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    reference = rest.slice(at + 1)
    rest = rest.slice(0, at)
  }
  const tagAt = rest.lastIndexOf(':')
  const name = tagAt > rest.lastIndexOf('/') ? rest.slice(0, tagAt) : rest
  const slash = rest.indexOf('/')
  const first = slash >= 0 ? rest.slice(0, slash) : ''
  // A first component with a dot or a port, or `localhost`, is a registry; anything else is a Hub path.
  const hasRegistry = slash >= 0 && (/[.:]/.test(first) || first === 'localhost') && first === first.toLowerCase()
  let registry = hasRegistry ? first : 'docker.io'
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = 'docker.io'
  let repository = hasRegistry ? rest.slice(slash + 1) : rest
  const colon = repository.lastIndexOf(':')
  if (colon > repository.lastIndexOf('/')) {
    reference ??= repository.slice(colon + 1)
    repository = repository.slice(0, colon)
  }
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`
  return { name, registry, repository, reference: reference ?? 'latest' }
}

/** Registries Docker reaches over plain HTTP without being told: 127.0.0.0/8 (and the name localhost). */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
  return host === 'localhost' || /^127\./.test(host) || host === '::1'
}

export interface Platform {
  os: string
  architecture: string
  variant?: string
}

/** The engine's `Architecture` (uname -m) as an image platform. */
export function enginePlatform(info: { OSType?: string; Architecture?: string }): Platform {
  const os = info.OSType || 'linux'
  switch (info.Architecture) {
    case 'x86_64':
      return { os, architecture: 'amd64' }
    case 'aarch64':
      return { os, architecture: 'arm64' }
    case 'armv7l':
      return { os, architecture: 'arm', variant: 'v7' }
    default:
      return { os, architecture: info.Architecture || 'amd64' }
  }
}

export type Lookup =
  | {
      kind: 'found'
      /** Compressed bytes of the layers and config, what a pull transfers at most. */
      bytes: number
      layers: { digest: string; size: number }[]
      /** The registry that answered (a mirror for Docker Hub images, when one is set). */
      via: string
      /** Who it answered to (`docker login`), when the registry asked for a login. */
      login?: string
    }
  | { kind: 'not-found'; via: string; detail: string }
  | { kind: 'denied'; via: string; detail: string }
  /** The registry refused the stored login itself (HTTP 401 with credentials): a wrong password. */
  | { kind: 'wrong-login'; via: string; detail: string; login: string }
  | { kind: 'no-platform'; via: string; platforms: string[] }
  /** No answer within the deadline, a refused connection, a DNS failure, a 5xx. */
  | { kind: 'unreachable'; via: string; detail: string }

export interface LookupOptions {
  timeoutMs: number
  /** Ends the lookup early, as the deadline would. */
  signal?: AbortSignal
  platform: Platform
  /** `registry-mirrors` of the engine: tried first for Docker Hub images, as the engine does. */
  mirrors?: string[]
  /** Registries the engine was told to reach over plain HTTP (besides loopback). */
  insecure?: (registry: string) => boolean
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ')

interface Manifest {
  mediaType?: string
  manifests?: { digest: string; platform?: Platform }[]
  config?: { size: number }
  layers?: { digest: string; size: number }[]
}

class Answer extends Error {
  constructor(readonly lookup: Lookup) {
    super(lookup.kind)
  }
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters. */
function challenge(header: string | null): { scheme: string; params: Record<string, string> } | undefined {
  if (!header) return undefined
  const scheme = header.split(' ')[0]!.toLowerCase()
  const params: Record<string, string> = {}
  for (const m of header.matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!] = m[2]!
  return { scheme, params }
}

/** One registry base URL: fetches manifests, answering the auth challenge once. */
function session(base: string, registry: string, repository: string, signal: AbortSignal) {
  let authorization: string | undefined
  /** Who we logged in as, once credentials were sent. */
  let login: string | undefined
  const errorDetail = async (r: Response) => {
    const text = await r.text().catch(() => '')
    try {
      const body = JSON.parse(text) as { errors?: { message?: string }[] }
      return body.errors?.[0]?.message ?? `HTTP ${r.status}`
    } catch {
      return `HTTP ${r.status}`
    }
  }
  const authorize = async (header: string | null): Promise<boolean> => {
    const c = challenge(header)
    const credentials = await credentialsFor(registry)
    if (credentials) login = loginName(credentials)
    const basic =
      credentials && 'password' in credentials
        ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
        : undefined
    if (c?.scheme === 'basic') {
      authorization = basic
      return Boolean(basic)
    }
    if (c?.scheme !== 'bearer' || !c.params.realm) return false
    const url = new URL(c.params.realm)
    if (c.params.service) url.searchParams.set('service', c.params.service)
    url.searchParams.set('scope', c.params.scope ?? `repository:${repository}:pull`)
    log.request({ url: url.toString(), authorization: basic })
    const r = await fetch(url, { signal, headers: basic ? { Authorization: basic } : {} })
    if (!r.ok) return false
    const body = (await r.json()) as { token?: string; access_token?: string }
    const token = body.token ?? body.access_token
    authorization = token ? `Bearer ${token}` : undefined
    return Boolean(token)
  }
  const manifest = async (reference: string): Promise<Manifest> => {
    const url = `${base}/v2/${repository}/manifests/${reference}`
    const get = () => {
      log.request({ url, authorization })
      return fetch(url, {
        signal,
        headers: { Accept: ACCEPT, ...(authorization ? { Authorization: authorization } : {}) },
      })
    }
    let r = await get()
    if (r.status === 401 && (await authorize(r.headers.get('www-authenticate')))) r = await get()
    if (r.status === 401 && login) {
      throw new Answer({ kind: 'wrong-login', via: base, detail: await errorDetail(r), login })
    }
    if (r.status === 401 || r.status === 403) {
      throw new Answer({ kind: 'denied', via: base, detail: await errorDetail(r) })
    }
    if (r.status === 404) throw new Answer({ kind: 'not-found', via: base, detail: await errorDetail(r) })
    if (!r.ok) throw new Answer({ kind: 'unreachable', via: base, detail: await errorDetail(r) })
    return (await r.json()) as Manifest
  }
  return { manifest, loggedInAs: () => login }
}

const platformName = (p?: Platform) => (p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : '?')

async function lookupAt(base: string, ref: ImageRef, options: LookupOptions, signal: AbortSignal): Promise<Lookup> {
  const { manifest, loggedInAs } = session(base, ref.registry, ref.repository, signal)
  let m = await manifest(ref.reference)
  if (m.manifests) {
    const { os, architecture, variant } = options.platform
    const match =
      m.manifests.find(
        (e) =>
          e.platform?.os === os &&
          e.platform.architecture === architecture &&
          (!variant || !e.platform.variant || e.platform.variant === variant),
      ) ?? undefined
    if (!match) {
      return { kind: 'no-platform', via: base, platforms: m.manifests.map((e) => platformName(e.platform)) }
    }
    m = await manifest(match.digest)
  }
  const layers = m.layers ?? []
  const bytes = layers.reduce((n, l) => n + l.size, m.config?.size ?? 0)
  return { kind: 'found', bytes, layers, via: base, login: loggedInAs() }
}

function reason(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } }
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return t('no answer in time')
  const code = e.cause?.code
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return t('its name does not resolve (DNS)')
  if (code === 'ECONNREFUSED') return t('connection refused')
  if (code === 'ECONNRESET') return t('connection reset')
  return code ?? e.cause?.message ?? e.message
}

/**
 * Asks the registry for the image's manifest (the one for the engine's platform) within
 * `timeoutMs` overall. Never throws: every outcome is a Lookup.
 */
export async function lookupImage(image: string, options: LookupOptions): Promise<Lookup> {
  const ref = parseImageRef(image)
  const plain = isLoopbackRegistry(ref.registry) || options.insecure?.(ref.registry)
  const official =
    ref.registry === 'docker.io' ? 'https://registry-1.docker.io' : `http${plain ? '' : 's'}://${ref.registry}`
  const mirrors = ref.registry === 'docker.io' ? (options.mirrors ?? []).map((m) => m.replace(/\/+$/, '')) : []
  const deadline = AbortSignal.timeout(options.timeoutMs)
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline
  let last: Lookup | undefined
  for (const base of [...mirrors, official]) {
    try {
      return await lookupAt(base, ref, options, signal)
    } catch (error) {
      last = error instanceof Answer ? error.lookup : { kind: 'unreachable', via: base, detail: reason(error) }
      // A mirror that lacks the image or fails: the engine goes on to the next one, so do we.
      if (signal.aborted) break
    }
  }
  return last ?? { kind: 'unreachable', via: official, detail: 'no registry to ask' }
}
