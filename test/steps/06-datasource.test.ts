// Step 06 against the Grafana stand-in: one Prometheus and one Alertmanager datasource by their
// fixed uids, kept on a re-run; a bad --url, a name held under another uid and a name clash are
// named, nothing duplicated.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { testWhatEveryGrafanaStepOwes, useGrafanaSteps } from '../helpers/grafana-steps.ts'
import { prometheusConfig } from '../../prometheus/config.ts'

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

testWhatEveryGrafanaStepOwes(steps, '06-datasource')

test.run()
