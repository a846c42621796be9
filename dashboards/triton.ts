// The Triton dashboard as code. Every query is built from Triton's cumulative counters with
// rate(), so latencies are true per-request means (not the tutorial's ever-growing
// `avg(counter)`), and every panel and query names its datasource (no `${DS_…}` import input,
// which breaks when a dashboard is posted to the API or provisioned from a file).
import type * as cog from '@grafana/grafana-foundation-sdk/cog'
import * as common from '@grafana/grafana-foundation-sdk/common'
import {
  type Dashboard,
  type DataSourceRef,
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  MappingType,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard'
import { DataqueryBuilder, QueryEditorMode } from '@grafana/grafana-foundation-sdk/prometheus'
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat'
import { PanelBuilder as StateTimelineBuilder } from '@grafana/grafana-foundation-sdk/statetimeline'
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries'
import * as units from '@grafana/grafana-foundation-sdk/units'
import { stableJson } from '../scripts/lib/state/stable-json.ts'
import {
  failureRatio,
  firingAlerts,
  imbalance,
  inferencesPerExecution,
  instanceMatches,
  label,
  latencyQuantileMs,
  latencyStages,
  meanMsPerRequest,
  metric,
  modelMatches,
  qps,
  rate,
  SCALE_OUT_QUEUE_MS,
  type Scope,
  scalingSignal,
  selector,
  successRatio,
  trafficShare,
} from '../scripts/lib/triton/metrics.ts'

export const DASHBOARD_UID = 'triton-monitoring'
export const DASHBOARD_TITLE = 'Triton Inference Server'
/** Name of the datasource template variable every panel and query goes through. */
export const DATASOURCE_VARIABLE = 'datasource'
export const MODEL_VARIABLE = 'model'
/** The replicas a query looks at (label `instance`: the container, or the pod on Kubernetes). */
export const INSTANCE_VARIABLE = 'instance'

/**
 * What panels and queries carry. The variable's saved value is the fixed datasource uid, so the
 * JSON works as posted; a user with a differently named Prometheus can still pick it in the
 * dashboard instead of editing every panel.
 */
export const datasourceRef: DataSourceRef = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` }

const NO_GPU = 'No GPU metrics: Triton found no GPU (CPU-only host), so it exports no nv_gpu_* series'
const NO_REQUESTS = 'No requests in this time range'

const onSelectedInstances = instanceMatches(`$${INSTANCE_VARIABLE}`)
/** Every query looks at the models and replicas the variables select, over Grafana's rate interval. */
const selected = { match: `${modelMatches(`$${MODEL_VARIABLE}`)}, ${onSelectedInstances}`, window: '$__rate_interval' }
const perModel: Scope = { ...selected, by: [label.model] }
const perInstance: Scope = { ...selected, by: [label.instance] }
const total: Scope = selected
/** A gauge of the selected replicas (GPU and host figures have no model). */
const gauge = (name: string) => selector(name, onSelectedInstances)

interface Query {
  expr: string
  legend?: string
}

/** Triton's memory gauges come in used/total pairs (GPU per uuid, host RAM per instance). */
const usedAndTotal = (used: string, total: string, by: string): Query[] => [
  { expr: gauge(used), legend: `{{${by}}} used` },
  { expr: gauge(total), legend: `{{${by}}} total` },
]

function targets(queries: Query[]): cog.Builder<cog.Dataquery>[] {
  return queries.map((q, i) => {
    const target = new DataqueryBuilder()
      .refId(String.fromCharCode(65 + i))
      .datasource(datasourceRef)
      .editorMode(QueryEditorMode.Code)
      .expr(q.expr)
      .range()
    return q.legend ? target.legendFormat(q.legend) : target
  })
}

/** A legend listed under the chart, with no calculations; shown or not. */
const listLegend = (show: boolean) =>
  new common.VizLegendOptionsBuilder()
    .showLegend(show)
    .displayMode(common.LegendDisplayMode.List)
    .placement(common.LegendPlacement.Bottom)
    .calcs([])

const thresholds = (steps: { value: number | null; color: string }[]) =>
  new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps)

interface PanelSpec {
  title: string
  description: string
  unit: string
  queries: Query[]
  width: number
  height?: number
  noValue?: string
}

/** A multi-select variable of the values a label of Triton's series takes, All by default. */
const labelVariable = (name: string, labelName: string, title: string, description: string) =>
  new QueryVariableBuilder(name)
    .label(title)
    .description(description)
    .datasource(datasourceRef)
    .query(`label_values(${metric.success}, ${labelName})`)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: ['All'], value: ['$__all'], selected: true })

/** Panel ids must be unique in a dashboard; numbering them in build order keeps them stable. */
function idCounter() {
  let next = 1
  return () => next++
}

export interface TritonDashboardOptions {
  /** Uid of the Prometheus datasource, e.g. from `loadConfig().datasourceUid`. */
  datasourceUid: string
}

export function buildTritonDashboard({ datasourceUid }: TritonDashboardOptions): Dashboard {
  const id = idCounter()

  /** What every panel carries: id, title, description, datasource, queries, unit, size. */
  const withBasics = <B extends TimeseriesBuilder | StatBuilder | StateTimelineBuilder>(
    panel: B,
    spec: PanelSpec,
    height: number,
  ): B => {
    panel
      .id(id())
      .title(spec.title)
      .description(spec.description)
      .datasource(datasourceRef)
      .targets(targets(spec.queries))
      .unit(spec.unit)
      .span(spec.width)
      .height(spec.height ?? height)
    return panel
  }

  const timeseries = (
    spec: PanelSpec & { stack?: boolean; min?: number; max?: number; line?: { value: number; color: string } },
  ) => {
    const panel = withBasics(new TimeseriesBuilder(), spec, 8)
      .fillOpacity(spec.stack ? 35 : 10)
      .showPoints(common.VisibilityMode.Never)
      .spanNulls(false)
      .legend(listLegend(true))
      .tooltip(
        new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending),
      )
      .thresholds(thresholds([{ value: null, color: 'green' }, ...(spec.line ? [spec.line] : [])]))
    if (spec.line)
      panel.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed))
    if (spec.stack) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal).group('A'))
    if (spec.min !== undefined) panel.min(spec.min)
    if (spec.max !== undefined) panel.max(spec.max)
    if (spec.noValue) panel.noValue(spec.noValue)
    return panel
  }

  const stat = (spec: PanelSpec & { steps: { value: number | null; color: string }[]; decimals?: number }) => {
    const panel = withBasics(new StatBuilder(), spec, 4)
      .noValue(spec.noValue ?? NO_REQUESTS)
      .thresholds(thresholds(spec.steps))
      .graphMode(common.BigValueGraphMode.Area)
      .colorMode(common.BigValueColorMode.Value)
      .justifyMode(common.BigValueJustifyMode.Auto)
      .textMode(common.BigValueTextMode.Auto)
      .wideLayout(true)
      .showPercentChange(false)
      .percentChangeColorMode(common.PercentChangeColorMode.Standard)
      .orientation(common.VizOrientation.Auto)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false).fields(''))
    if (spec.decimals !== undefined) panel.decimals(spec.decimals)
    return panel
  }

  /**
   * Prometheus's ALERTS series, one bar per alert and target while it fires: when Triton went down
   * and came back, beside the charts it explains. On the Prometheus datasource the dashboard uses
   * already; Grafana's Alerting pages show the same alerts through the Alertmanager datasource.
   */
  const alertTimeline = (spec: PanelSpec) =>
    withBasics(new StateTimelineBuilder(), spec, 6)
      .noValue(spec.noValue ?? '')
      .showValue(common.VisibilityMode.Never)
      .rowHeight(0.8)
      .mergeValues(true)
      .fillOpacity(80)
      // Each bar is labelled with its alert and target on the left; a legend would repeat them.
      .legend(listLegend(false))
      .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Single).sort(common.SortOrder.None))
      .mappings([{ type: MappingType.ValueToText, options: { '1': { text: 'firing', color: 'red', index: 0 } } }])
      .thresholds(thresholds([{ value: null, color: 'red' }]))

  /** GPU series exist only where Triton found a GPU; elsewhere the panel says so. */
  const gpu = (spec: Omit<PanelSpec, 'width' | 'noValue'> & { max?: number }) =>
    timeseries({ ...spec, width: 8, min: 0, noValue: NO_GPU })

  const row = (title: string) => new RowBuilder(title).id(id()).datasource(datasourceRef)

  return new DashboardBuilder(DASHBOARD_TITLE)
    .uid(DASHBOARD_UID)
    .description(
      'Throughput, errors, latency, batching and GPU/CPU use of NVIDIA Triton, from its Prometheus metrics (port 8002).',
    )
    .tags(['triton', 'inference', 'prometheus'])
    .timezone('browser')
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: 'now-15m', to: 'now' })
    .refresh('10s')
    .withVariable(
      new DatasourceVariableBuilder(DATASOURCE_VARIABLE)
        .label('Data source')
        .description('Prometheus that scrapes Triton. Saved as the uid the setup scripts give the datasource.')
        .type('prometheus')
        .current({ text: datasourceUid, value: datasourceUid, selected: true }),
    )
    .withVariable(
      labelVariable(MODEL_VARIABLE, label.model, 'Model', 'Models Triton reports metrics for (label `model`).'),
    )
    .withVariable(
      labelVariable(
        INSTANCE_VARIABLE,
        label.instance,
        'Instance',
        'Triton replicas Prometheus scrapes (label `instance`: the container on Docker, the pod on Kubernetes).',
      ),
    )

    .withRow(row('Overview'))
    .withPanel(
      stat({
        title: 'Current QPS',
        description:
          'Successful inference requests per second, all selected models together (a batch of n sent in one request counts once).',
        unit: units.RequestsPerSecond,
        queries: [{ expr: qps(total) }],
        width: 8,
        steps: [{ value: null, color: 'green' }],
      }),
    )
    .withPanel(
      stat({
        title: 'Mean latency',
        description:
          'Mean end-to-end time Triton spent on a successful request (queue + compute), in milliseconds: ' +
          'rate of the cumulative duration over rate of successes.',
        unit: units.Milliseconds,
        queries: [{ expr: meanMsPerRequest(metric.requestDuration, total) }],
        width: 8,
        decimals: 2,
        steps: [{ value: null, color: 'green' }],
      }),
    )
    .withPanel(
      stat({
        title: 'Success ratio',
        description:
          'Share of finished requests that succeeded. Triton 23.05 counts only failures reported by the backend; ' +
          'requests rejected before they reach it are not counted.',
        unit: units.PercentUnit,
        queries: [{ expr: successRatio(total) }],
        width: 8,
        decimals: 2,
        steps: [
          { value: null, color: 'red' },
          { value: 0.95, color: 'orange' },
          { value: 0.99, color: 'green' },
        ],
      }),
    )

    .withRow(row('Alerts'))
    .withPanel(
      alertTimeline({
        title: 'Alerts firing',
        description:
          'Alerts of the Prometheus rules while they fire (ALERTS{alertstate="firing"}): TritonTargetDown, failure ratio, ' +
          'latency, missing replicas, by target or model. Alertmanager has the same alerts and sends them on ' +
          '(`make alerts`, Alerting pages).',
        unit: units.NoUnit,
        queries: [{ expr: firingAlerts(), legend: '{{alertname}} {{instance}}{{model}}' }],
        width: 24,
        noValue: 'No alert fired in this time range',
      }),
    )

    .withRow(row('Replicas'))
    .withPanel(
      timeseries({
        title: 'QPS by instance',
        description:
          'Successful requests per second on each Triton replica (label `instance`), the selected models together.',
        unit: units.RequestsPerSecond,
        queries: [{ expr: qps(perInstance), legend: '{{instance}}' }],
        width: 8,
        min: 0,
      }),
    )
    .withPanel(
      timeseries({
        title: 'Mean latency by instance',
        description:
          'Mean end-to-end time per successful request on each replica, in ms: one slow replica stands out here ' +
          'while the mean of all of them hides it.',
        unit: units.Milliseconds,
        queries: [{ expr: meanMsPerRequest(metric.requestDuration, perInstance), legend: '{{instance}}' }],
        width: 8,
        min: 0,
      }),
    )
    .withPanel(
      timeseries({
        title: 'Queue time per request by instance',
        description:
          "Mean time a request waited in each replica's queue, in ms: the signal to scale on (the Kubernetes HPA " +
          `scales out above ${SCALE_OUT_QUEUE_MS} ms, the dashed line). A request queues only while every model ` +
          'instance is busy; an idle replica reads 0.',
        unit: units.Milliseconds,
        queries: [{ expr: scalingSignal(perInstance), legend: '{{instance}}' }],
        width: 8,
        min: 0,
        line: { value: SCALE_OUT_QUEUE_MS, color: 'red' },
      }),
    )
    .withPanel(
      timeseries({
        title: 'Traffic share by instance',
        description:
          "Each replica's share of the successful requests, stacked to 100%: even bands (1/N each) are a balanced " +
          'load, a wide band a replica that gets more than its share.',
        unit: units.PercentUnit,
        queries: [{ expr: trafficShare(perInstance), legend: '{{instance}}' }],
        width: 16,
        stack: true,
        min: 0,
        max: 1,
      }),
    )
    .withPanel(
      stat({
        title: 'Load imbalance',
        description:
          "QPS of the busiest replica over the replicas' mean: 1 is perfectly even, 1.5 means one replica takes half " +
          'again its fair share. A single replica is always 1.',
        unit: units.Short,
        queries: [{ expr: imbalance(perInstance) }],
        width: 8,
        height: 8,
        decimals: 2,
        steps: [
          { value: null, color: 'green' },
          { value: 1.25, color: 'orange' },
          { value: 1.5, color: 'red' },
        ],
      }),
    )

    .withRow(row('Throughput'))
    .withPanel(
      timeseries({
        title: 'QPS per model',
        description:
          'Successful inference requests per second for each model (what the tutorial called QPS, per model instead of per version).',
        unit: units.RequestsPerSecond,
        queries: [{ expr: qps(perModel), legend: '{{model}}' }],
        width: 12,
        min: 0,
      }),
    )
    .withPanel(
      timeseries({
        title: 'Batching efficiency',
        description:
          'Inferences per model execution: how many requests (batch items) dynamic batching merged into one run. ' +
          '1 means no batching happened.',
        unit: units.Short,
        queries: [{ expr: inferencesPerExecution(perModel), legend: '{{model}}' }],
        width: 12,
        min: 0,
      }),
    )

    .withRow(row('Errors'))
    .withPanel(
      timeseries({
        title: 'Success vs failure rate',
        description: 'Successful and failed inference requests per second for each model.',
        unit: units.RequestsPerSecond,
        queries: [
          { expr: rate(metric.success, perModel), legend: '{{model}} success' },
          { expr: rate(metric.failure, perModel), legend: '{{model}} failure' },
        ],
        width: 12,
        min: 0,
      }),
    )
    .withPanel(
      timeseries({
        title: 'Failure ratio',
        description:
          'Failed requests over all finished requests, per model. A gap means no requests finished in the window.',
        unit: units.PercentUnit,
        queries: [{ expr: failureRatio(perModel), legend: '{{model}}' }],
        width: 12,
        min: 0,
        max: 1,
      }),
    )

    .withRow(row('Latency'))
    .withPanel(
      timeseries({
        title: 'Mean inference latency',
        description:
          'Mean time per successful request in milliseconds, per model: ' +
          `rate(${metric.requestDuration}) / rate(${metric.success}). ` +
          "The duration metric is a cumulative counter, so averaging it directly (the tutorial's avg(...)/1000) only grows.",
        unit: units.Milliseconds,
        queries: [{ expr: meanMsPerRequest(metric.requestDuration, perModel), legend: '{{model}}' }],
        width: 8,
        min: 0,
      }),
    )
    .withPanel(
      timeseries({
        title: 'Latency breakdown per request',
        description:
          "Where a request's time goes, per model, stacked: waiting in the queue, copying inputs, running the model, " +
          "copying outputs (mean ms per successful request). The rest of the mean latency is Triton's own request handling.",
        unit: units.Milliseconds,
        queries: latencyStages.map(({ name, counter }) => ({
          expr: meanMsPerRequest(counter, perModel),
          legend: `{{model}} ${name}`,
        })),
        width: 8,
        stack: true,
        min: 0,
      }),
    )
    .withPanel(
      timeseries({
        title: 'Latency percentiles (p50 / p95 / p99)',
        description:
          "Request latency quantiles in ms from Triton's summaries over its recent requests " +
          '(worst instance or version shown: quantiles cannot be averaged). ' +
          'Needs Triton started with --metrics-config summary_latencies=true.',
        unit: units.Milliseconds,
        queries: (
          [
            [0.5, 'p50'],
            [0.95, 'p95'],
            [0.99, 'p99'],
          ] as const
        ).map(([quantile, name]) => ({
          expr: latencyQuantileMs(quantile, perModel),
          legend: `{{model}} ${name}`,
        })),
        width: 8,
        min: 0,
        noValue: 'No summaries: start Triton with --metrics-config summary_latencies=true',
      }),
    )

    .withRow(row('GPU'))
    .withPanel(
      gpu({
        title: 'GPU utilization',
        description:
          'Busy fraction of each GPU (DCGM), by GPU uuid. Empty on CPU-only hosts, where Triton exports no GPU metrics.',
        unit: units.PercentUnit,
        queries: [{ expr: gauge(metric.gpuUtilization), legend: '{{gpu_uuid}}' }],
        max: 1,
      }),
    )
    .withPanel(
      gpu({
        title: 'GPU memory',
        description: 'Memory used and total on each GPU, in bytes.',
        unit: units.BytesIEC,
        queries: usedAndTotal(metric.gpuMemoryUsed, metric.gpuMemoryTotal, label.gpu),
      }),
    )
    .withPanel(
      gpu({
        title: 'GPU power',
        description: 'Power drawn by each GPU and its power limit, in watts.',
        unit: units.Watt,
        queries: [
          { expr: gauge(metric.gpuPowerUsage), legend: '{{gpu_uuid}} draw' },
          { expr: gauge(metric.gpuPowerLimit), legend: '{{gpu_uuid}} limit' },
        ],
      }),
    )

    .withRow(row('CPU and memory'))
    .withPanel(
      timeseries({
        title: 'CPU utilization',
        description:
          "Busy fraction of the host's CPUs as Triton reads it from /proc/stat: host-wide, not limited to Triton's container.",
        unit: units.PercentUnit,
        queries: [{ expr: gauge(metric.cpuUtilization), legend: '{{instance}}' }],
        width: 12,
        min: 0,
        max: 1,
      }),
    )
    .withPanel(
      timeseries({
        title: 'CPU memory',
        description: 'Host RAM used (total minus available) and total, in bytes, from /proc/meminfo: host-wide.',
        unit: units.BytesIEC,
        queries: usedAndTotal(metric.cpuMemoryUsed, metric.cpuMemoryTotal, label.instance),
        width: 12,
        min: 0,
      }),
    )
    .build()
}

/** The body of `POST /api/dashboards/db`: creates the dashboard, or replaces the one with its uid. */
export function importBody(dashboard: Dashboard): { dashboard: Dashboard; overwrite: true } {
  return { dashboard, overwrite: true }
}

/**
 * The files `make dashboards` writes under dashboards/, by name: the dashboard model (for
 * provisioning or the Import UI) and the tutorial-shaped API body (for `curl -d @file`).
 */
export function tritonDashboardFiles(
  options: TritonDashboardOptions,
): Record<'triton.json' | 'triton.import.json', string> {
  const dashboard = buildTritonDashboard(options)
  return { 'triton.json': stableJson(dashboard), 'triton.import.json': stableJson(importBody(dashboard)) }
}
