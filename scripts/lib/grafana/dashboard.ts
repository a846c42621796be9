// The exported dashboard as the steps read it (dashboards/triton.json, written by `make dashboards`):
// one model type and one reader for the steps that import it (07), check it (09) and publish it.
import { readFileSync } from 'node:fs'
import { fail } from '../step/fail.ts'
import { t } from '../output/i18n.ts'

export const DASHBOARD_FILE = 'dashboards/triton.json'

export interface DashboardPanel {
  title?: string
  type?: string
  description?: string
  /** The panels of a collapsed row. */
  panels?: DashboardPanel[]
  targets?: { refId?: string; expr?: string; legendFormat?: string; hide?: boolean }[]
  fieldConfig?: {
    defaults?: {
      unit?: string
      min?: number
      max?: number
      noValue?: string
      custom?: { stacking?: { mode?: string } }
    }
  }
}

/** A template variable as saved: its name, and the value the dashboard opens with. */
export interface DashboardVariable {
  type?: string
  name?: string
  query?: string
  current?: unknown
  allValue?: string | null
  includeAll?: boolean
  multi?: boolean
}

/** The parts of Grafana's dashboard model the steps read; the rest is carried as it is. */
export interface DashboardModel {
  uid: string
  title: string
  schemaVersion?: number
  panels?: DashboardPanel[]
  templating?: { list?: DashboardVariable[] }
  [key: string]: unknown
}

/** The dashboard model in `text`, read from `path`; anything else is named with its fix. */
export function parseDashboard(text: string, path: string): DashboardModel {
  let model: DashboardModel | null
  try {
    model = JSON.parse(text) as DashboardModel | null
  } catch (error) {
    throw fail(
      t('{path} is not JSON: {message}', { path, message: (error as Error).message }),
      t('export it again with `make dashboards`'),
    )
  }
  if (typeof model?.uid !== 'string' || typeof model.title !== 'string') {
    throw fail(
      t('{path} is not a Grafana dashboard model (no uid or title)', { path }),
      t(
        'pass the exported model {DASHBOARD_FILE} (not the import wrapper), or export ' +
          'it again with `make dashboards`',
        { DASHBOARD_FILE },
      ),
    )
  }
  return model
}

export function readDashboard(path: string): DashboardModel {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw fail(
      t('cannot read the dashboard {path}: {message}', { path, message: (error as Error).message }),
      t('run from the project folder, or regenerate it with `make dashboards`'),
    )
  }
  return parseDashboard(text, path)
}

/**
 * Points the dashboard's Prometheus datasource variable at `uid`: panels query `${datasource}`,
 * so the variable's saved value decides which datasource they use.
 */
export function withDatasourceUid(model: DashboardModel, uid: string): DashboardModel {
  const list = (model.templating?.list ?? []).map((v) =>
    v.type === 'datasource' && v.query === 'prometheus'
      ? { ...v, current: { selected: true, text: uid, value: uid } }
      : v,
  )
  return { ...model, templating: { ...model.templating, list } }
}
