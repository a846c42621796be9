// Step 6 of the tutorial, read back through Grafana's API: the service account cli-service with
// role Admin and a token on it; a Prometheus datasource whose URL works from Grafana (a query
// through its proxy: Grafana's container is where the URL is resolved); a dashboard with the
// tutorial's panels, each query run through Grafana; and the lesson of the latency query.
import type { Config } from '../step/config.ts'
import { tr } from '../output/i18n.ts'
import { type GrafanaAuth, grafana, GrafanaError, ok, proxyGet } from '../grafana/client.ts'
import type { DashboardModel } from '../grafana/dashboard.ts'
import { type ApiAnswer, prometheusUrlOnNetwork } from '../prometheus/api.ts'
import { whyProxyFailed } from '../prometheus/datasource-diagnosis.ts'
import { timeseriesPanels } from '../report/panels.ts'
import { latencyStages, meanMsPerRequest, metric } from '../triton/metrics.ts'
import { type Checklist, failed, passed, teaches } from './checklist.ts'
import type { GrafanaAccess } from './grafana.ts'

export const SERVICE_ACCOUNT = 'cli-service'
export const TUTORIAL_DASHBOARD = 'Triton Monitoring CLI'
/** The three panels' metrics: a dashboard that queries all three is the tutorial's, whatever its title. */
const PANEL_METRICS = [metric.gpuUtilization, metric.success, metric.requestDuration]
/** Every cumulative µs counter: one read without rate() grows for ever. */
const DURATION_COUNTERS = [metric.requestDuration, ...latencyStages.map((s) => s.counter)]

/** The tutorial's curl commands, for the fixes (not translated: they are typed as they are). */
const JSON_TYPE = '-H "Content-Type: application/json"'
const BEARER = '-H "Authorization: Bearer <TOKEN>"'
const ADMIN_API = 'http://admin:admin@localhost:3000/api'
const curl = {
  account: `curl -X POST ${ADMIN_API}/serviceaccounts ${JSON_TYPE} -d '{"name":"${SERVICE_ACCOUNT}","role":"Admin"}'`,
  token: (id?: number) =>
    `curl -X POST ${ADMIN_API}/serviceaccounts/${id}/tokens ${JSON_TYPE} -d '{"name":"cli-token"}'`,
  datasource: (url: string) =>
    `curl -X POST http://localhost:3000/api/datasources ${BEARER} ${JSON_TYPE} ` +
    `-d '{"name":"Prometheus","type":"prometheus","url":"${url}","access":"proxy"}'`,
  dashboard: `curl -X POST http://localhost:3000/api/dashboards/db ${BEARER} ${JSON_TYPE} -d @dashboard.json`,
}

export interface Found {
  datasource?: { uid: string; name: string; url: string }
  dashboard?: DashboardModel & { url?: string }
}

const exprs = (model: DashboardModel) =>
  timeseriesPanels(model, { interval: '15s', rateInterval: '1m' }).flatMap((p) =>
    p.queries.map((q) => ({ panel: p.title, expr: q.expr })),
  )

/** A PromQL query through Grafana's proxy to the datasource: its result, or Grafana's refusal. */
export async function queryThrough(base: string, auth: GrafanaAuth, uid: string, query: string) {
  return proxyGet<ApiAnswer<{ result: { value: [number, string] }[] }>>(
    base,
    auth,
    uid,
    'api/v1/query',
    { query },
    {
      what: tr(`query ${query} through Grafana`, `通过 Grafana 查询 ${query}`),
    },
  )
}

