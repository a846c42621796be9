// The panel kinds of the dashboard with their defaults in one place: what every panel carries
// (title, description, datasource, queries, unit, size), and how a time series, a stat, the alert
// timeline and a GPU chart look. Panels themselves live in one file per row, one function each.
import type * as cog from '@grafana/grafana-foundation-sdk/cog'
import * as common from '@grafana/grafana-foundation-sdk/common'
import { MappingType, ThresholdsConfigBuilder, ThresholdsMode } from '@grafana/grafana-foundation-sdk/dashboard'
import { DataqueryBuilder, QueryEditorMode } from '@grafana/grafana-foundation-sdk/prometheus'
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat'
import { PanelBuilder as StateTimelineBuilder } from '@grafana/grafana-foundation-sdk/statetimeline'
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries'
import { datasourceRef, gauge } from './variables.ts'

const NO_GPU = 'No GPU metrics: Triton found no GPU (CPU-only host), so it exports no nv_gpu_* series'
const NO_REQUESTS = 'No requests in this time range'

export interface Query {
  expr: string
  legend?: string
}

export type Panel = TimeseriesBuilder | StatBuilder | StateTimelineBuilder

/** A row of the dashboard: its title and its panels, made anew for every build (builders are mutable). */
export interface Row {
  title: string
  panels: () => Panel[]
}

interface PanelSpec {
  title: string
  description: string
  unit: string
  queries: Query[]
  width: number
  height?: number
  noValue?: string
}

type Steps = { value: number | null; color: string }[]

/** Triton's memory gauges come in used/total pairs (GPU per uuid, host RAM per instance). */
export const usedAndTotal = (used: string, total: string, by: string): Query[] => [
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

const thresholds = (steps: Steps) => new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps)

/** What every panel carries: title, description, datasource, queries, unit, size (the id is the dashboard's). */
function withBasics<B extends Panel>(panel: B, spec: PanelSpec, height: number): B {
  panel
    .title(spec.title)
    .description(spec.description)
    .datasource(datasourceRef)
    .targets(targets(spec.queries))
    .unit(spec.unit)
    .span(spec.width)
    .height(spec.height ?? height)
  return panel
}

export function timeseries(
  spec: PanelSpec & { stack?: boolean; min?: number; max?: number; line?: { value: number; color: string } },
): TimeseriesBuilder {
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

export function stat(spec: PanelSpec & { steps: Steps; decimals?: number }): StatBuilder {
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
export const alertTimeline = (spec: PanelSpec): StateTimelineBuilder =>
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
export const gpuChart = (spec: Omit<PanelSpec, 'width' | 'noValue'> & { max?: number }) =>
  timeseries({ ...spec, width: 8, min: 0, noValue: NO_GPU })
