// Step 6 of the tutorial, read back through Grafana's API: the service account cli-service with
// role Admin and a token on it; a Prometheus datasource whose URL works from Grafana (a query
// through its proxy: Grafana's container is where the URL is resolved); a dashboard with the
// tutorial's panels, each query run through Grafana; and the lesson of the latency query.
import type { Config } from '../step/config.ts'
import { t } from '../output/i18n.ts'
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
/** The admin's password as a placeholder: a fix never teaches the default admin/admin. */
const ADMIN_API = 'http://admin:<password>@localhost:3000/api'
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
      what: t('query {query} through Grafana', { query }),
    },
  )
}

export async function grafanaApiChecks(list: Checklist, config: Config, access: GrafanaAccess): Promise<Found> {
  const found: Found = {}
  const base = access.base!
  const api = () => grafana(base, access.auth!)
  const created = t('create it as the tutorial does: `{account}`', { account: curl.account })
  let accountId: number | undefined
  await list.run(
    6,
    'grafana.serviceaccount',
    t('service account {SERVICE_ACCOUNT}, role Admin', { SERVICE_ACCOUNT }),
    ['grafana.credentials'],
    async () => {
      const hits = ok(
        await api().GET('/serviceaccounts/search', { params: { query: { query: SERVICE_ACCOUNT, perpage: 1000 } } }),
        {
          what: t('list the service accounts'),
        },
      )
      const account = hits.serviceAccounts?.find((s) => s.name === SERVICE_ACCOUNT)
      if (!account) return failed(t('there is no service account {SERVICE_ACCOUNT}', { SERVICE_ACCOUNT }), created)
      accountId = account.id
      if (account.role !== 'Admin')
        return failed(
          t('{SERVICE_ACCOUNT} has role {role}: creating a datasource and a dashboard needs Admin', {
            SERVICE_ACCOUNT,
            role: String(account.role),
          }),
          t('give it role Admin (Administration → Service accounts → {SERVICE_ACCOUNT})', { SERVICE_ACCOUNT }),
        )
      return passed(t('{SERVICE_ACCOUNT} (id {id}), role Admin', { SERVICE_ACCOUNT, id: String(account.id) }))
    },
  )
  await list.run(
    6,
    'grafana.token',
    t('a token on {SERVICE_ACCOUNT}', { SERVICE_ACCOUNT }),
    ['grafana.serviceaccount'],
    async () => {
      const issue = t(
        'issue one: `{token}`, keep its "key" in a file (it is shown once), and give ' + 'it with GRAFANA_TOKEN_FILE',
        { token: curl.token(accountId) },
      )
      if (access.tokenRefused)
        return failed(
          t('Grafana refuses the token from {from}: it was deleted, revoked or has expired', {
            from: access.token!.from,
          }),
          issue,
        )
      const tokens = ok(
        await api().GET('/serviceaccounts/{serviceAccountId}/tokens', {
          params: { path: { serviceAccountId: accountId! } },
        }),
        {
          what: t('list the tokens of {SERVICE_ACCOUNT}', { SERVICE_ACCOUNT }),
        },
      )
      const live = tokens.filter((t) => !t.isRevoked && !t.hasExpired)
      if (!live.length) return failed(t('{SERVICE_ACCOUNT} has no working token', { SERVICE_ACCOUNT }), issue)
      return passed(
        t('{live}{theGiven}', {
          live: live.map((t) => t.name).join(t(', ')),
          theGiven: access.token && 'token' in access.auth! ? t(', the given one works') : '',
        }),
      )
    },
  )
  const rightUrl = prometheusUrlOnNetwork(config.prometheus.container)
  await list.run(
    6,
    'grafana.datasource',
    t('Prometheus datasource works from Grafana'),
    ['grafana.credentials'],
    async () => {
      const all = ok(await api().GET('/datasources'), { what: t('list the datasources') }).filter(
        (d) => d.type === 'prometheus',
      )
      const ds = all.find((d) => d.uid === config.datasourceUid) ?? all.find((d) => d.isDefault) ?? all[0]
      if (!ds?.uid)
        return failed(
          t('there is no Prometheus datasource'),
          t('add it as the tutorial does: `{datasource}`', { datasource: curl.datasource(rightUrl) }),
        )
      const url = ds.url ?? ''
      try {
        await queryThrough(base, access.auth!, ds.uid, 'up')
        found.datasource = { uid: ds.uid, name: ds.name ?? '', url }
        return passed(t('"{name}" (uid {uid}) → {url} answers Grafana', { name: String(ds.name), uid: ds.uid, url }))
      } catch (error) {
        if (!(error instanceof GrafanaError)) throw error
        const fix = t(
          "set the datasource's URL to {rightUrl} (Connections → Data sources → " +
            '{name}), or PUT /api/datasources/uid/{uid} with that url',
          { rightUrl, name: String(ds.name), uid: ds.uid },
        )
        if (/^(localhost|127\.|\[::1\])/.test(new URL(url, 'http://x').host))
          return failed(
            t(
              '"{name}" points at {url}: Grafana resolves it inside its own container, where ' +
                'localhost is Grafana, not Prometheus',
              { name: String(ds.name), url },
            ),
            fix,
          )
        const why = await whyProxyFailed({ status: error.status, bodyText: error.body.message ?? '' }, url, config)
        return failed(
          why?.cause_ ?? t('"{name}" → {url}: {cause_}', { name: String(ds.name), url, cause_: error.cause_ }),
          why?.fix ?? fix,
        )
      }
    },
  )
  await list.run(6, 'grafana.dashboard', t('a dashboard with the three panels'), ['grafana.credentials'], async () => {
    const hits = ok(await api().GET('/search', { params: { query: { type: 'dash-db' } } }), {
      what: t('list the dashboards'),
    })
    const ordered = [...hits].sort(
      (a, b) => Number(b.title === TUTORIAL_DASHBOARD) - Number(a.title === TUTORIAL_DASHBOARD),
    )
    for (const hit of ordered) {
      const answer = ok(await api().GET('/dashboards/uid/{uid}', { params: { path: { uid: hit.uid! } } }), {
        what: t('read the dashboard {title}', { title: String(hit.title) }),
      })
      const model = answer.dashboard as unknown as DashboardModel
      const queries = exprs(model).map((q) => q.expr)
      if (hit.title === TUTORIAL_DASHBOARD || PANEL_METRICS.every((m) => queries.some((q) => q.includes(m)))) {
        found.dashboard = { ...model, url: hit.url }
        return passed(
          t('"{title}" (uid {uid}), {queriesLength} queries', {
            title: String(hit.title),
            uid: String(hit.uid),
            queriesLength: queries.length,
          }),
        )
      }
    }
    return failed(
      t('no dashboard "{TUTORIAL_DASHBOARD}", nor one with GPU, QPS and latency panels', { TUTORIAL_DASHBOARD }),
      t("import the tutorial's: `{dashboard}`", { dashboard: curl.dashboard }),
    )
  })
  await list.run(
    6,
    'grafana.panels',
    t("each panel's query runs through Grafana"),
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
          t('{brokenLength} of {queriesLength} queries fail: {broken}', {
            brokenLength: broken.length,
            queriesLength: queries.length,
            broken: broken.join(t('; ')),
          }),
          t('fix the PromQL in the dashboard JSON and import it again (`"overwrite": true`)'),
        )
      return passed(t('{queriesLength} of {queriesLength} run', { queriesLength: queries.length }))
    },
  )
  await list.run(6, 'grafana.latency', t('the latency query'), ['grafana.dashboard'], async () => {
    const raw = new RegExp(`(?<!(rate|increase|irate|delta)\\(\\s*)\\b(${DURATION_COUNTERS.join('|')})\\b`)
    const wrong = exprs(found.dashboard!).find((q) => raw.test(q.expr))
    const right = meanMsPerRequest(metric.requestDuration, { window: '1m' })
    if (!wrong) return passed(t('every µs counter is read through rate()'))
    return teaches(
      t(
        '"{panel}" queries {expr}: {requestDuration} is a cumulative counter (µs since ' +
          'Triton started), so this line only grows and is no latency',
        { panel: wrong.panel, expr: wrong.expr, requestDuration: metric.requestDuration },
      ),
      t('mean latency in ms is `{right}`', { right }),
    )
  })
  return found
}