export async function grafanaApiChecks(list: Checklist, config: Config, access: GrafanaAccess): Promise<Found> {
  const found: Found = {}
  const base = access.base!
  const api = () => grafana(base, access.auth!)
  const created = tr(`create it as the tutorial does: \`${curl.account}\``, `按教程创建它：\`${curl.account}\``)
  let accountId: number | undefined
  await list.run(
    6,
    'grafana.serviceaccount',
    tr(`service account ${SERVICE_ACCOUNT}, role Admin`, `服务账号 ${SERVICE_ACCOUNT}，角色 Admin`),
    ['grafana.credentials'],
    async () => {
      const hits = ok(
        await api().GET('/serviceaccounts/search', { params: { query: { query: SERVICE_ACCOUNT, perpage: 1000 } } }),
        {
          what: tr('list the service accounts', '列出服务账号'),
        },
      )
      const account = hits.serviceAccounts?.find((s) => s.name === SERVICE_ACCOUNT)
      if (!account)
        return failed(tr(`there is no service account ${SERVICE_ACCOUNT}`, `没有服务账号 ${SERVICE_ACCOUNT}`), created)
      accountId = account.id
      if (account.role !== 'Admin')
        return failed(
          tr(
            `${SERVICE_ACCOUNT} has role ${account.role}: creating a datasource and a dashboard needs Admin`,
            `${SERVICE_ACCOUNT} 的角色是 ${account.role}：创建数据源和仪表盘需要 Admin`,
          ),
          tr(
            `give it role Admin (Administration → Service accounts → ${SERVICE_ACCOUNT})`,
            `把它的角色改为 Admin（管理 → 服务账号 → ${SERVICE_ACCOUNT}）`,
          ),
        )
      return passed(
        tr(`${SERVICE_ACCOUNT} (id ${account.id}), role Admin`, `${SERVICE_ACCOUNT}（id ${account.id}），角色 Admin`),
      )
    },
  )
  await list.run(
    6,
    'grafana.token',
    tr(`a token on ${SERVICE_ACCOUNT}`, `${SERVICE_ACCOUNT} 上有令牌`),
    ['grafana.serviceaccount'],
    async () => {
      const issue = tr(
        `issue one: \`${curl.token(accountId)}\`, ` +
          'keep its "key" in a file (it is shown once), and give it with GRAFANA_TOKEN_FILE',
        `签发一个：\`${curl.token(accountId)}\`，` +
          '把它的 "key" 存到文件中（只显示一次），并用 GRAFANA_TOKEN_FILE 提供',
      )
      if (access.tokenRefused)
        return failed(
          tr(
            `Grafana refuses the token from ${access.token!.from}: it was deleted, revoked or has expired`,
            `Grafana 拒绝了来自 ${access.token!.from} 的令牌：它已被删除、撤销或过期`,
          ),
          issue,
        )
      const tokens = ok(
        await api().GET('/serviceaccounts/{serviceAccountId}/tokens', {
          params: { path: { serviceAccountId: accountId! } },
        }),
        {
          what: tr(`list the tokens of ${SERVICE_ACCOUNT}`, `列出 ${SERVICE_ACCOUNT} 的令牌`),
        },
      )
      const live = tokens.filter((t) => !t.isRevoked && !t.hasExpired)
      if (!live.length)
        return failed(tr(`${SERVICE_ACCOUNT} has no working token`, `${SERVICE_ACCOUNT} 没有可用的令牌`), issue)
      return passed(
        tr(
          `${live.map((t) => t.name).join(', ')}${access.token && 'token' in access.auth! ? ', the given one works' : ''}`,
          `${live.map((t) => t.name).join('、')}${access.token && 'token' in access.auth! ? '，提供的令牌有效' : ''}`,
        ),
      )
    },
  )
  const rightUrl = prometheusUrlOnNetwork(config.prometheus.container)
  await list.run(
    6,
    'grafana.datasource',
    tr('Prometheus datasource works from Grafana', '从 Grafana 可访问 Prometheus 数据源'),
    ['grafana.credentials'],
    async () => {
      const all = ok(await api().GET('/datasources'), { what: tr('list the datasources', '列出数据源') }).filter(
        (d) => d.type === 'prometheus',
      )
      const ds = all.find((d) => d.uid === config.datasourceUid) ?? all.find((d) => d.isDefault) ?? all[0]
      if (!ds?.uid)
        return failed(
          tr('there is no Prometheus datasource', '没有 Prometheus 数据源'),
          tr(
            `add it as the tutorial does: \`${curl.datasource(rightUrl)}\``,
            `按教程添加：\`${curl.datasource(rightUrl)}\``,
          ),
        )
      const url = ds.url ?? ''
      try {
        await queryThrough(base, access.auth!, ds.uid, 'up')
        found.datasource = { uid: ds.uid, name: ds.name ?? '', url }
        return passed(
          tr(
            `"${ds.name}" (uid ${ds.uid}) → ${url} answers Grafana`,
            `"${ds.name}"（uid ${ds.uid}）→ ${url} 响应了 Grafana`,
          ),
        )
      } catch (error) {
        if (!(error instanceof GrafanaError)) throw error
        const fix = tr(
          `set the datasource's URL to ${rightUrl} (Connections → Data sources → ${ds.name}), ` +
            `or PUT /api/datasources/uid/${ds.uid} with that url`,
          `把数据源的 URL 改为 ${rightUrl}（连接 → 数据源 → ${ds.name}），或用该 url 调用 PUT /api/datasources/uid/${ds.uid}`,
        )
        if (/^(localhost|127\.|\[::1\])/.test(new URL(url, 'http://x').host))
          return failed(
            tr(
              `"${ds.name}" points at ${url}: Grafana resolves it inside its own container, where localhost is Grafana, not Prometheus`,
              `"${ds.name}" 指向 ${url}：Grafana 在自己的容器内解析它，那里的 localhost 是 Grafana，不是 Prometheus`,
            ),
            fix,
          )
        const why = await whyProxyFailed({ status: error.status, bodyText: error.body.message ?? '' }, url, config)
        return failed(
          why?.cause_ ?? tr(`"${ds.name}" → ${url}: ${error.cause_}`, `"${ds.name}" → ${url}：${error.cause_}`),
          why?.fix ?? fix,
        )
      }
    },
  )
  await list.run(
    6,
    'grafana.dashboard',
    tr('a dashboard with the three panels', '包含三个面板的仪表盘'),
    ['grafana.credentials'],
    async () => {
      const hits = ok(await api().GET('/search', { params: { query: { type: 'dash-db' } } }), {
        what: tr('list the dashboards', '列出仪表盘'),
      })
      const ordered = [...hits].sort(
        (a, b) => Number(b.title === TUTORIAL_DASHBOARD) - Number(a.title === TUTORIAL_DASHBOARD),
      )
      for (const hit of ordered) {
        const answer = ok(await api().GET('/dashboards/uid/{uid}', { params: { path: { uid: hit.uid! } } }), {
          what: tr(`read the dashboard ${hit.title}`, `读取仪表盘 ${hit.title}`),
        })
        const model = answer.dashboard as unknown as DashboardModel
        const queries = exprs(model).map((q) => q.expr)
        if (hit.title === TUTORIAL_DASHBOARD || PANEL_METRICS.every((m) => queries.some((q) => q.includes(m)))) {
          found.dashboard = { ...model, url: hit.url }
          return passed(
            tr(
              `"${hit.title}" (uid ${hit.uid}), ${queries.length} queries`,
              `"${hit.title}"（uid ${hit.uid}），${queries.length} 个查询`,
            ),
          )
        }
      }
      return failed(
        tr(
          `no dashboard "${TUTORIAL_DASHBOARD}", nor one with GPU, QPS and latency panels`,
          `没有仪表盘 "${TUTORIAL_DASHBOARD}"，也没有包含 GPU、QPS 和延迟面板的仪表盘`,
        ),
        tr(`import the tutorial's: \`${curl.dashboard}\``, `导入教程的仪表盘：\`${curl.dashboard}\``),
      )
    },
  )
  await list.run(
    6,
    'grafana.panels',
    tr("each panel's query runs through Grafana", '每个面板的查询都能通过 Grafana 运行'),
    ['grafana.dashboard', 'grafana.datasource'],
    async () => {
      const queries = exprs(found.dashboard!)
      const broken: string[] = []
      for (const q of queries) {
        const answer = await queryThrough(base, access.auth!, found.datasource!.uid, q.expr).catch(
          (e: GrafanaError) => ({ status: 'error', error: e.cause_ }),
        )
        if (answer.status !== 'success') broken.push(`${q.panel}: ${q.expr} (${answer.error ?? answer.status})`)
      }
      if (broken.length)
        return failed(
          tr(
            `${broken.length} of ${queries.length} queries fail: ${broken.join('; ')}`,
            `${queries.length} 个查询中有 ${broken.length} 个失败：${broken.join('；')}`,
          ),
          tr(
            'fix the PromQL in the dashboard JSON and import it again (`"overwrite": true`)',
            '修正仪表盘 JSON 中的 PromQL 并重新导入（`"overwrite": true`）',
          ),
        )
      return passed(tr(`${queries.length} of ${queries.length} run`, `${queries.length} 个全部可运行`))
    },
  )
  await list.run(6, 'grafana.latency', tr('the latency query', '延迟查询'), ['grafana.dashboard'], async () => {
    const raw = new RegExp(`(?<!(rate|increase|irate|delta)\\(\\s*)\\b(${DURATION_COUNTERS.join('|')})\\b`)
    const wrong = exprs(found.dashboard!).find((q) => raw.test(q.expr))
    const right = meanMsPerRequest(metric.requestDuration, { window: '1m' })
    if (!wrong) return passed(tr('every µs counter is read through rate()', '每个微秒计数器都通过 rate() 读取'))
    return teaches(
      tr(
        `"${wrong.panel}" queries ${wrong.expr}: ${metric.requestDuration} is a cumulative counter (µs since Triton started), ` +
          'so this line only grows and is no latency',
        `"${wrong.panel}" 的查询是 ${wrong.expr}：${metric.requestDuration} 是累计计数器（Triton 启动以来的微秒数），` +
          '所以这条线只会增长，不是延迟',
      ),
      tr(`mean latency in ms is \`${right}\``, `以毫秒计的平均延迟是 \`${right}\``),
    )
  })
  return found
}
