// The stack on the real Docker engine, with the local images: `make up`, load through the load
// step, Prometheus sees the traffic; a second `make up` recreates nothing; a changed setting
// recreates only what it concerns; `make down` leaves nothing. One stack serves every assertion.
import { spawnSync } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { HASH_LABEL, MANAGED_LABEL } from '../../scripts/lib/engine/spec.ts'
import { PROBE_LABEL } from '../../scripts/lib/engine/gpu.ts'
import { waitFor } from '../../scripts/lib/step/poll.ts'
import { fail } from '../../scripts/lib/step/fail.ts'
import { buildImages, dockerId, freePort, run, runStep, suiteEnv, type SuiteEnv } from '../helpers/docker-suite.ts'

let suite: SuiteEnv
let env: Record<string, string>
const ids: Record<string, string | undefined> = {}

const prometheus = () => `http://127.0.0.1:${env.PROMETHEUS_PORT}`

/** The anonymous volume the image's VOLUME /prometheus gave the container. */
function dataVolume(container: string): string {
  const mounts = JSON.parse(
    spawnSync('docker', ['container', 'inspect', '--format', '{{json .Mounts}}', container], { encoding: 'utf8' })
      .stdout,
  ) as { Type: string; Name?: string; Destination: string }[]
  const volume = mounts.find((m) => m.Type === 'volume' && m.Destination === '/prometheus')?.Name
  assert.ok(volume, `${container} has no volume at /prometheus: ${JSON.stringify(mounts)}`)
  return volume
}

const volumeExists = (name: string) =>
  spawnSync('docker', ['volume', 'inspect', name], { stdio: 'ignore' }).status === 0

async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${prometheus()}/api/v1/query?query=${encodeURIComponent(expr)}`, {
    signal: AbortSignal.timeout(5000),
  })
  const body = (await response.json()) as {
    status: string
    data: { result: { metric: Record<string, string>; value: [number, string] }[] }
  }
  assert.is(body.status, 'success', expr)
  return body.data.result
}

test.before(async () => {
  suite = await suiteEnv('stack')
  env = { ...suite.env, ...(await buildImages()) }
  assert.match(env.TRITON_IMAGE ?? '', /^triton-monitoring\/triton-standin:[0-9a-f]+$/)
  assert.match(env.PROMETHEUS_IMAGE ?? '', /^triton-monitoring\/prometheus:[0-9a-f]+$/)
})

test.after(() => suite?.cleanup())

test('make up creates network, Triton, Prometheus and Alertmanager, and waits for the triton target', async () => {
  const result = await run('make', ['-s', 'up'], env)
  assert.is(result.code, 0, result.text)
  assert.match(result.text, `network ${env.NETWORK} created`)
  assert.match(result.text, `container ${env.TRITON_CONTAINER} created and started`)
  assert.match(result.text, `container ${env.PROMETHEUS_CONTAINER} created and started`)
  assert.match(result.text, /triton\s+\S+-triton:8002\s+http:\/\/\S+:8002\/metrics\s+up/)
  // Prometheus needs no Alertmanager (make up runs them side by side, either may finish first).
  assert.match(result.text, 'Prometheus is up')
  assert.match(result.text, `Alertmanager 0.25.0 is ready at http://127.0.0.1:${env.ALERTMANAGER_PORT}`)
  ids.triton = dockerId('container', env.TRITON_CONTAINER!)
  ids.prometheus = dockerId('container', env.PROMETHEUS_CONTAINER!)
  assert.ok(ids.triton && ids.prometheus)
  ids.prometheusVolume = dataVolume(env.PROMETHEUS_CONTAINER!)
  assert.is(ids.prometheusVolume, env.PROMETHEUS_VOLUME, 'its history lives in the named volume')
})

test("Prometheus keeps the image's console flags: its console page renders with the image's libraries", async () => {
  const image = await run('docker', ['image', 'inspect', '--format', '{{json .Config.Cmd}}', env.PROMETHEUS_IMAGE!], {})
  assert.equal(JSON.parse(image.stdout), [
    '--config.file=/etc/prometheus/prometheus.yml',
    '--storage.tsdb.path=/prometheus',
    '--web.console.libraries=/usr/share/prometheus/console_libraries',
    '--web.console.templates=/usr/share/prometheus/consoles',
  ])
  // The page uses templates defined in console_libraries/prom.lib: a 200 needs both flags to hold.
  const page = await fetch(`${prometheus()}/consoles/prometheus.html`, { signal: AbortSignal.timeout(10_000) })
  const body = await page.text()
  assert.is(page.status, 200, body.slice(0, 300))
  assert.match(body, '<h1>Prometheus</h1>')
})

test('ports are published on 127.0.0.1 only', async () => {
  const result = await run('docker', ['port', env.TRITON_CONTAINER!], {})
  const lines = result.stdout.trim().split('\n').sort()
  assert.equal(
    lines,
    [
      `8000/tcp -> 127.0.0.1:${env.TRITON_HTTP_PORT}`,
      `8001/tcp -> 127.0.0.1:${env.TRITON_GRPC_PORT}`,
      `8002/tcp -> 127.0.0.1:${env.TRITON_METRICS_PORT}`,
    ].sort(),
  )
})

