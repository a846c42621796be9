// Alerts end to end on the real engine: `make all` with ALERT_WEBHOOK_URL pointing at a webhook
// receiver container on the stack's network, then Triton stopped by hand: a firing TritonTargetDown
// reaches the receiver within 150 s, and the resolution within 150 s of the restart (the issue's
// bounds). The same loop through `make alert-drill`, `make alerts` while it fires, the dashboard's
// Alerts query on the real Prometheus, Grafana reaching Alertmanager through its datasource, and the
// webhook URL (a secret: it holds a token) in no docker argv, no container's inspect, no output.
// And the same stack in Chinese: make all, report, alerts, alert-drill and images with
// LANG=zh_CN.UTF-8 print no line of English prose (helpers/english-prose.ts says what may stay).
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fail } from '../../scripts/lib/step/fail.ts'
import { waitFor } from '../../scripts/lib/step/poll.ts'
import { firingAlerts } from '../../scripts/lib/triton/metrics.ts'
import {
  buildImages,
  dockerArgvRecorder,
  freePort,
  run,
  type Result,
  type SuiteEnv,
  suiteEnv,
} from '../helpers/docker-suite.ts'
import type { Received } from '../standins/webhook/server.ts'
import { linesWithEnglish } from '../helpers/english-prose.ts'
import zhCN from '../../locales/zh-CN.json' with { type: 'json' }

/** The issue's bound for each way: stop → firing at the receiver, start → resolved at the receiver. */
const BOUND_MS = 150_000
const TOKEN = `t0k-${randomBytes(12).toString('hex')}`
/** The receiver that is down: a secret in its path and one in its query. */
const PATH_SECRET = `PATHSECRET${randomBytes(6).toString('hex')}`
const QUERY_SECRET = `QUERYSECRET${randomBytes(6).toString('hex')}`
const work = mkdtempSync(join(tmpdir(), 'alerts-e2e-'))
const outputs: string[] = []
let suite: SuiteEnv | undefined
let env: Record<string, string> = {}
let hook = ''
let argvLog = ''
let hookPort = 0

/** Output of the runs with LANG=zh_CN.UTF-8, by command, for the English prose check. */
const chinese: { command: string; text: string }[] = []
const ZH = { LANG: 'zh_CN.UTF-8' }

async function make(...args: string[]): Promise<Result> {
  return makeWith({}, ...args)
}

async function makeWith(extra: Record<string, string>, ...args: string[]): Promise<Result> {
  const result = await run('make', ['--no-print-directory', ...args], { ...env, ...extra }, 400_000)
  if (extra.LANG) chinese.push({ command: `make ${args.join(' ')}`, text: result.text })
  outputs.push(result.stdout, result.stderr)
  return result
}
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' })
const received = async () =>
  (await (await fetch(`http://127.0.0.1:${hookPort}/__standin/received`)).json()) as Received[]

/** The first message after `since` about TritonTargetDown on our Triton with `status`; waits up to BOUND_MS. */
async function arrival(status: 'firing' | 'resolved', since: number): Promise<Received> {
  return waitFor(
    async () =>
      (await received()).find(
        (r) =>
          r.at >= since &&
          r.message.alerts.some(
            (a) =>
              a.status === status &&
              a.labels.alertname === 'TritonTargetDown' &&
              a.labels.instance === `${env.TRITON_CONTAINER}:8002`,
          ),
      ),
    {
      what: `a ${status} TritonTargetDown at the receiver`,
      timeoutMs: BOUND_MS,
      intervalMs: 1000,
      onTimeout: () =>
        fail(`no ${status} TritonTargetDown within ${BOUND_MS / 1000} s`, 'see docker logs of Alertmanager'),
    },
  )
}

/** `docker <verb>` of Triton, then the receiver's first `status` message since; within the bound. */
async function after(verb: 'stop' | 'start', status: 'firing' | 'resolved'): Promise<{ got: Received; ms: number }> {
  const since = Date.now()
  docker(verb, env.TRITON_CONTAINER!)
  const got = await arrival(status, since)
  const ms = got.at - since
  assert.ok(ms <= BOUND_MS, `${status} after ${ms} ms`)
  assert.is(got.message.status, status)
  return { got, ms }
}

async function prometheus<T>(path: string): Promise<T> {
  const body = (await (await fetch(`http://127.0.0.1:${env.PROMETHEUS_PORT}${path}`)).json()) as { data: T }
  return body.data
}

test.before(async () => {
  const images = await buildImages()
  assert.ok(images.ALERTMANAGER_IMAGE && images.WEBHOOK_IMAGE, 'make images built Alertmanager and the receiver')
  // A docker that writes down its argv, so the test can prove the URL never was in it.
  const shim = dockerArgvRecorder(work)
  argvLog = shim.log
  suite = await suiteEnv('alerts')
  hook = `${suite.network.replace(/-net$/, '')}-hook`
  hookPort = await freePort()
  env = {
    ...suite.env,
    ...images,
    PATH: `${shim.bin}:${process.env.PATH}`,
    ALERT_WEBHOOK_URL: `http://${hook}:8080/hook/${TOKEN}`,
  }
})

