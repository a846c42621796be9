// TRITON_REPLICAS on the real Docker engine with the real Prometheus: three replicas, listed by
// the steps in Prometheus's targets file (no engine socket in Prometheus) and named by container;
// one of them stopped stays a target and TritonTargetDown names it; 3 → 1 → 3 converges the
// replicas and the targets with no other container recreated and no stale series; `make down`
// takes every replica.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fail } from '../../scripts/lib/step/fail.ts'
import { waitFor } from '../../scripts/lib/step/poll.ts'
import { buildImages, dockerId, freeReplicaPorts, run, type SuiteEnv, suiteEnv } from '../helpers/docker-suite.ts'
import { buildTritonDashboard } from '../../dashboards/triton.ts'
import { dashboardQueries, substitute } from '../helpers/dashboard-queries.ts'
import { prometheusApi } from '../helpers/prometheus.ts'

let suite: SuiteEnv
let env: Record<string, string>
let prometheus: ReturnType<typeof prometheusApi>
let prometheusId: string | undefined

/** Container names of replicas 1..n. */
const names = (n: number) =>
  Array.from({ length: n }, (_, k) => (k === 0 ? env.TRITON_CONTAINER! : `${env.TRITON_CONTAINER}-${k + 1}`))
const instances = (n: number) => names(n).map((name) => `${name}:8002`)

/** Polls `probe` until it holds, or fails the test with what it last saw. */
async function eventually<T>(what: string, probe: () => Promise<T | false>, timeoutMs = 60_000): Promise<T> {
  return waitFor(probe, {
    what,
    timeoutMs,
    intervalMs: 1000,
    onTimeout: (last) => fail(`${what}: not after ${timeoutMs / 1000} s (last: ${JSON.stringify(last)})`, ''),
  })
}

/** The instances of the triton job's `up` series Prometheus answers now (stale ones are not answered). */
async function upInstances(): Promise<string[]> {
  return (await prometheus.query('up{job="triton"}')).map((s) => s.metric.instance!).sort()
}

const running = (name: string) =>
  spawnSync('docker', ['inspect', '--format', '{{.State.Running}}', name], { encoding: 'utf8' }).stdout.trim() ===
  'true'

test.before(async () => {
  suite = await suiteEnv('replicas')
  env = { ...suite.env, ...(await freeReplicaPorts(3)), ...(await buildImages()) }
  // Cleanup removes every replica this suite can create.
  suite.containers.push(...names(3).slice(1))
  prometheus = prometheusApi(`http://127.0.0.1:${env.PROMETHEUS_PORT}`)
})

test.after(() => suite?.cleanup())

test('TRITON_REPLICAS=3 make up: three containers, three targets up, each instance named by its container', async () => {
  const result = await run('make', ['-s', 'up'], { ...env, TRITON_REPLICAS: '3' }, 600_000)
  assert.is(result.code, 0, result.text)
  for (const name of names(3)) {
    assert.match(result.text, `container ${name} created and started`)
    assert.ok(running(name), name)
  }
  assert.match(result.text, '3 triton targets up')
  const targets = (await prometheus.activeTargets()).filter((t) => t.labels.job === 'triton')
  assert.equal(targets.map((t) => t.labels.instance).sort(), instances(3).sort())
  assert.ok(
    targets.every((t) => t.health === 'up'),
    JSON.stringify(targets),
  )
  prometheusId = dockerId('container', env.PROMETHEUS_CONTAINER!)
})

test('Prometheus gets nothing of the engine: no socket mounted, no group added', () => {
  const inspect = (format: string) =>
    spawnSync('docker', ['inspect', '--format', format, env.PROMETHEUS_CONTAINER!], { encoding: 'utf8' }).stdout.trim()
  const mounts = JSON.parse(inspect('{{json .Mounts}}')) as { Source: string; Destination: string }[]
  assert.ok(mounts.length >= 2, JSON.stringify(mounts))
  assert.not.ok(
    mounts.some((m) => /docker\.sock|\.sock$/.test(m.Source) || /\.sock$/.test(m.Destination)),
    JSON.stringify(mounts),
  )
  assert.ok(['null', '[]'].includes(inspect('{{json .HostConfig.GroupAdd}}')), inspect('{{json .HostConfig.GroupAdd}}'))
})

