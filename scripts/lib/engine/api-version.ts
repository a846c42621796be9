// Which Engine API version to speak to an engine, chosen as the docker CLI chooses it: ask the
// engine which versions it serves (`GET /version`, unversioned, so any engine answers it), then
// speak the newest one both sides know. Engines differ: Docker 20.10 serves up to 1.41, Docker
// 29.0–29.2 refuse anything below 1.44, and a newer engine still serves older versions.
import { t } from '../output/i18n.ts'
import { fail, type StepError } from '../step/fail.ts'
import { CLIENT_API, type Endpoint, engineCall, engineMessage, readBody } from './api.ts'

/** What the engine says of itself: its release and the API versions it serves. */
export interface EngineVersions {
  /** The engine's release, e.g. `29.1.3`. */
  release?: string
  /** Its newest (and default) API version. */
  newest: string
  /** Its oldest; unknown for engines before API 1.25. */
  oldest?: string
}

export type ApiChoice =
  | { kind: 'speak'; version: string; engine: EngineVersions }
  /** The engine is older than every version this client speaks: the docker CLI pulls. */
  | { kind: 'engine-older'; engine: EngineVersions }
  /** The engine refuses every version this client speaks. */
  | { kind: 'engine-newer'; engine: EngineVersions }

/** `1.9` < `1.41` < `1.52`: part by part, as moby's versions.LessThan compares. */
export function compareApi(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return Math.sign(d)
  }
  return 0
}

/** The newest version both sides know, or why there is none. */
export function chooseApi(engine: EngineVersions, client: { oldest: string; newest: string } = CLIENT_API): ApiChoice {
  const version = compareApi(engine.newest, client.newest) < 0 ? engine.newest : client.newest
  if (compareApi(version, client.oldest) < 0) return { kind: 'engine-older', engine }
  if (engine.oldest && compareApi(engine.oldest, version) > 0) return { kind: 'engine-newer', engine }
  return { kind: 'speak', version, engine }
}

/** `Docker 29.1.3 (API 1.44–1.52)`, for messages. */
export function describeEngine(engine: EngineVersions): string {
  const range = engine.oldest ? `${engine.oldest}–${engine.newest}` : engine.newest
  return `Docker ${engine.release ?? '?'} (API ${range})`
}

/**
 * The engine refuses every version this client speaks (its answer: `client version … is too old`).
 * The fix is a client that speaks its version, or an engine told to serve older clients.
 */
export function apiTooOld(address: string, engine: EngineVersions): StepError {
  const oldest = engine.oldest ?? '?'
  return fail(
    t(
      'the Docker engine at {address}, {describeEngine}, refuses Engine API {newest} ' +
        'and older as too old, and {newest} is the newest this tool speaks (docker: ' +
        'client version too old)',
      { address, describeEngine: describeEngine(engine), newest: CLIENT_API.newest },
    ),
    t(
      'update this project (`git pull && make build`) to a version that speaks API ' +
        '{oldest}; until then, let the engine serve older clients: set ' +
        "DOCKER_MIN_API_VERSION={newest} in dockerd's environment " +
        '(`sudo systemctl edit docker`, then restart it)',
      { oldest, newest: CLIENT_API.newest },
    ),
  )
}

/** The engine's own "too old" answer (`Minimum supported API version is 1.44`), when it says so. */
export function tooOldAnswer(said: string): string | undefined {
  return /client version \S+ is too old/i.test(said)
    ? (said.match(/minimum supported API version is ([\d.]+)/i)?.[1] ?? '?')
    : undefined
}

/** The engine did not take a connection: it is stopped, or DOCKER_HOST leads elsewhere. */
export function engineUnreachable(address: string, code: string): StepError {
  return fail(
    t('the Docker engine at {address} did not take the connection ({code})', { address, code }),
    t('check that dockerd runs and that DOCKER_HOST is right (`make doctor`)'),
  )
}

async function askVersions(endpoint: Exclude<Endpoint, { kind: 'cli' }>): Promise<EngineVersions> {
  const call = engineCall(endpoint, { method: 'GET', path: '/version' })
  const response = await call.response.catch((error: NodeJS.ErrnoException) => {
    throw engineUnreachable(endpoint.address, error.code ?? error.message)
  })
  const body = await readBody(response)
  // Every answer carries the engine's newest version in a header, whatever its body.
  const header = response.headers['api-version']
  const newestHeader = typeof header === 'string' ? header : undefined
  if (response.statusCode !== 200) {
    if (newestHeader) return { newest: newestHeader }
    throw fail(
      t('the Docker engine at {address} did not say its API version (HTTP {statusCode}: {engineMessage})', {
        address: endpoint.address,
        statusCode: String(response.statusCode),
        engineMessage: engineMessage(body),
      }),
      t('check that DOCKER_HOST leads to a Docker engine (`make doctor`)'),
    )
  }
  const parsed = JSON.parse(body) as { Version?: string; ApiVersion?: string; MinAPIVersion?: string }
  // An engine that says nothing is older than API 1.25 (when /version gained it): the CLI assumes 1.24.
  const newest = parsed.ApiVersion ?? newestHeader ?? '1.24'
  return { release: parsed.Version, newest, oldest: parsed.MinAPIVersion }
}

const asked = new Map<string, Promise<ApiChoice>>()

/** The API version to speak to `endpoint`, asked once per run and engine address. */
export function negotiateApi(endpoint: Exclude<Endpoint, { kind: 'cli' }>): Promise<ApiChoice> {
  let choice = asked.get(endpoint.address)
  if (!choice) {
    choice = askVersions(endpoint).then((engine) => chooseApi(engine))
    // A failed ask is not kept: the next caller asks again (the engine may be back).
    choice.catch(() => asked.delete(endpoint.address))
    asked.set(endpoint.address, choice)
  }
  return choice
}
