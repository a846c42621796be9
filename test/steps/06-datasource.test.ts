// Step 06 against the Grafana stand-in: one Prometheus and one Alertmanager datasource by their
// fixed uids, kept on a re-run; a bad --url, a name held under another uid and a name clash are
// named, nothing duplicated; values Grafana would refuse are refused before any call.
import { spawnSync } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { assertRefusedBeforeAnyCall, testWhatEveryGrafanaStepOwes, useGrafanaSteps } from '../helpers/grafana-steps.ts'
import { prometheusConfig } from '../../prometheus/config.ts'
import { buildImages } from '../helpers/docker-suite.ts'

const steps = useGrafanaSteps(() => [['05-token', []]])

test('06 creates the datasources, and a second run keeps them (one each, by uid)', async () => {
  await steps.assertKeptOnRerun('06-datasource', ['--url', steps.prometheusUrl])
  const datasources = await steps.api('/api/datasources')
  assert.equal(
    datasources.map((d: { uid: string; type: string; url: string }) => [d.uid, d.type, d.url]),
    [
      ['triton-alertmanager', 'alertmanager', 'http://alertmanager:9093'],
      ['triton-prometheus', 'prometheus', steps.prometheusUrl],
    ],
  )
  // What Grafana's Alerting pages need to read Prometheus's Alertmanager (not Mimir's, its default).
  const alertmanager = await steps.api('/api/datasources/uid/triton-alertmanager')
  assert.equal(alertmanager.jsonData, { handleGrafanaManagedAlerts: false, implementation: 'prometheus' })
  assert.is(alertmanager.access, 'proxy')
})

test('06 points the Alertmanager datasource at ALERTMANAGER_CONTAINER, under ALERTMANAGER_DATASOURCE_UID', async () => {
  const env = { ALERTMANAGER_CONTAINER: 'tm-other-am', ALERTMANAGER_DATASOURCE_UID: 'other-am' }
  const moved = await steps.run('06-datasource', ['--url', steps.prometheusUrl], env)
  // Same name, other uid: named, not duplicated (the rule for every datasource the step owns).
  assert.is(moved.code, 1, moved.stderr)
  assert.match(moved.stderr, /named "Alertmanager" already exists with uid triton-alertmanager, not other-am/)
  assert.match(moved.stderr, /ALERTMANAGER_DATASOURCE_UID=triton-alertmanager to adopt it/)
  const result = await steps.run('06-datasource', ['--url', steps.prometheusUrl], {
    ALERTMANAGER_CONTAINER: 'tm-other-am',
  })
  assert.is(result.code, 0, result.stderr)
  assert.match(result.stderr, /datasource triton-alertmanager updated \(url differed\)/)
  assert.is((await steps.api('/api/datasources/uid/triton-alertmanager')).url, 'http://tm-other-am:9093')
  const back = await steps.run('06-datasource', ['--url', steps.prometheusUrl])
  assert.is(back.code, 0, back.stderr)
})

test("06 gives the datasource Prometheus's scrape interval, and converges one that lacks it", async () => {
  // What 03-prometheus deploys, so Grafana's $__rate_interval follows the real scrape.
  const scrape = prometheusConfig({ triton: { targets: ['triton:8002'] }, alertmanagerTarget: 'alertmanager:9093' })
    .global.scrape_interval
  const path = '/api/datasources/uid/triton-prometheus'
  const old = await steps.api(path)
  assert.is(old.jsonData.timeInterval, scrape)
  // A datasource made before this setting, with a key someone added in the UI.
  await steps.api(path, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ...Object.fromEntries(['name', 'type', 'access', 'url', 'basicAuth', 'version'].map((k) => [k, old[k]])),
      jsonData: { httpMethod: 'POST', keepCookies: ['session'] },
    }),
  })
  assert.is((await steps.api(path)).jsonData.timeInterval, undefined)
  const result = await steps.run('06-datasource', ['--url', steps.prometheusUrl])
  assert.is(result.code, 0, result.stderr)
  assert.match(result.stderr, /updated \(jsonData differed\)/)
  assert.equal((await steps.api(path)).jsonData, { httpMethod: 'POST', keepCookies: ['session'], timeInterval: scrape })
  assert.match((await steps.run('06-datasource', ['--url', steps.prometheusUrl])).stderr, /kept/)
})

test('06 refuses a --url that is not an http address with exit 2, and leaves the datasource as it was', async () => {
  const result = await steps.run('06-datasource', ['--url', 'prometheus:9090'])
  assert.is(result.code, 2, result.stderr)
  assert.match(result.stderr, /--url "prometheus:9090" is not an http:\/\/ address/)
  assert.is((await steps.api('/api/datasources/uid/triton-prometheus')).url, steps.prometheusUrl)
})

test('06 reports a datasource of the same name under another uid instead of duplicating it', async () => {
  const result = await steps.run('06-datasource', ['--url', steps.prometheusUrl], { DATASOURCE_UID: 'another-uid' })
  assert.is(result.code, 1)
  assert.match(result.stderr, /named "Prometheus" already exists with uid triton-prometheus, not another-uid/)
  assert.is((await steps.api('/api/datasources')).length, 2)
})

test('06 names the clash when the new name belongs to another datasource (Grafana: 409)', async () => {
  const other = await steps.api('/api/datasources', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Taken',
      type: 'prometheus',
      url: steps.prometheusUrl,
      access: 'proxy',
      uid: 'taken',
    }),
  })
  try {
    const result = await steps.run('06-datasource', ['--url', steps.prometheusUrl, '--name', 'Taken'])
    assert.is(result.code, 1)
    assert.match(result.stderr, /409 "Failed to update datasource: data source with the same name already exists"/)
    assert.match(result.stderr, /already named "Taken".*--name <other name>/)
  } finally {
    await steps.api(`/api/datasources/uid/${other.datasource.uid}`, { method: 'DELETE' })
  }
})

test("an empty --name, or one longer than Grafana's 190, is refused with exit 2 before any call", async () => {
  await assertRefusedBeforeAnyCall(steps, '06-datasource', ['--name', ''], /--name is empty/)
  await assertRefusedBeforeAnyCall(
    steps,
    '06-datasource',
    ['--name', 'n'.repeat(191)],
    /--name is 191 characters long; it takes at most 190/,
  )
})

test("a --url whose host the stack's network cannot look up is saved, with a warning that Grafana will not reach it", async () => {
  const images = await buildImages()
  const network = `tm-datasource-${process.pid}-net`
  spawnSync('docker', ['network', 'create', network], { stdio: 'ignore' })
  try {
    const env = { NETWORK: network, PROMETHEUS_IMAGE: images.PROMETHEUS_IMAGE! }
    const result = await steps.run('06-datasource', ['--url', 'http://tm-no-such-host:9090'], env)
    assert.is(result.code, 0, result.stderr)
    assert.match(result.stderr, `Grafana will not reach http://tm-no-such-host:9090: on network ${network}`)
    assert.match(result.stderr, /no such host/)
    // An address needs no lookup, and the stack's own name is not checked at all.
    const back = await steps.run('06-datasource', ['--url', steps.prometheusUrl], env)
    assert.is(back.code, 0, back.stderr)
    assert.not.match(back.stderr, /will not reach/)
  } finally {
    spawnSync('docker', ['network', 'rm', network], { stdio: 'ignore' })
  }
})

testWhatEveryGrafanaStepOwes(steps, '06-datasource')

test.run()
