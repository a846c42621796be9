// The exported dashboard: fresh (equals a build in memory), deterministic, valid against
// Grafana's schemas, and carrying its datasource, units and descriptions on every panel.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { DASHBOARD_UID, buildTritonDashboard, tritonDashboardFiles } from '../../dashboards/triton.ts'
import {
  DATASOURCE_VARIABLE,
  INSTANCE_VARIABLE,
  MODEL_VARIABLE,
  datasourceRef,
} from '../../dashboards/triton/variables.ts'
import { defaults, loadConfig } from '../../scripts/lib/step/config.ts'
import { dashboardValidator } from '../helpers/dashboard-schema.ts'
import { repoRoot } from '../helpers/paths.ts'

type Json = Record<string, any>

const uid = defaults.DATASOURCE_UID
const committed = (name: string) => readFileSync(join(repoRoot, 'dashboards', name), 'utf8')
const dashboard = JSON.parse(committed('triton.json')) as Json
const panels = (dashboard.panels as Json[]).flatMap((p) => [p, ...((p.panels ?? []) as Json[])])
const visualizations = panels.filter((p) => p.type !== 'row')
const validate = dashboardValidator()

test('the committed JSON equals a fresh build (run `make dashboards` when this fails)', () => {
  const fresh = tritonDashboardFiles({ datasourceUid: uid })
  for (const [name, text] of Object.entries(fresh)) {
    assert.fixture(committed(name), text, `dashboards/${name} is stale`)
  }
})

// Built fresh, so a quantile changed in dashboards/ and re-exported is still caught: each series of the
// percentile panel asks Triton's summary for its own quantile (literals, not the builder's output).
test('the percentile panel: p50, p95 and p99 each ask for their own quantile, named in the legend', () => {
  const fresh = JSON.parse(tritonDashboardFiles({ datasourceUid: uid })['triton.json']!) as Json
  const all = (fresh.panels as Json[]).flatMap((p) => [p, ...((p.panels ?? []) as Json[])])
  const percentiles = all.find((p) => p.title === 'Latency percentiles (p50 / p95 / p99)')!
  assert.equal(
    (percentiles.targets as Json[]).map((t) => [t.legendFormat, /quantile="([^"]+)"/.exec(t.expr)?.[1]]),
    [
      ['{{model}} p50', '0.5'],
      ['{{model}} p95', '0.95'],
      ['{{model}} p99', '0.99'],
    ],
  )
})

test('the export is byte-stable: sorted keys, one trailing newline, same bytes every build', () => {
  const a = tritonDashboardFiles({ datasourceUid: uid })
  const b = tritonDashboardFiles({ datasourceUid: uid })
  assert.equal(a, b)
  for (const text of Object.values(a)) {
    assert.ok(text.endsWith('}\n') && !text.endsWith('\n\n'))
    const keysInOrder = (value: unknown): boolean =>
      Array.isArray(value)
        ? value.every(keysInOrder)
        : value !== null && typeof value === 'object'
          ? Object.keys(value).every((k, i, keys) => i === 0 || keys[i - 1]! < k) &&
            Object.values(value).every(keysInOrder)
          : true
    assert.ok(keysInOrder(JSON.parse(text)), 'keys are sorted at every level')
  }
})

test('the import body is the dashboard with overwrite: true, in the shape of POST /api/dashboards/db', () => {
  const body = JSON.parse(committed('triton.import.json')) as Json
  assert.equal(Object.keys(body).sort(), ['dashboard', 'overwrite'])
  assert.is(body.overwrite, true)
  assert.equal(body.dashboard, dashboard)
  assert.is(body.dashboard.id, undefined, 'no instance-specific id, so any Grafana accepts it')
})

test('stable uid and a title', () => {
  assert.is(dashboard.uid, DASHBOARD_UID)
  assert.is(DASHBOARD_UID, 'triton-monitoring')
  assert.ok(/^[a-zA-Z0-9_-]{1,40}$/.test(dashboard.uid))
  assert.ok(dashboard.title.length > 0)
})

test("valid against Grafana's dashboard, panel and Prometheus query schemas", () => {
  assert.equal(validate(dashboard), [])
})

test('the schema check is not vacuous: broken panels, options and targets are rejected', () => {
  const broken = structuredClone(dashboard)
  const [stat, series] = [
    broken.panels.find((p: Json) => p.type === 'stat'),
    broken.panels.find((p: Json) => p.type === 'timeseries'),
  ]
  delete stat.options.reduceOptions
  series.gridPos.w = 30
  series.targets[0].expression = series.targets[0].expr
  series.fieldConfig.defaults.custom.fillOpacity = 'half'
  broken.panels.push({ type: 'piechart', id: 999, title: 'unknown plugin' })
  const problems = validate(broken)
    .map((p) => `${p.where}: ${p.errors.join('; ')}`)
    .join('\n')
  for (const expected of [
    /reduceOptions/,
    /gridPos\/w must be <= 24/,
    /additional properties.*expression/,
    /fillOpacity must be number/,
    /no schema for panel type piechart/,
  ]) {
    assert.match(problems, expected)
  }
})

