// The Docker Engine API spoken directly (HTTP over the engine's unix socket, or plain TCP), for what
// the docker CLI cannot give a program: a pull's progress, layer by layer, as a stream of JSON lines;
// and for the reads a converged step makes, one request each instead of a docker process each
// (api-read.ts). Changes go through the CLI (cli.ts). Where the engine is reached in a way we do not
// speak (ssh://, TLS, a Windows pipe), `engineEndpoint` says so and the caller falls back to the CLI.
import { readFileSync } from 'node:fs'
import type { ClientRequest, IncomingMessage } from 'node:http'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { http } from '../step/builtins.ts'
import { zx } from '../step/shell.ts'

/**
 * The Engine API versions this client speaks, negotiated per engine as the docker CLI does (the
 * newest both sides know). 1.41 is Docker 20.10's (Debian bookworm's docker.io). The newest is the
 * one whose changelog (moby api/docs/CHANGELOG.md) we read for what we use: `POST /images/create`'s
 * stream changed only by deprecating its `error` and `progress` fields (1.48), and the stream
 * parser reads `errorDetail` and `progressDetail` first (PullMessage pins that shape). Docker
 * 29.0–29.2 refuse anything below 1.44, 29.3 and later accept 1.40 again.
 */
export const CLIENT_API = { oldest: '1.41', newest: '1.52' } as const

const DEFAULT_SOCKET = '/var/run/docker.sock'

export type Endpoint =
  | { kind: 'unix'; socketPath: string; address: string }
  | { kind: 'tcp'; host: string; port: number; address: string }
  /** Reached in a way this module does not speak: the CLI does the work. */
  | { kind: 'cli'; address: string; reason: string }

/** What `GET /info` (or `docker info`) tells about the engine; only the fields we read. */
export interface EngineInfo {
  Name?: string
  ServerVersion?: string
  OperatingSystem?: string
  OSType?: string
  Architecture?: string
  DockerRootDir?: string
  Runtimes?: Record<string, unknown>
  CDISpecDirs?: string[] | null
  HttpProxy?: string
  HttpsProxy?: string
  RegistryConfig?: {
    Mirrors?: string[] | null
    IndexConfigs?: Record<string, { Name: string; Secure: boolean; Mirrors?: string[] | null }>
  }
}

/** Docker Desktop runs the engine in a VM: its paths, disks and devices are not this machine's. */
export function isDockerDesktop(info: EngineInfo): boolean {
  return /docker desktop/i.test(info.OperatingSystem ?? '')
}

/** Where DOCKER_HOST (or an address a context names) leads, for this module. */
export function parseDockerHost(address: string, env: NodeJS.ProcessEnv = process.env): Endpoint {
  if (address.startsWith('unix://')) return { kind: 'unix', socketPath: address.slice('unix://'.length), address }
  if (address.startsWith('tcp://')) {
    if (env.DOCKER_TLS_VERIFY) {
      return { kind: 'cli', address, reason: 'TLS (DOCKER_TLS_VERIFY)' }
    }
    const url = new URL(address.replace(/^tcp:/, 'http:'))
    // The CLI's defaults: 2375 for plain TCP.
    return { kind: 'tcp', host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 2375), address }
  }
  return { kind: 'cli', address, reason: address.split('://')[0] ?? address }
}

/** The current docker context's name, when it is not the default one (`docker context use`). */
function currentContext(env: NodeJS.ProcessEnv): string | undefined {
  if (env.DOCKER_CONTEXT) return env.DOCKER_CONTEXT === 'default' ? undefined : env.DOCKER_CONTEXT
  try {
    const dir = env.DOCKER_CONFIG || join(homedir(), '.docker')
    const name = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { currentContext?: string })
      .currentContext
    return name && name !== 'default' ? name : undefined
  } catch {
    return undefined
  }
}

/**
 * The engine the docker CLI would talk to: DOCKER_HOST first, then the current context (Docker
 * Desktop on macOS uses the context `desktop-linux`, whose socket is ~/.docker/run/docker.sock),
 * then the default socket.
 */
