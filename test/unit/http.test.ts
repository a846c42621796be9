// The steps' HTTP client (scripts/lib/step/http.ts), against a local server: answers read whole,
// errors in fetch's shape (a TimeoutError past the deadline, the socket's code in `cause`), an abort
// honoured, and fetch's signature answered with a Response a fetch client (openapi-fetch) reads.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { httpFetch, httpRequest } from '../../scripts/lib/step/http.ts'

let server: Server
let base = ''
/** What the server saw last: method, path, headers, body. */
let seen: { method?: string; url?: string; headers: Record<string, unknown>; body: string } = { headers: {}, body: '' }

test.before(async () => {
  server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => {
      body += chunk
    })
    request.on('end', () => {
      seen = { method: request.method, url: request.url, headers: request.headers, body }
      if (request.url === '/hang') return // never answers: the client's deadline ends it
      if (request.url === '/empty') return response.writeHead(204).end()
      response.writeHead(request.url === '/missing' ? 404 : 200, {
        'Content-Type': 'application/json',
        'X-Twice': ['a', 'b'],
      })
      response.end(JSON.stringify({ path: request.url }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
test.after(() => {
  server.closeAllConnections()
  server.close()
})

test('a GET is answered whole: status, ok, headers and text', async () => {
  const answer = await httpRequest(`${base}/a?b=1`, { timeoutMs: 5000 })
  assert.is(answer.status, 200)
  assert.is(answer.ok, true)
  assert.is(answer.text, '{"path":"/a?b=1"}')
  assert.ok(answer.rawHeaders.includes('X-Twice'))
  assert.is((await httpRequest(`${base}/missing`, { timeoutMs: 5000 })).ok, false)
})

test('a POST sends its method, headers and body', async () => {
  await httpRequest(`${base}/post`, { method: 'POST', headers: { 'x-test': 'yes' }, body: '{"x":1}', timeoutMs: 5000 })
  assert.is(seen.method, 'POST')
  assert.is(seen.headers['x-test'], 'yes')
  assert.is(seen.body, '{"x":1}')
})

test('a server that never answers ends at the deadline with a TimeoutError', async () => {
  const started = Date.now()
  const error = await httpRequest(`${base}/hang`, { timeoutMs: 300 }).catch((e: Error) => e)
  assert.instance(error, Error)
  assert.is((error as Error).name, 'TimeoutError')
  assert.ok(Date.now() - started < 5000, 'the deadline ended it, not something later')
})

test("nothing listening: the socket's code is in cause, as fetch puts it", async () => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  const error = (await httpRequest(`http://127.0.0.1:${port}/`, { timeoutMs: 5000 }).catch(
    (e: unknown) => e,
  )) as Error & {
    cause?: { code?: string }
  }
  assert.is(error.cause?.code, 'ECONNREFUSED')
  assert.match(error.message, /ECONNREFUSED/)
})

test("an abort ends the request with the signal's reason", async () => {
  const error = await httpRequest(`${base}/hang`, { signal: AbortSignal.timeout(200) }).catch((e: Error) => e)
  assert.is((error as Error).name, 'TimeoutError')
})

test("fetch's signature: a Request in, a Response out with the status, headers and body", async () => {
  const request = new Request(`${base}/api/x`, {
    method: 'PUT',
    headers: { Authorization: 'Bearer t0k', 'Content-Type': 'application/json' },
    body: '{"y":2}',
  })
  const response = await httpFetch(request)
  assert.is(seen.method, 'PUT')
  assert.is(seen.headers.authorization, 'Bearer t0k')
  assert.is(seen.body, '{"y":2}')
  assert.is(response.status, 200)
  assert.is(response.headers.get('content-type'), 'application/json')
  assert.is(response.headers.get('x-twice'), 'a, b')
  assert.equal(await response.json(), { path: '/api/x' })
})

test('a 204 is a Response with no body; a string URL with init works as fetch takes it', async () => {
  const response = await httpFetch(`${base}/empty`, { method: 'DELETE' })
  assert.is(response.status, 204)
  assert.is(response.body, null)
  assert.is(seen.method, 'DELETE')
})

test.run()
