// The steps' HTTP client, on node:http. Node's own fetch (undici) cost a step about 230 ms of wall
// time for one local GET: ~30 ms to load, and at exit the process waited ~150 ms for V8 to finish
// compiling undici's WebAssembly HTTP parser in the background. A converged step sends two or three
// local requests; node:http's built-in parser costs none of that. Errors keep fetch's shape, so a
// caller reads them one way: a TimeoutError past the deadline, otherwise an Error whose `cause` is
// the socket's error (its `code`: ECONNREFUSED, ENOTFOUND, ...).
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http'
import { http, https } from './builtins.ts'

export interface HttpOptions {
  method?: string
  headers?: OutgoingHttpHeaders
  body?: string | Uint8Array
  /** The whole exchange's deadline; without one, only `signal` ends a request that hangs. */
  timeoutMs?: number
  /** Ends the request early, rejecting with the signal's reason (fetch's `signal`). */
  signal?: AbortSignal
}

export interface HttpAnswer {
  status: number
  /** 2xx, as fetch's `ok`. */
  ok: boolean
  /** The answer's headers as they came: name, value, name, value, ... */
  rawHeaders: string[]
  body: Buffer
  text: string
}

/** The error a request that ran past its deadline rejects with, named as fetch names it. */
function timeoutError(timeoutMs: number): Error {
  return Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { name: 'TimeoutError' })
}

/** Sends one request and reads the whole answer. */
export function httpRequest(url: string | URL, options: HttpOptions): Promise<HttpAnswer> {
  const target = new URL(url)
  const { method = 'GET', headers = {}, body, timeoutMs, signal } = options
  return new Promise<HttpAnswer>((resolve, reject) => {
    const request = (target.protocol === 'https:' ? https() : http()).request(target, { method, headers })
    // The timer holds the process while the request waits, as fetch's pending request did.
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => stop(timeoutError(timeoutMs)), timeoutMs)
    const abort = () => stop(signal?.reason)
    let settled = false
    const settle = () => {
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', abort)
    }
    /** Ends the exchange with `error` as it is: a deadline or an abort the caller asked for. */
    function stop(error: unknown) {
      if (settled) return
      settle()
      request.destroy()
      reject(error)
    }
    const failed = (error: NodeJS.ErrnoException) => {
      if (settled) return
      settle()
      reject(Object.assign(new Error(`${method} ${target.href}: ${error.code ?? error.message}`), { cause: error }))
    }
    signal?.addEventListener('abort', abort, { once: true })
    request.on('error', failed)
    request.on('response', (answer: IncomingMessage) => {
      const chunks: Buffer[] = []
      answer.on('data', (chunk: Buffer) => chunks.push(chunk))
      answer.on('error', failed)
      answer.on('end', () => {
        if (settled) return
        settle()
        const status = answer.statusCode ?? 0
        const all = Buffer.concat(chunks)
        resolve({
          status,
          ok: status >= 200 && status < 300,
          rawHeaders: answer.rawHeaders,
          body: all,
          text: all.toString(),
        })
      })
    })
    if (signal?.aborted) abort()
    else request.end(body)
  })
}

/** Statuses a Response may not be given a body for. */
const NO_BODY = new Set([101, 204, 205, 304])

/**
 * fetch's signature over httpRequest, for a client written against fetch (openapi-fetch). Builds a
 * real Response, which loads undici's JavaScript (~20 ms) but never its WebAssembly parser.
 */
export async function httpFetch(input: Request | string | URL, init: RequestInit = {}): Promise<Response> {
  const request = input instanceof Request ? input : new Request(input, init)
  const method = request.method
  const body = method === 'GET' || method === 'HEAD' ? undefined : new Uint8Array(await request.arrayBuffer())
  const answer = await httpRequest(request.url, {
    method,
    headers: Object.fromEntries(request.headers),
    body,
    signal: init.signal ?? undefined,
  })
  const headers = new Headers()
  for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2)
    headers.append(answer.rawHeaders[i]!, answer.rawHeaders[i + 1]!)
  const empty = NO_BODY.has(answer.status) || method === 'HEAD'
  return new Response(empty ? null : answer.body, { status: answer.status, headers })
}
