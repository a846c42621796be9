// The Grafana stand-in answers like Grafana 11.6 (bodies from error-catalog.json) and records
// every request its OpenAPI spec rejects: the scripts' tests are only as good as these rules.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createServer, type Server } from 'node:http'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGrafanaStandin, type GrafanaStandin } from '../helpers/grafana-standin.ts'

const PASSWORD = 'first-password-1'
let grafana: GrafanaStandin
let upstream: Server
let upstreamUrl = ''

const basic = (password: string, user = 'admin') => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
async function call(method: string, path: string, auth?: string, body?: unknown) {
  const response = await fetch(grafana.url + path, {
    method,
    headers: {
      ...(auth ? { authorization: auth } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : undefined }
}
const admin = basic(PASSWORD)

async function token(role: string, name: string): Promise<string> {
  const sa = await call('POST', '/api/serviceaccounts', admin, { name, role })
  assert.is(sa.status, 201)
  const created = await call('POST', `/api/serviceaccounts/${sa.body.id}/tokens`, admin, { name: `${name}-token` })
  assert.is(created.status, 200)
  assert.match(created.body.key, /^glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}$/)
  return created.body.key
}

test.before(async () => {
  upstream = createServer((req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url })),
  )
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`
  grafana = await startGrafanaStandin({ env: { GF_SECURITY_ADMIN_PASSWORD: PASSWORD } })
})

test.after(async () => {
  await grafana.stop()
  upstream.close()
})

test('/api/health needs no credentials', async () => {
  const health = await call('GET', '/api/health')
  assert.is(health.status, 200)
  assert.is(health.body.database, 'ok')
})

test("no credentials, a wrong password and an unknown token get Grafana's 401 bodies", async () => {
  assert.equal(await call('GET', '/api/search'), { status: 401, body: { message: 'Unauthorized' } })
  const wrong = await call('GET', '/api/search', basic('nope', 'someone'))
  assert.equal(wrong, {
    status: 401,
    body: { message: 'Invalid username or password', messageId: 'password-auth.failed', statusCode: 401, traceID: '' },
  })
  const bad = await call('GET', '/api/search', `Bearer glsa_${'A'.repeat(32)}_00000000`)
  assert.is(bad.body.messageId, 'api-key.invalid')
  assert.is(await grafana.failedLogins(), 1)
})

test('a service account token carries its role: a Viewer may search but not add a datasource', async () => {
  const viewer = await token('Viewer', 'viewer-sa')
  assert.is((await call('GET', '/api/search', `Bearer ${viewer}`)).status, 200)
  const denied = await call('POST', '/api/datasources', `Bearer ${viewer}`, {
    name: 'x',
    type: 'prometheus',
    url: upstreamUrl,
    access: 'proxy',
  })
  assert.is(denied.status, 403)
  assert.is(denied.body.title, 'Access denied')
  assert.match(denied.body.message, /Permissions needed: datasources:create/)
})

test('duplicates answer as Grafana does: service account 400, token name 400 per org, datasource name 409', async () => {
  const again = await call('POST', '/api/serviceaccounts', admin, { name: 'VIEWER-SA', role: 'Admin' })
  assert.equal(again.body, {
    message: 'service account already exists',
    messageId: 'serviceaccounts.ErrAlreadyExists',
    statusCode: 400,
    traceID: '',
  })
  const other = await call('POST', '/api/serviceaccounts', admin, { name: 'other', role: 'Admin' })
  const dup = await call('POST', `/api/serviceaccounts/${other.body.id}/tokens`, admin, { name: 'viewer-sa-token' })
  assert.is(dup.status, 400)
  assert.is(dup.body.messageId, 'serviceaccounts.ErrTokenAlreadyExists')
  const ds = { name: 'Prom', type: 'prometheus', url: upstreamUrl, access: 'proxy', uid: 'prom-a' }
  assert.is((await call('POST', '/api/datasources', admin, ds)).status, 200)
  assert.equal(await call('POST', '/api/datasources', admin, { ...ds, uid: 'prom-b' }), {
    status: 409,
    body: { message: 'data source with the same name already exists', traceID: '' },
  })
})

test('the datasource proxy forwards the rest of the path and the query; unknown uid 404; dead upstream 502', async () => {
  const proxied = await call('GET', '/api/datasources/proxy/uid/prom-a/api/v1/query?query=up', admin)
  assert.equal(proxied, { status: 200, body: { path: '/api/v1/query?query=up' } })
  assert.equal(await call('GET', '/api/datasources/proxy/uid/nope/api/v1/query', admin), {
    status: 404,
    body: { message: 'Unable to find datasource', traceID: '' },
  })
  assert.is(
    (
      await call('POST', '/api/datasources', admin, {
        name: 'Dead',
        type: 'prometheus',
        url: 'http://127.0.0.1:9',
        access: 'proxy',
        uid: 'dead',
      })
    ).status,
    200,
  )
  assert.is((await call('GET', '/api/datasources/proxy/uid/dead/api/v1/query', admin)).status, 502)
})

test("the proxy's own failures, as Grafana's reverse proxy writes them: 502 unreachable, 504 timed out, no body", async () => {
  const silent = createServer(() => {})
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  const quick = await startGrafanaStandin({ env: { GF_SECURITY_ADMIN_PASSWORD: PASSWORD, GF_DATAPROXY_TIMEOUT: '1' } })
  try {
    const add = async (uid: string, url: string) =>
      fetch(`${quick.url}/api/datasources`, {
        method: 'POST',
        headers: { authorization: admin, 'content-type': 'application/json' },
        body: JSON.stringify({ name: uid, type: 'prometheus', url, access: 'proxy', uid }),
      })
    await add('refused', 'http://127.0.0.1:9')
    await add('mute', `http://127.0.0.1:${(silent.address() as { port: number }).port}`)
    for (const [uid, status] of [
      ['refused', 502],
      ['mute', 504],
    ] as const) {
      const answer = await fetch(`${quick.url}/api/datasources/proxy/uid/${uid}/api/v1/query?query=up`, {
        headers: { authorization: admin },
      })
      assert.is(answer.status, status, uid)
      assert.is(await answer.text(), '', `${uid}: Grafana writes no body`)
    }
  } finally {
    await quick.stop()
    silent.closeAllConnections()
    silent.close()
  }
})