export async function engineEndpoint(env: NodeJS.ProcessEnv = process.env): Promise<Endpoint> {
  if (env.DOCKER_HOST) return parseDockerHost(env.DOCKER_HOST, env)
  const context = currentContext(env)
  if (!context) return { kind: 'unix', socketPath: DEFAULT_SOCKET, address: `unix://${DEFAULT_SOCKET}` }
  const { $ } = await zx()
  const out = await $({ quiet: true, nothrow: true, timeout: 10_000 })`docker context inspect ${context}`
  try {
    const [inspected] = JSON.parse(out.stdout) as {
      Endpoints?: { docker?: { Host?: string } }
      TLSMaterial?: { docker?: unknown[] }
    }[]
    const host = inspected?.Endpoints?.docker?.Host
    if (!host) throw new Error('no docker endpoint')
    if (inspected?.TLSMaterial?.docker?.length)
      return { kind: 'cli', address: host, reason: `TLS (context ${context})` }
    return parseDockerHost(host, {})
  } catch {
    return { kind: 'cli', address: `context ${context}`, reason: `context ${context}` }
  }
}

/** Reached through a socket file or a loopback address: the engine may run on this machine. */
export function endpointOnThisMachine(endpoint: Endpoint): boolean {
  if (endpoint.kind === 'unix') return true
  return endpoint.kind === 'tcp' && /^(localhost|127\.|::1$)/.test(endpoint.host)
}

let onThisMachine: Promise<boolean> | undefined

/**
 * Whether the engine runs on this machine (DOCKER_HOST, else the docker context), asked once per
 * run: only then are its published ports ours to probe and its GPU hooks ours to look for.
 */
export function engineOnThisMachine(): Promise<boolean> {
  onThisMachine ??= engineEndpoint().then(endpointOnThisMachine, () => false)
  return onThisMachine
}

export interface EngineRequest {
  method: 'GET' | 'POST'
  /** Path after the version, e.g. `/images/create?fromImage=…`. */
  path: string
  /** The negotiated API version (`negotiateApi`); none: the engine's default, for `/version` itself. */
  version?: string
  headers?: Record<string, string>
}

export interface EngineCall {
  /** The request: destroy() it to close the connection, which cancels a pull. */
  request: ClientRequest
  /** Settles with the response head; the body is left to the caller to read. */
  response: Promise<IncomingMessage>
}

/**
 * Sends one request to the engine and returns at once. No deadline here: the caller decides when
 * silence means a stall (a pull may legitimately take an hour) and destroys the request then.
 */
export function engineCall(endpoint: Exclude<Endpoint, { kind: 'cli' }>, call: EngineRequest): EngineCall {
  const target =
    endpoint.kind === 'unix' ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port }
  const path = call.version ? `/v${call.version}${call.path}` : call.path
  // --verbose: the curl a learner can type to ask the engine the same; header values are not shown.
  log.command(
    [
      'curl',
      ...(endpoint.kind === 'unix'
        ? ['--unix-socket', endpoint.socketPath, '-X', call.method, `http://docker${path}`]
        : []),
      ...(endpoint.kind === 'tcp' ? ['-X', call.method, `http://${endpoint.host}:${endpoint.port}${path}`] : []),
      ...Object.keys(call.headers ?? {}).flatMap((name) => ['-H', `${name}: ****`]),
    ],
    t('the Engine API, as the docker CLI speaks it'),
  )
  const req = http().request({
    ...target,
    method: call.method,
    path,
    headers: { Host: 'docker', ...call.headers },
  })
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve)
    req.once('error', reject)
  })
  // Unhandled otherwise when the caller destroys the request before awaiting the response.
  response.catch(() => {})
  req.end()
  return { request: req, response }
}

/** Reads a whole (small) response body as text. */
export async function readBody(response: IncomingMessage): Promise<string> {
  let text = ''
  response.setEncoding('utf8')
  for await (const chunk of response) text += chunk
  return text
}

/** The daemon's `{"message": …}` error body, or the raw text when it is something else. */
export function engineMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body.trim()
  } catch {
    return body.trim()
  }
}
