// Step 09 against the Grafana stand-in with a fake Prometheus behind its datasource proxy: it
// passes and prints the numbers, names a triton target that is down, and fails at once (not at
// its timeout) when Grafana cannot reach Prometheus or the datasource is not Prometheus.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { testWhatEveryGrafanaStepOwes, useGrafanaSteps } from '../helpers/grafana-steps.ts'

const steps = useGrafanaSteps((s) => [
  ['05-token', []],
  ['06-datasource', ['--url', s.prometheusUrl]],
  ['07-dashboard', []],
])

test('09 passes through the proxy and prints the numbers with --json', async () => {
  const result = await steps.run('09-verify', ['--json', '--timeout', '5'])
  assert.is(result.code, 0, result.stderr)
  const json = JSON.parse(result.stdout)
  assert.equal([json.ok, json.qps, json.latencyMs, json.target.health], [true, 12.5, 3.25, 'up'])
  assert.match(result.stderr, /QPS, last 5 min/)
})

test('09 fails, naming the triton target, when it is down', async () => {
  Object.assign(steps.fake, { health: 'down', lastError: 'connection refused' })
  try {
    const result = await steps.run('09-verify', ['--timeout', '1'])
    assert.is(result.code, 1)
    assert.match(result.stderr, /triton target triton:8002 is down \(connection refused\)/)
  } finally {
    Object.assign(steps.fake, { health: 'up', lastError: '' })
  }
})

test('09 fails at once, naming the target and Prometheus, when Grafana cannot reach Prometheus', async () => {
  assert.is((await steps.run('06-datasource', ['--url', 'http://127.0.0.1:9'])).code, 0)
  try {
    const started = Date.now()
    const result = await steps.run('09-verify', ['--timeout', '30'])
    assert.is(result.code, 1)
    assert.match(result.stderr, /triton target.*502/)
    assert.match(result.stderr, /make prometheus/)
    assert.ok(Date.now() - started < 20_000, 'a dead upstream is not waited for')
  } finally {
    assert.is((await steps.run('06-datasource', ['--url', steps.prometheusUrl])).code, 0)
  }
})

test('09 fails at once, naming the datasource, when it answers something that is not Prometheus', async () => {
  steps.fake.garbage = true
  try {
    const started = Date.now()
    const result = await steps.run('09-verify', ['--timeout', '30'])
    assert.is(result.code, 1)
    assert.match(result.stderr, /not a Prometheus API answer/)
    assert.match(result.stderr, /make datasource/)
    assert.ok(Date.now() - started < 20_000, 'a wrong answer is not waited for')
  } finally {
    steps.fake.garbage = false
  }
})

testWhatEveryGrafanaStepOwes(steps, '09-verify')

test.run()
