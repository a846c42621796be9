// The engine's answers a converged step reads (that it runs, and the inspects of a container,
// network, volume or image) asked over the Engine API: one HTTP request on the engine's socket
// each. Through the docker CLI each was a process of its own, and the first one loaded zx: a step
// that found everything in place spent most of its time starting `docker`. What the API cannot
// answer plainly (an engine reached over ssh or TLS, a refused connection, an odd status) comes
// back undefined, and the caller asks the docker CLI, whose failures errors.ts explains.
import { type Endpoint, engineCall, engineEndpoint, readBody } from './api.ts'
import { chooseApi } from './api-version.ts'

type Reader = { endpoint: Exclude<Endpoint, { kind: 'cli' }>; version: string }

/** By what chooses the engine (engineEndpoint): a test that points DOCKER_HOST elsewhere gets another. */
const readers = new Map<string, Promise<Reader | 'silent' | undefined>>()

/** The engine took the connection and said nothing by the deadline. */
const SILENT = new Error('silent')

/**
 * The engine's newest API version, from `GET /_ping` (its `Api-Version` header, as the docker CLI
 * asks it): an answer of milliseconds, where `/version` asks containerd and runc theirs first.
 */
async function ping(endpoint: Exclude<Endpoint, { kind: 'cli' }>, timeoutMs: number): Promise<string | undefined> {
  const call = engineCall(endpoint, { method: 'GET', path: '/_ping' })
  const deadline = setTimeout(() => call.request.destroy(SILENT), timeoutMs)
  try {
    const response = await call.response
    await readBody(response)
    const header = response.headers['api-version']
    return response.statusCode === 200 && typeof header === 'string' ? header : undefined
  } finally {
    clearTimeout(deadline)
  }
}

/**
 * The endpoint and the API version to read with, asked once per run: 'silent' when the engine
 * took the connection and said nothing within `timeoutMs`; undefined when the CLI should ask
 * (an engine older than the oldest version this tool speaks, too: the CLI says what to do).
 */
export function apiReader(
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Reader | 'silent' | undefined> {
  const key = [env.DOCKER_HOST, env.DOCKER_CONTEXT, env.DOCKER_CONFIG, env.DOCKER_TLS_VERIFY].join('\n')
  let reader = readers.get(key)
  if (!reader) {
    reader = (async () => {
      const endpoint = await engineEndpoint(env)
      if (endpoint.kind === 'cli') return undefined
      const newest = await ping(endpoint, timeoutMs)
      if (!newest) return undefined
      // An engine whose oldest version is above the one chosen here refuses the reads with a 400,
      // and each goes to the CLI, which explains it.
      const choice = chooseApi({ newest })
      return choice.kind === 'speak' ? { endpoint, version: choice.version } : undefined
    })().catch((error: unknown) => {
      if (error === SILENT) return 'silent' as const
      // Not kept: the engine may be up at the next ask (a step that starts it, a test).
      readers.delete(key)
      return undefined
    })
    readers.set(key, reader)
  }
  return reader
}

/** `GET <path>` on the negotiated version: status and body, or undefined when the CLI should ask. */
export async function apiGet(path: string, timeoutMs: number): Promise<{ status: number; body: string } | undefined> {
  const api = await apiReader(timeoutMs)
  if (!api || api === 'silent') return undefined
  const call = engineCall(api.endpoint, { method: 'GET', path, version: api.version })
  const deadline = setTimeout(() => call.request.destroy(new Error('no answer in time')), timeoutMs)
  try {
    const response = await call.response
    return { status: response.statusCode ?? 0, body: await readBody(response) }
  } catch {
    return undefined
  } finally {
    clearTimeout(deadline)
  }
}

export type InspectKind = 'container' | 'network' | 'volume' | 'image'

/** Where each kind's inspect lives; an image reference keeps its slashes, as the CLI sends it. */
const inspectPath: Record<InspectKind, (name: string) => string> = {
  container: (name) => `/containers/${encodeURIComponent(name)}/json`,
  network: (name) => `/networks/${encodeURIComponent(name)}`,
  volume: (name) => `/volumes/${encodeURIComponent(name)}`,
  image: (name) => `/images/${encodeURI(name)}/json`,
}

/**
 * What `docker <kind> inspect --format '{{json .}}' <name>` prints (the CLI prints the API's own
 * object): `{ found }`, with undefined for no such object (404), or undefined when the CLI should ask.
 */
export async function apiInspect<T>(
  kind: InspectKind,
  name: string,
  timeoutMs: number,
): Promise<{ found: T | undefined } | undefined> {
  const answer = await apiGet(inspectPath[kind](name), timeoutMs)
  if (answer?.status === 200) return { found: JSON.parse(answer.body) as T }
  if (answer?.status === 404) return { found: undefined }
  return undefined
}

/** `docker ps --all --filter label=<label>=<value> --format '{{.Names}}'`, sorted; undefined: ask the CLI. */
export async function apiContainersLabelled(
  label: string,
  value: string,
  timeoutMs: number,
): Promise<string[] | undefined> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`${label}=${value}`] }))
  const answer = await apiGet(`/containers/json?all=1&filters=${filters}`, timeoutMs)
  if (answer?.status !== 200) return undefined
  // The API names a container `/name`, as the engine keeps it; the CLI shows it without the slash.
  return (JSON.parse(answer.body) as { Names?: string[] }[]).map((c) => (c.Names?.[0] ?? '').replace(/^\//, '')).sort()
}
