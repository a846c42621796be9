// The report charts the dashboard's own panels: read from the exported dashboard, every query
// interpolated as Grafana would open it (variables at their saved value, $__rate_interval by
// Grafana's rule), and each equal to PromQL written out here by hand.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { DASHBOARD_FILE, readDashboard } from '../../scripts/lib/grafana/dashboard.ts'
import {
  interpolate,
  legendName,
  rateIntervalSeconds,
  timeseriesPanels,
  variableValues,
} from '../../scripts/lib/report/panels.ts'
import { repoRoot } from '../helpers/paths.ts'

const dashboard = readDashboard(`${repoRoot}/${DASHBOARD_FILE}`)
const panels = timeseriesPanels(dashboard, { interval: '5s', rateInterval: '20s' })
const panel = (title: string) => {
  const found = panels.find((p) => p.title === title)
  assert.ok(found, `panel "${title}" in ${panels.map((p) => p.title).join(', ')}`)
  return found!
}

test('every time-series panel, in order, with no variable left for Prometheus to reject', () => {
  assert.ok(panels.length >= 8, `${panels.length} panels`)
  for (const p of panels) for (const q of p.queries) assert.not.match(q.expr, /\$|\[\[/, `${p.title}: ${q.expr}`)
})

// Literal PromQL, worked out by hand from Triton's metric names (test/reference holds real scrapes):
// comparing with what lib/triton/metrics.ts builds would make the module under test its own oracle.
const all = 'model=~".*", instance=~".*"'
const perSecond = (name: string) => `sum by (model) (rate(${name}{${all}}[20s]))`

test("the main panels' queries, as Grafana opens them", () => {
  assert.is(panel('QPS per model').queries[0]!.expr, perSecond('nv_inference_request_success'))
  assert.is(
    panel('Mean inference latency').queries[0]!.expr,
    `${perSecond('nv_inference_request_duration_us')} / ${perSecond('nv_inference_request_success')} / 1000`,
  )
  assert.is(
    panel('Failure ratio').queries[0]!.expr,
    `${perSecond('nv_inference_request_failure')} / ` +
      `(${perSecond('nv_inference_request_success')} + ${perSecond('nv_inference_request_failure')})`,
  )
  assert.is(panel('CPU utilization').queries[0]!.expr, 'nv_cpu_utilization{instance=~".*"}')
})

test('each percentile series asks for its own quantile, and its legend names that quantile', () => {
  const percentiles = panel('Latency percentiles (p50 / p95 / p99)').queries
  assert.equal(
    percentiles.map((q) => q.expr),
    ['0.5', '0.95', '0.99'].map(
      (q) => `max by (model) (nv_inference_request_summary_us{${all}, quantile="${q}"}) / 1000`,
    ),
  )
  assert.equal(
    percentiles.map((q) => q.legend),
    ['{{model}} p50', '{{model}} p95', '{{model}} p99'],
  )
})

test('units, limits, stacking and GPU panels come from the panel', () => {
  assert.is(panel('QPS per model').unit, 'reqps')
  assert.is(panel('Mean inference latency').unit, 'ms')
  assert.equal([panel('Failure ratio').min, panel('Failure ratio').max], [0, 1])
  assert.ok(panel('Latency breakdown per request').stacked)
  assert.not.ok(panel('QPS per model').stacked)
  assert.ok(panel('GPU utilization').gpu)
  assert.not.ok(panel('CPU utilization').gpu)
  assert.is(panel('QPS per model').row, 'Throughput')
})

test("variables open at their saved value: All is the variable's all value, others are regex-escaped", () => {
  assert.equal(variableValues(dashboard), { model: '.*', instance: '.*' })
  const model = (value: unknown, extra = {}) =>
    variableValues({
      uid: 'u',
      title: 't',
      templating: {
        list: [{ type: 'query', name: 'model', multi: true, includeAll: true, current: { value }, ...extra }],
      },
    }).model
  assert.is(model(['$__all'], { allValue: null }), '.*')
  assert.is(model(['a.b']), 'a\\.b')
  assert.is(model(['a', 'b']), '(a|b)')
})

test('interpolation knows $x, ${x}, ${x:format} and [[x]], and leaves unknown names alone', () => {
  const values = { model: 'm', __rate_interval: '20s' }
  assert.is(interpolate('rate(x{model=~"$model"}[$__rate_interval])', values), 'rate(x{model=~"m"}[20s])')
  assert.is(interpolate('${model} ${model:regex} [[model]] $other', values), 'm m m $other')
})

test("$__rate_interval follows Grafana's rule", () => {
  assert.is(rateIntervalSeconds(5, 5), 20)
  assert.is(rateIntervalSeconds(60, 5), 65)
})

test('legend names as Grafana draws them', () => {
  assert.is(legendName({ model: 'mnist_mlp' }, '{{model}} p50'), 'mnist_mlp p50')
  assert.is(legendName({ __name__: 'up', job: 'triton' }, undefined), 'up{job="triton"}')
  assert.is(legendName({}, undefined), 'value')
})

test.run()
