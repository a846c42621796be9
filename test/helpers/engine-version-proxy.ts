// A Docker engine of another release, in front of the real one (Docker 20.10, API 1.41): a unix
// socket that serves the API versions that release serves and refuses the others with the
// daemon's own 400 answers (moby daemon/server/middleware/version.go), reports that release in
// `/version` and in every answer's `Api-Version` and `Server` headers, and passes everything else
// to the real engine unchanged, at a version it serves. Point DOCKER_HOST at it and both the
// docker CLI and the tool's own Engine API client meet, say, Docker 29.1, which refuses API 1.41.
// A test may change other answers as well (`edits`): the `/info` of a host with another runtime.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compareApi } from '../../scripts/lib/engine/api-version.ts'
import { REAL_SOCKET, spliceToEngine } from './engine-proxy.ts'

/** The newest version the real engine here serves: what a request is passed on with, at most. */
const REAL_NEWEST = '1.41'

export interface EngineRelease {
  release: string
  /** Its oldest API version (DOCKER_MIN_API_VERSION's default in that release). */
  oldest: string
  newest: string
}

/** Docker 29.0–29.2 refuse everything below 1.44 (moby's defaultMinAPIVersion then). */
export const DOCKER_29_1: EngineRelease = { release: '29.1.3', oldest: '1.44', newest: '1.52' }
/** Debian bookworm's docker.io: the engine here, as itself. */
export const DOCKER_20_10: EngineRelease = { release: '20.10.24', oldest: '1.12', newest: '1.41' }

export interface VersionProxy {
  /** `unix:///…/docker.sock`, for DOCKER_HOST. */
  host: string
  /** Every request as it arrived (`POST /v1.52/images/create?…`). */
  requests: string[]
  /** The requests refused for their version, with the answer. */
  refused: string[]
  close(): Promise<void>
}

/** `/v1.52/images/create` → the version and the path after it. */
function split(url: string): { version?: string; rest: string } {
  const m = url.match(/^\/v([\d.]+)(\/.*)$/)
  return m ? { version: m[1], rest: m[2]! } : { rest: url }
}

/** The daemon's answer to a version it does not serve, or undefined when it serves it. */
function refusal(version: string | undefined, release: EngineRelease): string | undefined {
  if (!version) return undefined
  if (compareApi(version, release.oldest) < 0) {
    return (
      `client version ${version} is too old. Minimum supported API version is ${release.oldest}, ` +
      'please upgrade your client to a newer version'
    )
  }
  if (compareApi(version, release.newest) > 0) {
    return `client version ${version} is too new. Maximum supported API version is ${release.newest}`
  }
  return undefined
}

/** The path the real engine is asked: the same, at a version it serves. */
function passedOn(version: string | undefined, rest: string): string {
  if (!version) return rest
  return `/v${compareApi(version, REAL_NEWEST) > 0 ? REAL_NEWEST : version}${rest}`
}

function releaseHeaders(headers: IncomingMessage['headers'], release: EngineRelease) {
  return { ...headers, 'api-version': release.newest, server: `Docker/${release.release} (linux)` }
}

/** Changes to the real engine's JSON answer to a path (`/info`), made in place: a host that differs in that. */
export type AnswerEdits = Record<string, (answer: Record<string, unknown>) => void>

/** `/version`: the real answer, as that release would give it. */
function asRelease(release: EngineRelease) {
  return (v: Record<string, unknown>) => {
    Object.assign(v, { Version: release.release, ApiVersion: release.newest, MinAPIVersion: release.oldest })
    const components = (v.Components ?? []) as { Name: string; Version: string; Details?: Record<string, string> }[]
    for (const c of components) {
      if (c.Name !== 'Engine') continue
      c.Version = release.release
      Object.assign(c.Details ?? {}, { ApiVersion: release.newest, MinAPIVersion: release.oldest })
    }
  }
}

export async function startVersionProxy(release: EngineRelease, edits: AnswerEdits = {}): Promise<VersionProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'engine-as-'))
  const path = join(dir, 'docker.sock')
  const requests: string[] = []
  const refused: string[] = []
  const sockets = new Set<Socket>()

  const refuse = (line: string, said: string) => {
    refused.push(`${line}: ${said}`)
    return JSON.stringify({ message: said })
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const line = `${req.method} ${req.url}`
    requests.push(line)
    const { version, rest } = split(req.url ?? '/')
    const said = refusal(version, release)
    if (said) {
      res.writeHead(400, releaseHeaders({ 'content-type': 'application/json' }, release))
      res.end(`${refuse(line, said)}\n`)
      return
    }
    const path = rest.split('?')[0]!
    const edit = path === '/version' ? asRelease(release) : edits[path]
    const upstream = request(
      { socketPath: REAL_SOCKET, method: req.method, path: passedOn(version, rest), headers: req.headers },
      (up) => {
        const headers = releaseHeaders(up.headers, release)
        if (!edit) {
          res.writeHead(up.statusCode ?? 502, headers)
          // Now, not with the first byte of the body: `docker run` waits for the head of /wait.
          res.flushHeaders()
          up.pipe(res)
          return
        }
        let body = ''
        up.setEncoding('utf8')
        up.on('data', (chunk: string) => {
          body += chunk
        })
        up.on('end', () => {
          const v = JSON.parse(body) as Record<string, unknown>
          edit(v)
          const text = `${JSON.stringify(v)}\n`
          delete headers['transfer-encoding']
          res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': String(Buffer.byteLength(text)) })
          res.end(text)
        })
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })

  // `docker exec`, `docker attach`: the connection is taken over (HTTP Upgrade) and then raw.
  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const line = `${req.method} ${req.url}`
    requests.push(line)
    sockets.add(client)
    const { version, rest } = split(req.url ?? '/')
    const said = refusal(version, release)
    if (said) {
      const body = refuse(line, said)
      client.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      )
      return
    }
    const headers: string[] = []
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
    spliceToEngine(client, sockets, [
      `${req.method} ${passedOn(version, rest)} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`,
      head,
    ])
    client.on('close', () => sockets.delete(client))
  })

  await new Promise<void>((resolve) => server.listen(path, resolve))
  return {
    host: `unix://${path}`,
    requests,
    refused,
    async close() {
      for (const s of sockets) s.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