test('replica k publishes the ports plus 10 per replica, on 127.0.0.1', () => {
  const http = Number(env.TRITON_HTTP_PORT)
  for (const [k, name] of names(3).entries()) {
    const ports = spawnSync('docker', ['port', name], { encoding: 'utf8' }).stdout.trim().split('\n').sort()
    assert.equal(
      ports,
      [0, 1, 2].map((i) => `${8000 + i}/tcp -> 127.0.0.1:${http + i + k * 10}`),
    )
  }
})

test('the replicas share the network alias: the name resolves to all three', () => {
  const lookup = spawnSync(
    'docker',
    [
      'exec',
      names(3)[1]!,
      'node',
      '-e',
      `require('dns').lookup(${JSON.stringify(env.TRITON_CONTAINER)}, { all: true }, (e, a) => console.log(e ? e.code : a.length))`,
    ],
    { encoding: 'utf8' },
  )
  assert.is(lookup.stdout.trim(), '3', lookup.stderr)
})

test('make load spreads over the three: a line each, and three instances with moving counters in Prometheus', async () => {
  const result = await run(
    'make',
    ['-s', 'load', 'ARGS=--requests 300 --concurrency 3 --json'],
    { ...env, TRITON_REPLICAS: '3' },
    120_000,
  )
  assert.is(result.code, 0, result.text)
  const report = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
    requests: number
    errors: number
    replicas: { name: string; requests: number; errors: number }[]
  }
  assert.is(report.requests, 300)
  assert.equal(
    report.replicas.map((r) => [r.name, r.requests, r.errors]),
    names(3).map((name) => [name, 100, 0]),
  )
  for (const name of names(3)) assert.match(result.stderr, new RegExp(`\\n\\s+${name}\\s+100\\s`))
  const moving = await eventually("every replica's success counter moved", async () => {
    const series = await prometheus.query('increase(nv_inference_request_success{job="triton"}[1m]) > 0')
    const seen = series.map((s) => s.metric.instance!).sort()
    return seen.join() === instances(3).sort().join() ? series : false
  })
  assert.is(moving.length, 3)
})

test("the dashboard's per-instance queries give one series per replica, named by its container", async () => {
  const queries = dashboardQueries(buildTritonDashboard({ datasourceUid: 'unused' }))
  for (const panel of ['QPS by instance', 'Mean latency by instance', 'Queue time per request by instance']) {
    const { expr } = queries.find((q) => q.panel === panel)!
    // A 1 m window holds the load sent a moment ago, scraped every 5 s.
    const series = await prometheus.query(substitute(expr, { model: '.*', rateInterval: '1m' }))
    assert.equal(series.map((s) => s.metric.instance).sort(), instances(3).sort(), panel)
  }
})

test("make report lists every replica in its services table, with the version each one's server reports", async () => {
  const out = `${suite.stateDir}/report.html`
  const result = await run('make', ['-s', 'report', `ARGS=--out ${out}`], { ...env, TRITON_REPLICAS: '3' }, 120_000)
  assert.is(result.code, 0, result.text)
  const html = readFileSync(out, 'utf8')
  const services = html.slice(html.indexOf('<h3>Services</h3>'), html.indexOf('<h3>Steps</h3>'))
  for (const name of names(3)) {
    assert.match(services, new RegExp(`<td>Triton</td><td><code>${name}</code></td>[^\\n]*<td>\\d+\\.\\d+\\.\\d+</td>`))
  }
})

test('a second make up with the same count keeps every container', async () => {
  const result = await run('make', ['-s', 'up'], { ...env, TRITON_REPLICAS: '3' }, 300_000)
  assert.is(result.code, 0, result.text)
  for (const name of names(3)) assert.match(result.text, `container ${name} already runs with this configuration, kept`)
  assert.not.match(result.text, /created|recreat|removed/)
  assert.is(dockerId('container', env.PROMETHEUS_CONTAINER!), prometheusId)
})

