// The Triton dashboard as code. Every query is built from Triton's cumulative counters with
// rate(), so latencies are true per-request means (not the tutorial's ever-growing
// `avg(counter)`), and every panel and query names its datasource (no `${DS_…}` import input,
// which breaks when a dashboard is posted to the API or provisioned from a file). The rows live
// in triton/, one file each with one function per panel; the panel kinds' defaults in panels.ts.
import {
  type Dashboard,
  DashboardBuilder,
  DashboardCursorSync,
  RowBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard'
import { stableJson } from '../scripts/lib/state/stable-json.ts'
import { alerts } from './triton/alerts.ts'
import { errors } from './triton/errors.ts'
import { gpu } from './triton/gpu.ts'
import { host } from './triton/host.ts'
import { latency } from './triton/latency.ts'
import { overview } from './triton/overview.ts'
import type { Row } from './triton/panels.ts'
import { replicas } from './triton/replicas.ts'
import { throughput } from './triton/throughput.ts'
import { datasourceRef, datasourceVariable, instanceVariable, modelVariable } from './triton/variables.ts'

export const DASHBOARD_UID = 'triton-monitoring'
export const DASHBOARD_TITLE = 'Triton Inference Server'

/** Top to bottom, as a person reads the dashboard. */
const ROWS: Row[] = [overview, alerts, replicas, throughput, errors, latency, gpu, host]

export interface TritonDashboardOptions {
  /** Uid of the Prometheus datasource, e.g. from `loadConfig().datasourceUid`. */
  datasourceUid: string
}

export function buildTritonDashboard({ datasourceUid }: TritonDashboardOptions): Dashboard {
  const dashboard = new DashboardBuilder(DASHBOARD_TITLE)
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
    .withVariable(datasourceVariable(datasourceUid))
    .withVariable(modelVariable())
    .withVariable(instanceVariable())
  // Panel ids must be unique in a dashboard; numbering rows and panels in reading order keeps them stable.
  let id = 0
  for (const row of ROWS) {
    dashboard.withRow(new RowBuilder(row.title).id(++id).datasource(datasourceRef))
    for (const panel of row.panels()) dashboard.withPanel(panel.id(++id))
  }
  return dashboard.build()
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
