// The webhook receiver stand-in (test/standins/webhook): it takes Alertmanager's version-4 payload
// as the real Alertmanager 0.25 sends it, answers 200, and records a message of any other shape as
// a violation, so the alert tests can require that Alertmanager's messages were the real thing.
import type { AddressInfo } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createWebhookStandin, payloadProblems } from '../standins/webhook/server.ts'

/** A firing TritonTargetDown as Alertmanager 0.25.0 posted it in this project's stack. */
const firing = {
  receiver: 'webhook',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'TritonTargetDown', instance: 'tm-triton:8002', job: 'triton', severity: 'critical' },
      annotations: { summary: 'Triton target tm-triton:8002 is down', description: 'Prometheus has not…' },
      startsAt: '2026-11-29T18:50:29.753Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://c18e933015f1:9090/graph?g0.expr=up',
      fingerprint: '253deb43f4d33c47',
    },
  ],
  groupLabels: { alertname: 'TritonTargetDown', instance: 'tm-triton:8002', job: 'triton' },
  commonLabels: { alertname: 'TritonTargetDown', instance: 'tm-triton:8002', job: 'triton', severity: 'critical' },
  commonAnnotations: { summary: 'Triton target tm-triton:8002 is down' },
  externalURL: 'http://127.0.0.1:9093',
  version: '4',
  groupKey: '{}:{alertname="TritonTargetDown", instance="tm-triton:8002", job="triton"}',
  truncatedAlerts: 0,
}

test('the payload Alertmanager sends has no problem', () => {
  assert.equal(payloadProblems(firing), [])
  const resolved = { ...firing, status: 'resolved', alerts: [{ ...firing.alerts[0], status: 'resolved' }] }
  assert.equal(payloadProblems(resolved), [])
})

test('any other shape is named', () => {
  assert.equal(payloadProblems('text'), ['the body is not a JSON object'])
  assert.match(payloadProblems({ ...firing, version: '3' }).join(), /version is "3"/)
  assert.match(payloadProblems({ ...firing, alerts: [] }).join(), /alerts is not a non-empty list/)
  assert.match(payloadProblems({ ...firing, status: 'resolved' }).join(), /status does not match the alerts/)
  const noTime = { ...firing, alerts: [{ ...firing.alerts[0], startsAt: 'soon' }] }
  assert.match(payloadProblems(noTime).join(), /startsAt\/endsAt are not times/)
})

test('it answers 200, keeps what matches, and records the rest as violations', async () => {
  const { server } = createWebhookStandin()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  try {
    const post = (body: unknown, agent = 'Alertmanager/0.25.0') =>
      fetch(`${base}/hook/t`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': agent },
        body: JSON.stringify(body),
      })
    assert.is((await post(firing)).status, 200)
    assert.is((await post({ nope: true })).status, 200)
    assert.is((await post(firing, 'curl/8')).status, 200)
    const received = (await (await fetch(`${base}/__standin/received`)).json()) as { path: string }[]
    assert.equal(
      received.map((r) => r.path),
      ['/hook/t'],
    )
    const violations = (await (await fetch(`${base}/__standin/violations`)).json()) as string[]
    assert.is(violations.length, 2)
    assert.match(violations[1]!, /User-Agent is "curl\/8"/)
  } finally {
    server.close()
  }
})

test('as a receiver that is down it answers every POST with its status, echoing the path and query', async () => {
  const { server, received } = createWebhookStandin(500)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bot/p?token=q`
    const response = await fetch(address, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Alertmanager/0.25.0' },
      body: JSON.stringify(firing),
    })
    assert.is(response.status, 500)
    assert.equal(await response.json(), { error: 'refused', request: '/bot/p?token=q' })
    assert.is(received.length, 1)
  } finally {
    server.close()
  }
})

test.run()
