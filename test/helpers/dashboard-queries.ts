// The PromQL of a dashboard as Prometheus itself would run it: every target of every panel, with
// the template variables Grafana would substitute replaced by test values.
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'

export interface DashboardQuery {
  panel: string
  refId: string
  expr: string
}

export function dashboardQueries(dashboard: Dashboard): DashboardQuery[] {
  return (dashboard.panels ?? []).flatMap((panel) => {
    const inner = 'panels' in panel ? panel.panels : [panel]
    return inner.flatMap((p) =>
      (p.targets ?? []).map((t) => {
        const target = t as { refId?: string; expr?: string }
        return { panel: p.title ?? '', refId: target.refId ?? '', expr: target.expr ?? '' }
      }),
    )
  })
}

export interface Substitutions {
  /** Value of `$model`: a model name or a regex (the variable's "All" is `.*`). */
  model: string
  /** What Grafana's `$__rate_interval` would be, e.g. `15s` for a 1 s scrape interval. */
  rateInterval: string
  /** Value of `$instance`: a replica's `instance` or a regex; All (`.*`) when not given. */
  instance?: string
}

/** Replaces the dashboard's variables; throws if a `$` reference is left that Prometheus would reject. */
export function substitute(expr: string, { model, rateInterval, instance = '.*' }: Substitutions): string {
  const out = expr
    .replaceAll('$__rate_interval', rateInterval)
    .replaceAll('${model}', model)
    .replace(/\$model\b/g, model)
    .replaceAll('${instance}', instance)
    .replace(/\$instance\b/g, instance)
  if (out.includes('$')) throw new Error(`unsubstituted variable in ${out}`)
  return out
}
