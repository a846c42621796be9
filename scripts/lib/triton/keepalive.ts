// One persistent HTTP/1.1 connection that sends pre-encoded requests one at a time. A load
// generator spends most of its CPU in the client: node:http builds a request object, header
// maps and a response stream per call, so on a small machine it starves the server it measures.
// This sends bytes prepared once and reads just the status line, the framing headers and the body.
import net from 'node:net'
import tls from 'node:tls'

export interface Reply {
  status: number
  body: Buffer
}

const HEAD_END = Buffer.from('\r\n\r\n')
const CRLF = Buffer.from('\r\n')

/** The bytes of one request, built once and sent as often as wanted. */
export function encodeRequest(url: URL, method: string, headers: Record<string, string>, body: Buffer): Buffer {
  const lines = [
    `${method} ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    `Content-Length: ${body.length}`,
  ]
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body])
}

interface Head {
  status: number
  bodyStart: number
  length?: number
  chunked: boolean
  close: boolean
}

function parseHead(buffer: Buffer, end: number): Head {
  const lines = buffer.toString('latin1', 0, end).split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1])
  if (!status) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0]?.slice(0, 80))}`)
  const head: Head = {
    status,
    bodyStart: end + HEAD_END.length,
    chunked: false,
    close: lines[0]!.startsWith('HTTP/1.0'),
  }
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':')
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line
      .slice(colon + 1)
      .trim()
      .toLowerCase()
    if (name === 'content-length') head.length = Number(value)
    else if (name === 'transfer-encoding') head.chunked = value.includes('chunked')
    else if (name === 'connection')
      head.close = value.includes('close') || (head.close && !value.includes('keep-alive'))
  }
  // 1xx, 204 and 304 answers have no body whatever the headers say.
  if (status < 200 || status === 204 || status === 304) head.length = 0
  return head
}

/** Decodes a complete chunked body starting at `start`, or returns undefined until it is all there. */
function dechunk(buffer: Buffer, start: number): Buffer | undefined {
  const parts: Buffer[] = []
  let at = start
  for (;;) {
    const lineEnd = buffer.indexOf(CRLF, at)
    if (lineEnd < 0) return undefined
    const size = parseInt(buffer.toString('latin1', at, lineEnd), 16)
    if (Number.isNaN(size)) throw new Error('bad chunk size in a chunked response')
    // The last chunk, then optional trailers, then an empty line.
    if (size === 0) return buffer.indexOf(HEAD_END, lineEnd) >= 0 ? Buffer.concat(parts) : undefined
    if (buffer.length < lineEnd + 2 + size + 2) return undefined
    parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size))
    at = lineEnd + 2 + size + 2
  }
}

export class KeepAliveConnection {
  private socket: net.Socket | undefined
  private buffer: Buffer = Buffer.alloc(0)
  private head: Head | undefined
  private pending: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined

  constructor(
    private readonly url: URL,
    private readonly timeoutMs: number,
  ) {}

  /** Sends one encoded request and resolves with the reply; rejects on a network error or timeout. */
  send(request: Buffer): Promise<Reply> {
    if (this.pending) return Promise.reject(new Error('one request at a time per connection'))
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject }
      this.buffer = Buffer.alloc(0)
      this.head = undefined
      this.connected().write(request)
    })
  }

  /** Closes the connection; a request still waiting for its answer rejects (name AbortError). */
  close(): void {
    const pending = this.pending
    this.pending = undefined
    this.socket?.destroy()
    this.socket = undefined
    pending?.reject(Object.assign(new Error('the request was cut off by the client'), { name: 'AbortError' }))
  }

  private connected(): net.Socket {
    if (this.socket && !this.socket.destroyed) return this.socket
    const port = Number(this.url.port) || (this.url.protocol === 'https:' ? 443 : 80)
    const host = this.url.hostname.replace(/^\[(.*)\]$/, '$1')
    const socket =
      this.url.protocol === 'https:'
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host })
        : net.connect({ host, port })
    socket.setNoDelay(true)
    socket.setTimeout(this.timeoutMs)
    // With nothing listening on a port in the ephemeral range, a connect can pick that same port
    // as its own source and connect to itself (TCP simultaneous open): no server, just an echo.
    socket.once('connect', () => {
      if (socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress) {
        socket.destroy(
          Object.assign(new Error(`connected to itself: nothing listens on port ${port}`), { code: 'ESELFCONNECT' }),
        )
      }
    })
    // A socket given up on (Connection: close, an error) may still speak; only the current one counts.
    const current = () => this.socket === socket
    socket.on('data', (chunk: Buffer) => current() && this.receive(chunk))
    socket.on('timeout', () => socket.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })))
    socket.on('error', (error) => current() && this.settle(error))
    socket.on('close', () => {
      if (!current()) return
      this.socket = undefined
      // A body framed by the end of the connection is complete when the server closes it.
      if (this.head && this.head.length === undefined && !this.head.chunked)
        this.settle(undefined, this.buffer.subarray(this.head.bodyStart))
      else this.settle(Object.assign(new Error('the server closed the connection'), { code: 'ECONNRESET' }))
    })
    this.socket = socket
    return socket
  }

  private receive(chunk: Buffer): void {
    if (!this.pending) return
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk
    try {
      if (!this.head) {
        const end = this.buffer.indexOf(HEAD_END)
        if (end < 0) return
        this.head = parseHead(this.buffer, end)
        if (this.head.status < 200) {
          this.buffer = this.buffer.subarray(this.head.bodyStart)
          this.head = undefined
          this.receive(Buffer.alloc(0))
          return
        }
      }
      const { bodyStart, length, chunked } = this.head
      if (chunked) {
        const body = dechunk(this.buffer, bodyStart)
        if (body) this.settle(undefined, body)
      } else if (length !== undefined && this.buffer.length >= bodyStart + length) {
        this.settle(undefined, this.buffer.subarray(bodyStart, bodyStart + length))
      }
    } catch (error) {
      this.settle(error as Error)
    }
  }

  private settle(error: Error | undefined, body?: Buffer): void {
    const pending = this.pending
    if (!pending) return
    const head = this.head
    this.pending = undefined
    this.head = undefined
    this.buffer = Buffer.alloc(0)
    if (error || !head || !body) {
      this.close()
      pending.reject(error ?? new Error('no response'))
      return
    }
    if (head.close) this.close()
    pending.resolve({ status: head.status, body })
  }
}
