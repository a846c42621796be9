// The report charts the dashboard's own panels: read from the exported dashboard, every query
// interpolated as Grafana would open it (variables at their saved value, $__rate_interval by
// Grafana's rule), and each equal to the PromQL lib/triton/metrics.ts builds for that panel.
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
import {
  failureRatio,
  instanceMatches,
  label,
  latencyQuantileMs,
  meanMsPerRequest,
  metric,
  modelMatches,
  qps,
  type Scope,
  selector,
} from '../../scripts/lib/triton/metrics.ts'
import { repoRoot } from '../helpers/paths.ts'

const dashboard = readDashboard(`${repoRoot}/${DASHBOARD_FILE}`)
const panels = timeseriesPanels(dashboard, { interval: '5s', rateInterval: '20s' })
const perModel: Scope = { window: '20s', match: `${modelMatches('.*')}, ${instanceMatches('.*')}`, by: [label.model] }
const panel = (title: string) => {
  const found = panels.find((p) => p.title === title)
  assert.ok(found, `panel "${title}" in ${panels.map((p) => p.title).join(', ')}`)
  return found!
}

test('every time-series panel, in order, with no variable left for Prometheus to reject', () => {
  assert.ok(panels.length >= 8, `${panels.length} panels`)
  for (const p of panels) for (const q of p.queries) assert.not.match(q.expr, /\$|\[\[/, `${p.title}: ${q.expr}`)
})

test("the main panels' queries are the ones lib/triton/metrics.ts builds", () => {
  assert.is(panel('QPS per model').queries[0]!.expr, qps(perModel))
  assert.is(panel('Mean inference latency').queries[0]!.expr, meanMsPerRequest(metric.requestDuration, perModel))
  assert.is(panel('Failure ratio').queries[0]!.expr, failureRatio(perModel))
  assert.equal(
    panel('Latency percentiles (p50 / p95 / p99)').queries.map((q) => q.expr),
    [0.5, 0.95, 0.99].map((quantile) => latencyQuantileMs(quantile, perModel)),
  )
  assert.is(panel('CPU utilization').queries[0]!.expr, selector(metric.cpuUtilization, instanceMatches('.*')))
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
