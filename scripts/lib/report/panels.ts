// The dashboard's time-series panels as the report charts them: each panel's own PromQL, read from
// the exported dashboard (the file 07-dashboard imports, built from lib/triton/metrics.ts), with
// Grafana's variables filled in as the dashboard opens: template variables at their saved value
// (All → their "all" value), $__rate_interval and $__interval from the report's step and the scrape
// interval, by Grafana's own rule. So a chart in the report is the panel a person sees in Grafana.
import type { DashboardModel, DashboardPanel, DashboardVariable } from '../grafana/dashboard.ts'
import { metric } from '../triton/metrics.ts'

export interface PanelQuery {
  expr: string
  /** Grafana's legend format, e.g. `{{model}} p50`; absent: the series' labels. */
  legend?: string
}

export interface PanelChart {
  /** Title of the dashboard row the panel is in. */
  row?: string
  title: string
  description?: string
  /** Grafana's unit id (`reqps`, `ms`, `percentunit`, `bytes`, …). */
  unit: string
  min?: number
  max?: number
  stacked: boolean
  /** What the panel says when it has no data. */
  noValue?: string
  queries: PanelQuery[]
  /** Only GPU metrics: charted only where Triton found a GPU. */
  gpu: boolean
}

const GPU_METRICS = Object.values(metric).filter((name) => name.startsWith('nv_gpu_'))

/** Grafana's `$__rate_interval`: max($__interval + scrape interval, 4 × scrape interval), in seconds. */
export function rateIntervalSeconds(stepSeconds: number, scrapeSeconds: number): number {
  return Math.max(stepSeconds + scrapeSeconds, 4 * scrapeSeconds)
}

/** Grafana's escaping of a multi-value or All-able variable for a Prometheus regex matcher. */
const regexEscape = (value: string) => value.replace(/[\\^$*+?.()|{}[\]]/g, '\\$&').replace(/'/g, "\\\\'")

function savedValue(variable: DashboardVariable): string | undefined {
  const current = (variable.current as { value?: unknown } | undefined)?.value
  const values = (Array.isArray(current) ? current : [current]).filter((v): v is string => typeof v === 'string')
  if (values.length === 0) return undefined
  if (values.includes('$__all')) return variable.allValue ?? '.*'
  if (!variable.multi && !variable.includeAll) return values[0]
  const escaped = values.map(regexEscape)
  return escaped.length === 1 ? escaped[0] : `(${escaped.join('|')})`
}

/** Every query or custom variable at the value the dashboard opens with. */
export function variableValues(model: DashboardModel): Record<string, string> {
  const values: Record<string, string> = {}
  for (const variable of model.templating?.list ?? []) {
    if (!variable.name || variable.type === 'datasource') continue
    const value = savedValue(variable)
    if (value !== undefined) values[variable.name] = value
  }
  return values
}

/** `$name`, `${name}`, `${name:format}` and `[[name]]` replaced by `values`; unknown names are left as they are. */
export function interpolate(expr: string, values: Record<string, string>): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (all, a, b, c) => values[a ?? b ?? c] ?? all)
}

/** The time-series panels, in the dashboard's order (collapsed rows included), their queries interpolated. */
export function timeseriesPanels(
  model: DashboardModel,
  builtins: { interval: string; rateInterval: string },
): PanelChart[] {
  const values = { ...variableValues(model), __interval: builtins.interval, __rate_interval: builtins.rateInterval }
  const charts: PanelChart[] = []
  let row: string | undefined
  const visit = (panels: DashboardPanel[]) => {
    for (const panel of panels) {
      if (panel.type === 'row') {
        row = panel.title
        visit(panel.panels ?? [])
        continue
      }
      if (panel.type !== 'timeseries') continue
      const queries = (panel.targets ?? [])
        .filter((t) => !t.hide && t.expr)
        .map((t) => ({ expr: interpolate(t.expr!, values), legend: t.legendFormat || undefined }))
      if (queries.length === 0) continue
      const defaults = panel.fieldConfig?.defaults ?? {}
      charts.push({
        row,
        title: panel.title ?? '',
        description: panel.description,
        unit: defaults.unit ?? 'short',
        min: defaults.min ?? undefined,
        max: defaults.max ?? undefined,
        stacked: (defaults.custom?.stacking?.mode ?? 'none') !== 'none',
        noValue: defaults.noValue,
        queries,
        gpu: queries.every((q) => GPU_METRICS.some((name) => q.expr.includes(name))),
      })
    }
  }
  visit(model.panels ?? [])
  return charts
}

/** A series' name as Grafana's legend shows it: `{{label}}` filled in, or the labels themselves. */
export function legendName(labels: Record<string, string>, legend: string | undefined): string {
  if (legend && legend !== '__auto') return legend.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name) => labels[name] ?? '')
  const { __name__: name = '', ...rest } = labels
  const pairs = Object.entries(rest).map(([k, v]) => `${k}="${v}"`)
  return pairs.length ? `${name}{${pairs.join(', ')}}` : name || 'value'
}
