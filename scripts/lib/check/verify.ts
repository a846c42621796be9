// Step 7 of the tutorial: the dashboard is listed by /api/search, Prometheus answers through
// Grafana's proxy by the datasource's uid (not an id read by eye), and the load shows as QPS.
import type { Config } from '../step/config.ts'
import { tr } from '../output/i18n.ts'
import { grafana, ok } from '../grafana/client.ts'
import { metric, modelIs, qps } from '../triton/metrics.ts'
import { type Checklist, failed, passed } from './checklist.ts'
import { type Found, queryThrough } from './grafana-api.ts'
import type { GrafanaAccess } from './grafana.ts'

/** The window the load must show in: long enough for a class between two runs of the loop. */
const LOAD_WINDOW = '5m'

export async function verifyChecks(list: Checklist, config: Config, access: GrafanaAccess, found: Found) {
  const base = access.base!
  await list.run(
    7,
    'verify.search',
    tr('/api/search lists the dashboard', '/api/search 列出了仪表盘'),
    ['grafana.dashboard'],
    async () => {
      const { uid, title } = found.dashboard!
      const hits = ok(await grafana(base, access.auth!).GET('/search', { params: { query: { query: title } } }), {
        what: tr('search the dashboards', '搜索仪表盘'),
      })
      const hit = hits.find((h) => h.uid === uid)
      if (!hit)
        return failed(
          tr(`/api/search?query=${title} does not list uid ${uid}`, `/api/search?query=${title} 没有列出 uid ${uid}`),
          tr('the account checked with cannot see it: give it role Admin', '检查所用的账号看不到它：请赋予 Admin 角色'),
        )
      return passed(`${base}${hit.url}`)
    },
  )
  await list.run(
    7,
    'verify.proxy',
    tr('the proxy query works by uid', '按 uid 的代理查询可用'),
    ['grafana.datasource'],
    async () => {
      const { uid } = found.datasource!
      const answer = await queryThrough(base, access.auth!, uid, metric.gpuUtilization)
      return passed(
        tr(
          `/api/datasources/proxy/uid/${uid}/api/v1/query?query=${metric.gpuUtilization}: ${answer.data.result.length} series`,
          `/api/datasources/proxy/uid/${uid}/api/v1/query?query=${metric.gpuUtilization}：${answer.data.result.length} 个序列`,
        ),
      )
    },
  )
  await list.run(
    7,
    'verify.qps',
    tr(`QPS > 0 in the last ${LOAD_WINDOW}`, `最近 ${LOAD_WINDOW} 的 QPS > 0`),
    ['verify.proxy', 'prometheus.target'],
    async () => {
      const query = qps({ match: modelIs(config.model), window: LOAD_WINDOW })
      const answer = await queryThrough(base, access.auth!, found.datasource!.uid, query)
      const value = Number(answer.data.result[0]?.value[1] ?? 0)
      if (value > 0) return passed(tr(`${value.toFixed(3)} req/s (${query})`, `${value.toFixed(3)} 次/秒（${query}）`))
      return failed(
        tr(
          `no request to ${config.model} in the last ${LOAD_WINDOW} (${query} is ${value})`,
          `最近 ${LOAD_WINDOW} 内 ${config.model} 没有请求（${query} 为 ${value}）`,
        ),
        tr(
          'run the load loop: `for i in {1..100}; do python3 client_infer.py > /dev/null; done` (or `make load`), then check again',
          '运行负载循环：`for i in {1..100}; do python3 client_infer.py > /dev/null; done`（或 `make load`），然后再检查',
        ),
      )
    },
  )
}