test('every panel, row and target names the datasource, through the variable saved with the fixed uid', () => {
  for (const panel of panels) {
    assert.equal(panel.datasource, datasourceRef, `panel "${panel.title}"`)
    for (const target of panel.targets ?? [])
      assert.equal(target.datasource, datasourceRef, `panel "${panel.title}" target ${target.refId}`)
  }
  assert.equal(datasourceRef, { type: 'prometheus', uid: '${datasource}' })
  const variable = (dashboard.templating.list as Json[]).find((v) => v.name === DATASOURCE_VARIABLE)!
  assert.is(variable.type, 'datasource')
  assert.is(variable.query, 'prometheus')
  assert.is(variable.current.value, uid, 'saved value is the uid the setup scripts give the datasource')
})

test('no import placeholder: the JSON posts as-is to the API and through the Import UI', () => {
  const text = committed('triton.json')
  assert.not.match(text, /\$\{DS_/)
  assert.not.match(text, /__inputs|__requires/)
  // Every ${var} / $var used is a variable of this dashboard or one Grafana defines.
  const defined = new Set([
    ...(dashboard.templating.list as Json[]).map((v) => v.name),
    '__rate_interval',
    '__interval',
    '__all',
  ])
  const used = [...text.matchAll(/\$\{?(\w+)/g)].map((m) => m[1]!)
  assert.equal(
    used.filter((name) => !defined.has(name)),
    [],
  )
})

test("the datasource uid is configurable (DATASOURCE_UID) and changes only the variable's saved value", () => {
  const other = loadConfig({ DATASOURCE_UID: 'other-prom' }).datasourceUid
  const built = buildTritonDashboard({ datasourceUid: other }) as Json
  const variable = (built.templating.list as Json[]).find((v) => v.name === DATASOURCE_VARIABLE)!
  assert.equal(variable.current, { selected: true, text: other, value: other })
  variable.current = (dashboard.templating.list as Json[]).find((v) => v.name === DATASOURCE_VARIABLE)!.current
  assert.equal(JSON.parse(JSON.stringify(built)), dashboard)
})

test("the model variable lists Triton's models and every per-model query filters on it", () => {
  const model = (dashboard.templating.list as Json[]).find((v) => v.name === MODEL_VARIABLE)!
  assert.is(model.type, 'query')
  assert.equal(model.datasource, datasourceRef)
  assert.match(model.query, /^label_values\(nv_inference_\w+, model\)$/)
  for (const panel of visualizations) {
    for (const target of panel.targets) {
      if (/nv_inference_/.test(target.expr)) {
        for (const selector of target.expr.match(/nv_inference_\w+(\{[^}]*\})?/g)) {
          assert.match(selector, /\{model=~"\$model"/, `${panel.title}: ${selector}`)
        }
      }
    }
  }
})

test('the instance variable (multi-select, default All) lists the replicas and every Triton query filters on it', () => {
  const instance = (dashboard.templating.list as Json[]).find((v) => v.name === INSTANCE_VARIABLE)!
  assert.is(instance.type, 'query')
  assert.equal(instance.datasource, datasourceRef)
  assert.match(instance.query, /^label_values\(nv_inference_\w+, instance\)$/)
  assert.is(instance.multi, true)
  assert.is(instance.includeAll, true)
  assert.equal(instance.current.value, ['$__all'])
  for (const panel of visualizations) {
    for (const target of panel.targets) {
      for (const selector of target.expr.match(/nv_\w+(\{[^}]*\})?/g) ?? []) {
        assert.match(selector, /instance=~"\$instance"/, `${panel.title}: ${selector}`)
      }
    }
  }
})

test('the replica panels keep one series per instance; the imbalance is one number', () => {
  const byTitle = new Map(visualizations.map((p) => [p.title as string, p]))
  for (const title of [
    'QPS by instance',
    'Mean latency by instance',
    'Queue time per request by instance',
    'Traffic share by instance',
  ]) {
    const [target] = byTitle.get(title)!.targets as Json[]
    assert.match(target!.expr, /sum by \(instance\)/, title)
    assert.is(target!.legendFormat, '{{instance}}', title)
  }
  assert.match(
    byTitle.get('Load imbalance')!.targets[0].expr,
    /^max\(sum by \(instance\) .*\/ avg\(sum by \(instance\)/,
  )
})

test('every panel has a unit, a title and a description; every target a refId and a PromQL expression', () => {
  for (const panel of visualizations) {
    assert.type(panel.fieldConfig?.defaults?.unit, 'string', `panel "${panel.title}" has no unit`)
    assert.ok(panel.fieldConfig.defaults.unit.length > 0)
    assert.ok(panel.title?.length > 0)
    assert.ok(panel.description?.length > 20, `panel "${panel.title}" needs a description`)
    assert.ok(panel.targets.length > 0)
    const refIds = panel.targets.map((t: Json) => t.refId)
    assert.equal(refIds, [...new Set(refIds)], 'refIds are unique in a panel')
    for (const target of panel.targets) assert.ok(target.refId && target.expr)
  }
})

test('panel ids are unique and the grid has no overlaps', () => {
  const ids = panels.map((p) => p.id)
  assert.equal(ids, [...new Set(ids)])
  const cells = new Set<string>()
  for (const { gridPos: g, title } of panels) {
    assert.ok(g.x + g.w <= 24, `${title} fits in 24 columns`)
    for (let x = g.x; x < g.x + g.w; x++) {
      for (let y = g.y; y < g.y + g.h; y++) {
        assert.not.ok(cells.has(`${x},${y}`), `${title} overlaps another panel at ${x},${y}`)
        cells.add(`${x},${y}`)
      }
    }
  }
})

test('the panels the issue asks for are there, with the right units, in rows', () => {
  const byTitle = new Map(visualizations.map((p) => [p.title as string, p]))
  const expected: [string, string, string][] = [
    ['GPU utilization', 'timeseries', 'percentunit'],
    ['QPS per model', 'timeseries', 'reqps'],
    ['Mean inference latency', 'timeseries', 'ms'],
    ['Success vs failure rate', 'timeseries', 'reqps'],
    ['Failure ratio', 'timeseries', 'percentunit'],
    ['Latency breakdown per request', 'timeseries', 'ms'],
    ['Latency percentiles (p50 / p95 / p99)', 'timeseries', 'ms'],
    ['Batching efficiency', 'timeseries', 'short'],
    ['GPU memory', 'timeseries', 'bytes'],
    ['GPU power', 'timeseries', 'watt'],
    ['CPU utilization', 'timeseries', 'percentunit'],
    ['CPU memory', 'timeseries', 'bytes'],
    ['Current QPS', 'stat', 'reqps'],
    ['Mean latency', 'stat', 'ms'],
    ['Success ratio', 'stat', 'percentunit'],
    ['Alerts firing', 'state-timeline', 'none'],
    ['QPS by instance', 'timeseries', 'reqps'],
    ['Mean latency by instance', 'timeseries', 'ms'],
    ['Queue time per request by instance', 'timeseries', 'ms'],
    ['Traffic share by instance', 'timeseries', 'percentunit'],
    ['Load imbalance', 'stat', 'short'],
  ]
  for (const [title, type, unit] of expected) {
    const panel = byTitle.get(title)
    assert.ok(panel, `missing panel ${title}`)
    assert.is(panel!.type, type, title)
    assert.is(panel!.fieldConfig.defaults.unit, unit, title)
  }
  assert.equal(
    (dashboard.panels as Json[]).filter((p) => p.type === 'row').map((p) => p.title),
    ['Overview', 'Alerts', 'Replicas', 'Throughput', 'Errors', 'Latency', 'GPU', 'CPU and memory'],
  )
  const breakdown = byTitle
    .get('Latency breakdown per request')!
    .targets.map((t: Json) => t.expr)
    .join('\n')
  for (const part of ['queue', 'compute_input', 'compute_infer', 'compute_output'])
    assert.match(breakdown, `nv_inference_${part}_duration_us`)
})

test('the Alerts row shows the firing alerts of the Prometheus rules on the Prometheus datasource', () => {
  const panel = visualizations.find((p) => p.title === 'Alerts firing')!
  assert.equal(
    panel.targets.map((t: Json) => t.expr),
    ['ALERTS{alertstate="firing"}'],
  )
  assert.equal(panel.datasource, datasourceRef)
  // ALERTS is 1 while an alert fires: the bar says so, in red.
  assert.equal(panel.fieldConfig.defaults.mappings, [
    { type: 'value', options: { '1': { color: 'red', index: 0, text: 'firing' } } },
  ])
  assert.match(panel.fieldConfig.defaults.noValue, /No alert/)
  assert.is(panel.gridPos.w, 24)
})

test('a panel type without a schema in the reference folder is refused unless listed as such', () => {
  const broken = JSON.parse(JSON.stringify(dashboard)) as Json
  broken.panels.find((p: Json) => p.type === 'state-timeline').type = 'table'
  assert.match(JSON.stringify(validate(broken)), /no schema for panel type table/)
})

test('GPU panels say there is no GPU instead of showing an empty chart', () => {
  const gpu = visualizations.filter((p) => p.targets.some((t: Json) => /nv_gpu_/.test(t.expr)))
  assert.is(gpu.length, 3)
  for (const panel of gpu) assert.match(panel.fieldConfig.defaults.noValue, /no GPU metrics/i)
})

test('no latency is computed from a cumulative counter without rate()', () => {
  for (const panel of visualizations) {
    for (const { expr } of panel.targets) {
      // Every _us / _count-style counter appears only inside rate(...).
      const bare = (expr as string)
        .replace(/rate\([^()]*\)/g, '')
        .match(/nv_inference_(request_(success|failure|duration_us)|count|exec_count|\w+_duration_us)\b/)
      assert.is(bare, null, `${panel.title}: ${expr}`)
    }
  }
})

test.run()