test('load through the load step shows in Prometheus: target up, QPS > 0, mean latency recorded', async () => {
  const load = await runStep(
    '08-load',
    ['--url', `http://127.0.0.1:${env.TRITON_HTTP_PORT}`, '--requests', '200', '--concurrency', '2'],
    env,
    120_000,
  )
  assert.is(load.code, 0, load.text)
  const targets = (await (await fetch(`${prometheus()}/api/v1/targets`)).json()) as {
    data: { activeTargets: { labels: { job: string }; health: string }[] }
  }
  assert.is(targets.data.activeTargets.find((t) => t.labels.job === 'triton')?.health, 'up')
  // The next scrape after the load (every 5s) makes the rate positive.
  const qps = await waitFor(
    async () => {
      const result = await query('sum(rate(nv_inference_request_success[1m])) > 0')
      return result.length ? Number(result[0]!.value[1]) : false
    },
    {
      what: 'QPS > 0 in Prometheus',
      timeoutMs: 60_000,
      intervalMs: 1000,
      onTimeout: () => fail('no QPS in Prometheus after 60s', 'check the scrape'),
    },
  )
  assert.ok(qps > 0)
  const latency = await waitFor(
    async () => {
      // NaN until the 1m window holds two scrapes that both saw requests (0/0 before): wait for a number.
      const result = await query('model:nv_inference_request_duration_ms:mean1m')
      return result.length && Number(result[0]!.value[1]) > 0 ? result : false
    },
    {
      what: 'recording rule evaluated',
      timeoutMs: 30_000,
      intervalMs: 1000,
      onTimeout: () => fail('recording rule has no value', 'check rules'),
    },
  )
  assert.is(latency[0]!.metric.model, 'mnist_mlp')
  assert.ok(Number(latency[0]!.value[1]) > 0)
})

test('a second make up keeps everything (same container ids, "kept" in the output)', async () => {
  const result = await run('make', ['-s', 'up'], env)
  assert.is(result.code, 0, result.text)
  assert.match(result.text, `network ${env.NETWORK} exists, kept`)
  assert.match(result.text, `container ${env.TRITON_CONTAINER} already runs with this configuration, kept`)
  assert.match(result.text, `container ${env.PROMETHEUS_CONTAINER} already runs with this configuration, kept`)
  assert.match(result.text, `container ${env.ALERTMANAGER_CONTAINER} already runs with this configuration, kept`)
  assert.not.match(result.text, /created|recreat/)
  assert.is(dockerId('container', env.TRITON_CONTAINER!), ids.triton)
  assert.is(dockerId('container', env.PROMETHEUS_CONTAINER!), ids.prometheus)
})

test('a changed setting recreates that container and says why; the others are kept', async () => {
  env.TRITON_GRPC_PORT = String(await freePort())
  const result = await run('make', ['-s', 'up'], env)
  assert.is(result.code, 0, result.text)
  assert.match(result.text, `container ${env.TRITON_CONTAINER} has a different configuration (ports): recreating it`)
  assert.match(result.text, `container ${env.PROMETHEUS_CONTAINER} already runs with this configuration, kept`)
  assert.is.not(dockerId('container', env.TRITON_CONTAINER!), ids.triton)
  assert.is(dockerId('container', env.PROMETHEUS_CONTAINER!), ids.prometheus)
})

test('a recreated Prometheus runs on the same named volume, and has no anonymous one to leave behind', async () => {
  env.PROMETHEUS_PORT = String(await freePort())
  const result = await run('make', ['-s', 'prometheus'], env)
  assert.is(result.code, 0, result.text)
  assert.match(
    result.text,
    // args too: --web.external-url names the host port.
    `container ${env.PROMETHEUS_CONTAINER} has a different configuration (args, ports): recreating it`,
  )
  const mounts = JSON.parse(
    spawnSync('docker', ['container', 'inspect', '--format', '{{json .Mounts}}', env.PROMETHEUS_CONTAINER!], {
      encoding: 'utf8',
    }).stdout,
  ) as { Type: string; Name?: string }[]
  assert.equal(
    mounts.filter((m) => m.Type === 'volume').map((m) => m.Name),
    [env.PROMETHEUS_VOLUME],
  )
})

test('make down leaves no container and no network, keeps the data volumes; make down --volumes removes them', async () => {
  // What a run killed mid-recreate or mid-probe leaves beside Triton: a parked predecessor, a GPU probe.
  const leftovers = {
    [`${env.TRITON_CONTAINER}-previous`]: [`${MANAGED_LABEL}=true`, `${HASH_LABEL}=x`],
    [`${env.TRITON_CONTAINER}-gpu-probe`]: [`${PROBE_LABEL}=true`],
  }
  for (const [name, labels] of Object.entries(leftovers)) {
    const args = ['create', '--name', name, ...labels.flatMap((l) => ['--label', l]), env.TRITON_IMAGE!, 'tritonserver']
    assert.is(spawnSync('docker', args, { stdio: 'ignore' }).status, 0, name)
    suite.containers.push(name)
  }
  const result = await run('make', ['-s', 'down'], env)
  assert.is(result.code, 0, result.text)
  for (const name of Object.keys(leftovers))
    assert.match(result.text, `container ${name}, left by an interrupted run, removed`)
  // Prometheus's history is data, like Grafana's: kept by `make down`, removed with --volumes.
  assert.ok(volumeExists(env.PROMETHEUS_VOLUME!), `volume ${env.PROMETHEUS_VOLUME} kept`)
  assert.match(result.text, `volume ${env.PROMETHEUS_VOLUME} kept (pass --volumes to remove it)`)
  for (const name of suite.containers) assert.is(dockerId('container', name), undefined, name)
  assert.is(dockerId('network', suite.network), undefined)
  const again = await run('make', ['-s', 'down', 'ARGS=--volumes'], env)
  assert.is(again.code, 0, again.text)
  assert.match(again.text, `network ${env.NETWORK}: none`)
  assert.match(again.text, `volume ${env.PROMETHEUS_VOLUME} removed`)
  assert.not.ok(volumeExists(env.PROMETHEUS_VOLUME!), `volume ${env.PROMETHEUS_VOLUME} removed by --volumes`)
})

test.run()