test('a stopped replica stays a target: TritonTargetDown fires naming it, and only it', async () => {
  const stopped = names(3)[2]!
  assert.is(spawnSync('docker', ['stop', stopped], { stdio: 'ignore' }).status, 0)
  await eventually('the stopped replica is down', async () => {
    const down = await prometheus.query('up{job="triton"} == 0')
    return down.length === 1 ? down : false
  })
  const alert = await eventually(
    'TritonTargetDown firing',
    async () =>
      (await prometheus.alerts()).find((a) => a.labels.alertname === 'TritonTargetDown' && a.state === 'firing') ??
      false,
    150_000,
  )
  assert.is(alert.labels.instance, `${stopped}:8002`)
  assert.is((await targetDown()).length, 1)
})

const targetDown = async () => (await prometheus.alerts()).filter((a) => a.labels.alertname === 'TritonTargetDown')

test('make up with the same count starts the stopped replica again, and the alert resolves', async () => {
  const result = await run('make', ['-s', 'up'], { ...env, TRITON_REPLICAS: '3' }, 300_000)
  assert.is(result.code, 0, result.text)
  assert.match(result.text, `container ${names(3)[2]} had the same configuration but was exited: started, kept`)
  await eventually('three triton targets up again', async () => (await upInstances()).length === 3)
  await eventually('TritonTargetDown resolved', async () => (await targetDown()).length === 0)
})

test('make alert-drill with three replicas stops the last one and watches its TritonTargetDown fire and resolve', async () => {
  // The alert of the stop above has to be gone from Alertmanager before a drill may start.
  await eventually(
    'no alert left in Alertmanager',
    async () => {
      const alerts = await run('make', ['-s', 'alerts', 'ARGS=--json'], { ...env, TRITON_REPLICAS: '3' })
      return (JSON.parse(alerts.stdout) as unknown[]).length === 0
    },
    90_000,
  )
  const result = await run('make', ['-s', 'alert-drill', 'ARGS=--json'], { ...env, TRITON_REPLICAS: '3' }, 400_000)
  assert.is(result.code, 0, result.text)
  const drill = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
    alert: string
    triton: string
    timeline: { event: string }[]
  }
  assert.is(drill.alert, 'TritonTargetDown')
  assert.is(drill.triton, names(3)[2])
  assert.equal(
    drill.timeline.map((t) => t.event),
    ['stopped', 'pending', 'firing', 'restarted', 'resolved'],
  )
  for (const name of names(3)) assert.ok(running(name), name)
})

test('3 → 1 → 3: the replicas and the targets follow, no other container is recreated, no stale series', async () => {
  const others = [env.PROMETHEUS_CONTAINER!, env.GRAFANA_CONTAINER!, names(3)[0]!].map((n) => [
    n,
    dockerId('container', n),
  ])
  const one = await run('make', ['-s', 'up'], { ...env, TRITON_REPLICAS: '1' }, 300_000)
  assert.is(one.code, 0, one.text)
  for (const name of names(3).slice(1)) assert.match(one.text, `container ${name} removed`)
  assert.match(one.text, `the triton target (${instances(1)[0]}) up`)
  assert.not.match(one.text, /reloaded the changed configuration|recreat/)
  await eventually('up{job="triton"} answers the first replica only', async () => {
    const up = await upInstances()
    return up.join() === instances(1).join() ? up : false
  })
  const three = await run('make', ['-s', 'up'], { ...env, TRITON_REPLICAS: '3' }, 300_000)
  assert.is(three.code, 0, three.text)
  for (const name of names(3).slice(1)) assert.match(three.text, `container ${name} created and started`)
  assert.match(three.text, '3 triton targets up')
  assert.not.match(three.text, /recreat/)
  for (const [name, id] of others) assert.is(dockerId('container', name!), id, `${name} was not recreated`)
  await eventually('three triton targets up', async () => (await upInstances()).length === 3)
  assert.equal(await targetDown(), [])
})

test('make down with the default count still removes every replica', async () => {
  const result = await run('make', ['-s', 'down'], env)
  assert.is(result.code, 0, result.text)
  for (const name of [...names(3), env.PROMETHEUS_CONTAINER!]) assert.is(dockerId('container', name), undefined, name)
  assert.is(dockerId('network', suite.network), undefined)
})

test.run()
