// `make alert-drill` (scripts/alert-drill.ts) refuses to start, and touches nothing, when the loop it
// would show cannot work: no Triton of this stack, no Alertmanager, a Prometheus that does not send
// to it (a config from before the alerting step), an alert already firing. Prometheus and
// Alertmanager are API doubles on loopback; Triton is a real container, which must still run after.
// The drill itself, on the real stack: e2e/alerts.test.ts.
import { execFileSync, spawnSync } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MANAGED_LABEL } from '../../scripts/lib/engine/spec.ts'
import { buildImages, freePort, runStep, run } from '../helpers/docker-suite.ts'

const triton = `tm-drill-${process.pid}-triton`
/** What the doubles answer; each test sets what it needs. */
const answers = {
  alertmanagers: [] as { url: string }[],
  firing: [] as unknown[],
  config: 'route:\n  receiver: terminal\nreceivers:\n- name: terminal\n',
}
let server: Server
let port = 0

const drill = async (env: Record<string, string> = {}) =>
  runStep(
    'alert-drill',
    ['--timeout', '5'],
    {
      TRITON_CONTAINER: triton,
      PROMETHEUS_PORT: String(port),
      ALERTMANAGER_PORT: String(port),
      ALERTMANAGER_CONTAINER: 'tm-drill-am',
      BIND_ADDRESS: '127.0.0.1',
      LANG: 'C.UTF-8',
      LC_ALL: '',
      ...env,
    },
    60_000,
  )
const running = () => execFileSync('docker', ['inspect', '--format', '{{.State.Running}}', triton]).toString().trim()

test.before(async () => {
  const images = await buildImages()
  const build = await run('make', ['-s', 'build'], {})
  assert.is(build.code, 0, build.text)
  // Any long-running container stands for Triton: the drill only stops and starts it.
  execFileSync('docker', [
    'run',
    '--detach',
    '--name',
    triton,
    '--label',
    `${MANAGED_LABEL}=true`,
    images.WEBHOOK_IMAGE!,
  ])
  server = createServer((req, res) => {
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    if (req.url === '/api/v1/alertmanagers')
      return json({ status: 'success', data: { activeAlertmanagers: answers.alertmanagers } })
    if (req.url === '/api/v2/status') return json({ config: { original: answers.config } })
    if (req.url?.startsWith('/api/v2/alerts')) return json(answers.firing)
    if (req.url === '/metrics') return res.end('alertmanager_notifications_total{integration="webhook"} 0\n')
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

test.after(() => {
  server?.close()
  spawnSync('docker', ['rm', '--force', triton], { stdio: 'ignore' })
})

test('no Triton of this stack: named, with make up as the fix', async () => {
  const result = await drill({ TRITON_CONTAINER: `tm-drill-${process.pid}-none` })
  assert.is(result.code, 1, result.text)
  assert.match(result.text, /Triton \(tm-drill-\d+-none\) is not running as part of this stack/)
  assert.match(result.text, /make up/)
})

test('a port where something else answers instead of Alertmanager: named, not a crash', async () => {
  const other = createServer((req, res) =>
    req.url === '/api/v2/status' ? res.end(JSON.stringify({ config: { original: '' } })) : res.writeHead(404).end(),
  )
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
  answers.alertmanagers = [{ url: 'http://tm-drill-am:9093/api/v2/alerts' }]
  try {
    const result = await drill({ ALERTMANAGER_PORT: String((other.address() as AddressInfo).port) })
    assert.is(result.code, 1, result.text)
    assert.match(result.text, /Alertmanager does not answer as Alertmanager at http:\/\/127\.0\.0\.1:\d+ \(HTTP 404/)
    assert.not.match(result.text, /bug in triton-monitoring/)
    assert.is(running(), 'true')
  } finally {
    other.close()
    answers.alertmanagers = []
  }
})

test('no Alertmanager: named, Triton untouched', async () => {
  const result = await drill({ ALERTMANAGER_PORT: String(await freePort()) })
  assert.is(result.code, 1, result.text)
  assert.match(result.text, /Alertmanager does not answer as Alertmanager at http:\/\/127\.0\.0\.1:\d+/)
  assert.is(running(), 'true')
})

test('a Prometheus that sends its alerts elsewhere: make prometheus as the fix, Triton untouched', async () => {
  answers.alertmanagers = [{ url: 'http://other-am:9093/api/v2/alerts' }]
  const result = await drill()
  assert.is(result.code, 1, result.text)
  assert.match(result.text, 'Prometheus does not send its alerts to tm-drill-am')
  assert.match(result.text, 'run `make prometheus`')
  assert.is(running(), 'true')
})

test('TritonTargetDown already firing: wait for it to resolve first, Triton untouched', async () => {
  answers.alertmanagers = [{ url: 'http://tm-drill-am:9093/api/v2/alerts' }]
  answers.firing = [{ labels: { alertname: 'TritonTargetDown' } }]
  try {
    const result = await drill()
    assert.is(result.code, 1, result.text)
    assert.match(result.text, 'TritonTargetDown is already firing in Alertmanager')
    assert.is(running(), 'true')
  } finally {
    answers.firing = []
  }
})

test('a phase past its deadline ends the drill with the cause, and Triton runs again', async () => {
  // The Prometheus double never reports the alert: the first wait (5 s) times out.
  const result = await drill()
  assert.is(result.code, 1, result.text)
  assert.match(result.text, /TritonTargetDown pending in Prometheus: nothing after \d+ s/)
  assert.match(result.text, 'Triton was started again')
  assert.is(running(), 'true')
})

test.run()