test.after(() => {
  spawnSync('docker', ['rm', '--force', hook, `${hook}-down`], { stdio: 'ignore' })
  suite?.cleanup()
  rmSync(work, { recursive: true, force: true })
})

test('ALERT_WEBHOOK_URL=… make all, with a webhook receiver on the stack network', async () => {
  const network = await make('network')
  assert.is(network.code, 0, network.text)
  docker(
    'run',
    '--detach',
    '--name',
    hook,
    '--network',
    env.NETWORK!,
    '-p',
    `127.0.0.1:${hookPort}:8080`,
    env.WEBHOOK_IMAGE!,
  )
  const result = await make('all')
  assert.is(result.code, 0, result.text)
  assert.match(result.text, `receiver webhook → http://${hook}:8080/…`)
  // Prometheus sends to Alertmanager by its container name.
  const senders = await prometheus<{ activeAlertmanagers: { url: string }[] }>('/api/v1/alertmanagers')
  assert.equal(
    senders.activeAlertmanagers.map((a) => a.url),
    [`http://${env.ALERTMANAGER_CONTAINER}:9093/api/v2/alerts`],
  )
})

test('Grafana reaches Alertmanager through its datasource (what its Alerting pages read)', async () => {
  const password = readFileSync(join(suite!.stateDir, 'grafana-admin-password'), 'utf8').trim()
  const response = await fetch(
    `http://127.0.0.1:${env.GRAFANA_PORT}/api/datasources/proxy/uid/triton-alertmanager/api/v2/status`,
    { headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` } },
  )
  assert.is(response.status, 200)
  const status = (await response.json()) as { versionInfo: { version: string } }
  assert.is(status.versionInfo.version, '0.25.0')
})

test('Triton stopped: a firing TritonTargetDown reaches the receiver within 150 s; started: resolved within 150 s', async () => {
  const { got: firing, ms: toFiring } = await after('stop', 'firing')
  assert.is(firing.message.receiver, 'webhook')
  assert.is(firing.path, `/hook/${TOKEN}`)
  assert.match(firing.userAgent, /^Alertmanager\/0\.25\.0$/)
  // Its links open from this machine: Prometheus's graph of the rule, Alertmanager's page.
  const alert = firing.message.alerts.find((a) => a.labels.alertname === 'TritonTargetDown')!
  assert.ok(alert.generatorURL.startsWith(`http://127.0.0.1:${env.PROMETHEUS_PORT}/graph?`), alert.generatorURL)
  assert.is(firing.message.externalURL, `http://127.0.0.1:${env.ALERTMANAGER_PORT}`)

  // While it fires: `make alerts` lists it, and the dashboard's Alerts query sees it in Prometheus.
  const table = await make('-s', 'alerts')
  assert.is(table.code, 0, table.text)
  assert.match(table.stdout, new RegExp(`TritonTargetDown\\s+firing\\s+critical\\s+${env.TRITON_CONTAINER}:8002`))
  const json = await make('-s', 'alerts', 'ARGS=--json')
  const listed = JSON.parse(json.stdout) as { labels: { alertname: string }; status: { state: string } }[]
  assert.ok(listed.some((a) => a.labels.alertname === 'TritonTargetDown' && a.status.state === 'active'))
  const series = await prometheus<{ result: { metric: Record<string, string> }[] }>(
    `/api/v1/query?query=${encodeURIComponent(firingAlerts())}`,
  )
  assert.ok(series.result.some((s) => s.metric.alertname === 'TritonTargetDown'))

  const { ms: toResolved } = await after('start', 'resolved')
  console.log(
    `  stop → firing at the receiver ${(toFiring / 1000).toFixed(0)} s, start → resolved ${(toResolved / 1000).toFixed(0)} s`,
  )
})

test('make alert-drill: the timeline, in order, with the notifications', async () => {
  // The previous test's group has to be gone from Alertmanager before a drill may start.
  await waitFor(
    async () => {
      const json = await make('-s', 'alerts', 'ARGS=--json')
      return (JSON.parse(json.stdout) as unknown[]).length === 0
    },
    {
      what: 'no alert left',
      timeoutMs: 60_000,
      intervalMs: 2000,
      onTimeout: () => fail('alerts left', 'see make alerts'),
    },
  )
  const before = (await received()).length
  const result = await make('-s', 'alert-drill', 'ARGS=--json')
  assert.is(result.code, 0, result.text)
  const drill = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
    notifying: boolean
    timeline: { event: string; seconds: number }[]
  }
  assert.ok(drill.notifying)
  assert.equal(
    drill.timeline.map((t) => t.event),
    ['stopped', 'pending', 'firing', 'notified', 'restarted', 'resolved', 'resolution notified'],
  )
  const at = Object.fromEntries(drill.timeline.map((t) => [t.event, t.seconds]))
  const seconds = drill.timeline.map((t) => t.seconds)
  assert.equal(
    seconds,
    [...seconds].sort((a, b) => a - b),
    'the timeline runs forward',
  )
  assert.ok(at.notified! <= BOUND_MS / 1000 && at['resolution notified']! - at.restarted! <= BOUND_MS / 1000)
  console.log(`  the drill took ${at['resolution notified']} s (resolution notified)`)
  const statuses = (await received()).slice(before).map((r) => r.message.status)
  assert.equal(statuses, ['firing', 'resolved'])
  // Triton is back: the drill leaves the stack as it found it.
  assert.is(docker('inspect', '--format', '{{.State.Running}}', env.TRITON_CONTAINER!).trim(), 'true')
  // The table, in Chinese: its events named in Chinese, in the order they happened.
  const table = await makeWith(ZH, '-s', 'alert-drill')
  assert.is(table.code, 0, table.text)
  for (const event of ['stopped', 'pending', 'firing', 'notified', 'restarted', 'resolved'].map(
    (en) => (zhCN as Record<string, string>)[en],
  ))
    assert.match(table.stdout, new RegExp(`^\\s+${event}\\s+\\d+s`, 'm'))
})

test("a receiver that answers 500: the drill shows Alertmanager's error without the URL, and no docker logs", async () => {
  docker(
    'run',
    '--detach',
    '--name',
    `${hook}-down`,
    '--network',
    env.NETWORK!,
    '-e',
    'WEBHOOK_STATUS=500',
    env.WEBHOOK_IMAGE!,
  )
  const url = `http://${hook}-down:8080/bot/${PATH_SECRET}?token=${QUERY_SECRET}`
  const configured = await run('make', ['--no-print-directory', 'alertmanager'], { ...env, ALERT_WEBHOOK_URL: url })
  outputs.push(configured.stdout, configured.stderr)
  assert.is(configured.code, 0, configured.text)
  assert.match(configured.text, `receiver webhook → http://${hook}-down:8080/…`)
  const result = await make('alert-drill')
  assert.is.not(result.code, 0, result.text)
  // Not 'sent to the receiver': Alertmanager counts a notification as it starts, delivered or not.
  assert.not.match(result.text, /sent to the receiver/)
  assert.match(result.text, /Alertmanager could not deliver to the receiver \(gave up on it \d+ time\(s\)\)/)
  // Its own error, the receiver's echo of the path and query masked, the URL cut to its host.
  assert.match(result.text, `Alertmanager's error: `)
  assert.match(result.text, `unexpected status code 500: http://${hook}-down:8080/…`)
  assert.match(result.text, 'make the receiver answer 2xx')
  assert.not.match(result.text, /docker logs \S*alertmanager/)
  assert.is(docker('inspect', '--format', '{{.State.Running}}', env.TRITON_CONTAINER!).trim(), 'true')
  // What the 0.25 test image itself logs: the whole URL, both secrets. Only the drill may read that.
  const logged = spawnSync('docker', ['logs', env.ALERTMANAGER_CONTAINER!], { encoding: 'utf8' })
  assert.ok(`${logged.stdout}${logged.stderr}`.includes(QUERY_SECRET), 'the test image logs the URL: the premise')
  // Back to the working receiver for the suites after.
  const back = await make('alertmanager')
  outputs.push(back.stdout)
})

test('LANG=zh_CN.UTF-8: make all, report, alerts and images, and the drill above, print no English prose', async () => {
  for (const args of [
    ['all'],
    ['report', `ARGS=--out ${join(work, 'report', 'index.html')}`],
    ['alerts'],
    ['images'],
  ]) {
    const result = await makeWith(ZH, ...args)
    assert.is(result.code, 0, result.text)
  }
  const flagged = chinese.flatMap(({ command, text }) => linesWithEnglish(text).map((line) => `${command}: ${line}`))
  if (flagged.length) console.log(`English prose in a Chinese run:\n${flagged.join('\n')}`)
  assert.equal(flagged, [])
  assert.ok(chinese.length >= 5 && chinese.every(({ text }) => /[\u4e00-\u9fff]/.test(text)), 'each printed Chinese')
})

test('the receiver got only well-formed version-4 messages from Alertmanager', async () => {
  const violations = await (await fetch(`http://127.0.0.1:${hookPort}/__standin/violations`)).json()
  assert.equal(violations, [])
})

test("the webhook URL is in no container's argv, env, labels or mounts, no docker argv, no output", () => {
  const names = [env.TRITON_CONTAINER!, env.PROMETHEUS_CONTAINER!, env.ALERTMANAGER_CONTAINER!, env.GRAFANA_CONTAINER!]
  const inspected = docker('container', 'inspect', ...names)
  assert.is((JSON.parse(inspected) as unknown[]).length, names.length)
  assert.not.ok(inspected.includes(TOKEN), 'the token shows in docker inspect')
  const argv = readFileSync(argvLog, 'utf8')
  assert.not.ok(argv.includes(TOKEN), "the token reached docker's argv")
  assert.match(argv, /^cp - /m, 'the config went in through docker cp on stdin')
  for (const secret of [TOKEN, PATH_SECRET, QUERY_SECRET]) {
    assert.not.ok(inspected.includes(secret), `${secret} shows in docker inspect`)
    assert.not.ok(argv.includes(secret), `${secret} reached docker's argv`)
    for (const text of outputs) assert.not.ok(text.includes(secret), `${secret} was printed`)
  }
})

test.run()
