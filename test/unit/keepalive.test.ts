// The load step's HTTP/1.1 client against servers that frame their answers every legal way:
// Content-Length, chunked, Connection: close, 100 Continue, and servers that hang up or stall.
import http from 'node:http'
import net from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { encodeRequest, KeepAliveConnection } from '../../scripts/lib/triton/keepalive.ts'
import { settleWithin } from '../helpers/settle-within.ts'

/** A TCP server that answers each request with `reply(n)` (n counts requests per connection). */
async function rawServer(reply: (n: number, request: string) => string | undefined) {
  const sockets = new Set<net.Socket>()
  let connections = 0
  const server = net.createServer((socket) => {
    connections++
    sockets.add(socket)
    let n = 0
    let received = ''
    socket.on('data', (chunk) => {
      received += chunk
      const end = received.indexOf('\r\n\r\n')
      const length = Number(/content-length: (\d+)/i.exec(received)?.[1] ?? 0)
      if (end < 0 || received.length < end + 4 + length) return
      const answer = reply(n++, received)
      received = ''
      if (answer === undefined) socket.destroy()
      // An HTTP/1.0 server without keep-alive hangs up after answering.
      else if (answer.startsWith('HTTP/1.0')) socket.end(answer)
      else if (answer !== '') socket.write(answer)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/v2/models/m/infer?x=1`)
  return {
    url,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

const body = Buffer.from('{"inputs":[]}')

test('encodeRequest writes a request line, Host, headers and Content-Length', () => {
  const bytes = encodeRequest(
    new URL('http://h:8000/v2/x?y=1'),
    'POST',
    { 'Content-Type': 'application/json' },
    body,
  ).toString()
  assert.is(
    bytes,
    'POST /v2/x?y=1 HTTP/1.1\r\nHost: h:8000\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"inputs":[]}',
  )
})

test('against node:http: several requests reuse one connection and bodies arrive whole', async () => {
  let connections = 0
  const server = http.createServer((req, res) => {
    let received = ''
    req.on('data', (c) => {
      received += c
    })
    req.on('end', () =>
      res
        .writeHead(req.url === '/missing' ? 400 : 200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ echo: received, pad: 'x'.repeat(70_000) })),
    )
  })
  server.on('connection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/ok`)
  const connection = new KeepAliveConnection(url, 5000)
  try {
    for (let i = 0; i < 5; i++) {
      const reply = await connection.send(encodeRequest(url, 'POST', {}, Buffer.from(`n${i}`)))
      assert.is(reply.status, 200)
      assert.is(JSON.parse(reply.body.toString()).echo, `n${i}`)
    }
    const missing = await connection.send(encodeRequest(new URL('/missing', url), 'POST', {}, body))
    assert.is(missing.status, 400)
    assert.is(connections, 1)
  } finally {
    connection.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** A connection to a raw server answering with `reply`; `send()` resolves to the body text. */
async function withRawServer(
  reply: (n: number) => string,
  check: (send: () => Promise<string>, connections: () => number) => Promise<void>,
) {
  const server = await rawServer(reply)
  const connection = new KeepAliveConnection(server.url, 5000)
  try {
    await check(
      async () => (await connection.send(encodeRequest(server.url, 'POST', {}, body))).body.toString(),
      server.connections,
    )
  } finally {
    connection.close()
    await server.close()
  }
}

test('chunked bodies, with or without trailers, are reassembled on one connection', () =>
  withRawServer(
    (n) =>
      n === 0
        ? 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'
        : 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n',
    async (send, connections) => {
      assert.is(await send(), 'hello world')
      assert.is(await send(), 'abc')
      assert.is(connections(), 1)
    },
  ))

test('100 Continue is skipped; Connection: close makes the next request reconnect', () =>
  withRawServer(
    () => 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok',
    async (send, connections) => {
      for (let i = 0; i < 3; i++) assert.is(await send(), 'ok')
      assert.is(connections(), 3)
    },
  ))

test('a body framed by the connection closing ends with it', () =>
  withRawServer(
    () => 'HTTP/1.0 200 OK\r\n\r\nuntil close',
    async (send) => assert.is(await send(), 'until close'),
  ))

test('a server that hangs up mid-answer, or says nothing, gives a connection error or a timeout', async () => {
  const hangUp = await rawServer(() => undefined)
  const silent = await rawServer(() => '')
  try {
    const error = await new KeepAliveConnection(hangUp.url, 5000)
      .send(encodeRequest(hangUp.url, 'POST', {}, body))
      .catch((e: Error) => e)
    assert.instance(error, Error)
    assert.is((error as NodeJS.ErrnoException).code, 'ECONNRESET')
    const timeout = await new KeepAliveConnection(silent.url, 100)
      .send(encodeRequest(silent.url, 'POST', {}, body))
      .catch((e: Error) => e)
    assert.is((timeout as Error).name, 'TimeoutError')
  } finally {
    await hangUp.close()
    await silent.close()
  }
})

test('a refused connection rejects with ECONNREFUSED', async () => {
  const server = await rawServer(() => '')
  await server.close()
  const error = await new KeepAliveConnection(server.url, 5000)
    .send(encodeRequest(server.url, 'POST', {}, body))
    .catch((e: Error) => e)
  assert.is((error as NodeJS.ErrnoException).code, 'ECONNREFUSED')
})

test('close() while a request waits: it rejects at once as an AbortError (the load cuts it at --duration)', async () => {
  const silent = await rawServer(() => '')
  try {
    const connection = new KeepAliveConnection(silent.url, 60_000)
    const pending = connection.send(encodeRequest(silent.url, 'POST', {}, body))
    await new Promise((resolve) => setTimeout(resolve, 50))
    connection.close()
    assert.is(((await settleWithin(pending, 2000)) as Error).name, 'AbortError')
  } finally {
    await silent.close()
  }
})

test('a connection that reaches itself (nothing listens on an ephemeral port) is refused as ESELFCONNECT', async () => {
  const server = await rawServer(() => '')
  await server.close()
  const port = Number(server.url.port)
  // TCP simultaneous open: a socket whose source port is the port it connects to, with no listener,
  // connects to itself. Forced here; the kernel picks it by chance when the port is ephemeral.
  const connect = net.connect
  net.connect = ((options: net.NetConnectOpts) =>
    connect({ ...options, localAddress: '127.0.0.1', localPort: port } as net.NetConnectOpts)) as typeof net.connect
  try {
    const error = await settleWithin(
      new KeepAliveConnection(server.url, 5000).send(encodeRequest(server.url, 'POST', {}, body)),
      5000,
    )
    assert.is((error as NodeJS.ErrnoException).code, 'ESELFCONNECT')
  } finally {
    net.connect = connect
  }
})

test.run()
