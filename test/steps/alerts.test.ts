// `make alerts` (scripts/alerts.ts) against an Alertmanager API double on loopback that answers
// GET /api/v2/alerts as 0.25/0.27 do: the table of firing and silenced alerts on stdout, --json
// for scripts, and an Alertmanager that does not answer named with its fix. The real Alertmanager
// behind it: e2e/alerts.test.ts.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { GettableAlert } from '../../scripts/lib/prometheus/alertmanager.ts'
import { displayWidth } from '../../scripts/lib/output/table.ts'
import { freePort } from '../helpers/docker-suite.ts'
import { runProcess } from '../helpers/process.ts'

const now = Date.now()
const iso = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString()
const alerts: GettableAlert[] = [
  {
    labels: { alertname: 'TritonTargetDown', severity: 'critical', job: 'triton', instance: 'triton:8002' },
    annotations: { summary: 'Triton target triton:8002 is down' },
    startsAt: iso(90),
    endsAt: iso(-150),
    updatedAt: iso(5),
    fingerprint: 'a1',
    receivers: [{ name: 'webhook' }],
    status: { state: 'active', silencedBy: [], inhibitedBy: [] },
  },
  {
    labels: { alertname: 'TritonMeanLatencyHigh', severity: 'warning', model: 'mnist_mlp' },
    annotations: { summary: 'Model mnist_mlp takes 250 ms per request on average' },
    startsAt: iso(600),
    endsAt: iso(-150),
    updatedAt: iso(5),
    fingerprint: 'b2',
    receivers: [{ name: 'webhook' }],
    status: { state: 'suppressed', silencedBy: ['5f1c'], inhibitedBy: [] },
  },
]
let server: Server
let port = 0

const alertsStep = (args: string[], env: Record<string, string> = {}) =>
  runProcess(process.execPath, ['--import', 'tsx', 'scripts/alerts.ts', ...args], {
    env: { ALERTMANAGER_PORT: String(port), BIND_ADDRESS: '127.0.0.1', LANG: 'C.UTF-8', LC_ALL: '', ...env },
    timeoutMs: 60_000,
  })

test.before(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/api/v2/alerts'))
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(alerts))
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

test.after(() => {
  server.close()
})

test('a table of what fires and what is silenced, on stdout, with a count', async () => {
  const result = await alertsStep([])
  assert.is(result.code, 0, result.text)
  const lines = result.stdout.trimEnd().split('\n')
  assert.match(lines[0]!, /^\s+ALERT\s+STATE\s+SEVERITY\s+INSTANCE\s+SINCE\s+SUMMARY$/)
  assert.match(lines[1]!, /TritonMeanLatencyHigh\s+silenced\s+warning\s+- \(model=mnist_mlp\)\s+10m\s+Model mnist_mlp/)
  assert.match(
    lines[2]!,
    /TritonTargetDown\s+firing\s+critical\s+triton:8002\s+9\ds\s+Triton target triton:8002 is down/,
  )
  assert.match(result.stderr, `1 firing, 1 silenced (http://127.0.0.1:${port}/#/alerts)`)
})

test('--json: the API objects as they are', async () => {
  const result = await alertsStep(['--json'])
  assert.is(result.code, 0, result.text)
  assert.equal(JSON.parse(result.stdout), alerts)
})

test('in Chinese, the columns still line up', async () => {
  const result = await alertsStep([], { LANG: 'zh_CN.UTF-8' })
  assert.is(result.code, 0, result.text)
  const [header, first] = result.stdout.split('\n')
  assert.match(header!, /告警\s+状态\s+级别/)
  // "已静默" is three characters but six columns: the SEVERITY column starts where its header does.
  assert.match(first!, /已静默\s+warning/)
  assert.is(
    displayWidth(header!.slice(0, header!.indexOf('级别'))),
    displayWidth(first!.slice(0, first!.indexOf('warning'))),
  )
})

test('no Alertmanager at the port: named with make alertmanager as the fix, exit 1', async () => {
  const result = await alertsStep([], { ALERTMANAGER_PORT: String(await freePort()) })
  assert.is(result.code, 1, result.text)
  assert.match(result.stderr, /Alertmanager does not answer at http:\/\/127\.0\.0\.1:\d+/)
  assert.match(result.stderr, /make alertmanager/)
})

test.run()
