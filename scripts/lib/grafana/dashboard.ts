// The exported dashboard as the steps read it (dashboards/triton.json, written by `make dashboards`).
import { readFileSync } from 'node:fs'
import { fail } from '../fail.ts'
import { tr } from '../i18n.ts'

export const DASHBOARD_FILE = 'dashboards/triton.json'

export interface DashboardModel {
  uid: string
  title: string
  templating?: { list?: { type?: string; query?: string; current?: unknown }[] }
  [key: string]: unknown
}

export function readDashboard(path: string): DashboardModel {
  let model: DashboardModel | null
  try {
    model = JSON.parse(readFileSync(path, 'utf8')) as DashboardModel | null
  } catch (error) {
    throw fail(
      tr(
        `cannot read the dashboard ${path}: ${(error as Error).message}`,
        `无法读取仪表盘 ${path}：${(error as Error).message}`,
      ),
      tr(
        'run from the project folder, or regenerate it with `make dashboards`',
        '请在项目目录中运行，或用 `make dashboards` 重新生成',
      ),
    )
  }
  if (typeof model?.uid !== 'string' || typeof model.title !== 'string') {
    throw fail(
      tr(`${path} is not a dashboard model (no uid or title)`, `${path} 不是仪表盘模型（缺少 uid 或 title）`),
      tr('regenerate it with `make dashboards`', '用 `make dashboards` 重新生成'),
    )
  }
  return model
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