test("a Prometheus datasource proxies any GET, but only the plugin's allow-listed POSTs, and no DELETE", async () => {
  assert.equal(await call('GET', '/api/datasources/proxy/uid/prom-a/api/v1/targets?state=active', admin), {
    status: 200,
    body: { path: '/api/v1/targets?state=active' },
  })
  assert.is((await call('POST', '/api/datasources/proxy/uid/prom-a/api/v1/query_range', admin, 'query=up')).status, 200)
  assert.equal(await call('POST', '/api/datasources/proxy/uid/prom-a/api/v1/targets', admin, ''), {
    status: 403,
    body: { message: 'non allow-listed POSTs not allowed on proxied Prometheus datasource' },
  })
  assert.equal(await call('DELETE', '/api/datasources/proxy/uid/prom-a/api/v1/admin/tsdb/delete_series', admin), {
    status: 403,
    body: { message: 'non allow-listed DELETEs not allowed on proxied Prometheus datasource' },
  })
})

test('dashboards: a stale version without overwrite is 412, with overwrite it is saved', async () => {
  const dashboard = { uid: 'd1', title: 'One', panels: [] }
  const first = await call('POST', '/api/dashboards/db', admin, { dashboard })
  assert.equal([first.status, first.body.version, first.body.url], [200, 1, '/d/d1/one'])
  assert.equal(await call('POST', '/api/dashboards/db', admin, { dashboard }), {
    status: 412,
    body: { status: 'version-mismatch', message: 'The dashboard has been changed by someone else' },
  })
  assert.is((await call('POST', '/api/dashboards/db', admin, { dashboard, overwrite: true })).body.version, 2)
  assert.equal((await call('POST', '/api/dashboards/db', admin, { dashboard: { uid: 'd2' } })).body, {
    status: 'empty-name',
    message: 'Dashboard title cannot be empty',
  })
})

test('a request the spec rejects is answered 400 and recorded', async () => {
  const before = (await grafana.violations()).length
  assert.is((await call('GET', '/api/search?limit=many', admin)).status, 400)
  assert.is((await call('POST', '/api/serviceaccounts', admin, { name: 5 })).status, 400)
  assert.is((await call('GET', '/api/serviceaccounts/search?Query=x', admin)).status, 400)
  const recorded = (await grafana.violations()).slice(before)
  assert.is(recorded.length, 3)
  assert.match(recorded[0]!.problems.join(), /limit must be integer/)
  assert.match(recorded[1]!.problems.join(), /body\/name must be string/)
  assert.match(recorded[2]!.problems.join(), /query parameter Query is not in the spec/)
})

test('five failed logins lock the user: then even the right password is refused', async () => {
  for (let i = 0; i < 5; i++) await call('GET', '/api/user', basic('wrong'))
  const locked = await call('GET', '/api/user', admin)
  assert.is(locked.status, 401)
  assert.is(locked.body.messageId, 'login-attempt.blocked')
})

test('the admin password applies on first start only; __FILE is read like the image does', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'grafana-standin-data-'))
  const secrets = mkdtempSync(join(tmpdir(), 'grafana-standin-secret-'))
  try {
    writeFileSync(join(secrets, 'pw'), 'from-file-pw\n')
    const first = await startGrafanaStandin({ dataDir, env: { GF_SECURITY_ADMIN_PASSWORD__FILE: join(secrets, 'pw') } })
    const ok = await fetch(`${first.url}/api/user`, { headers: { authorization: basic('from-file-pw') } })
    assert.is(ok.status, 200)
    await first.stop(false)
    const second = await startGrafanaStandin({ dataDir, env: { GF_SECURITY_ADMIN_PASSWORD: 'a-new-password' } })
    try {
      assert.is(
        (await fetch(`${second.url}/api/user`, { headers: { authorization: basic('a-new-password') } })).status,
        401,
      )
      assert.is(
        (await fetch(`${second.url}/api/user`, { headers: { authorization: basic('from-file-pw') } })).status,
        200,
      )
    } finally {
      await second.stop()
    }
  } finally {
    rmSync(secrets, { recursive: true, force: true })
  }
})

test.run()
