// Step 7 of the tutorial: the dashboard is listed by /api/search, Prometheus answers through
// Grafana's proxy by the datasource's uid (not an id read by eye), and the load shows as QPS.
import type { Config } from '../step/config.ts'
import { t } from '../output/i18n.ts'
import { grafana, ok } from '../grafana/client.ts'
import { metric, modelIs, qps } from '../triton/metrics.ts'
import { type Checklist, failed, passed } from './checklist.ts'
import { type Found, queryThrough } from './grafana-api.ts'
import type { GrafanaAccess } from './grafana.ts'

/** The window the load must show in: long enough for a class between two runs of the loop. */
const LOAD_WINDOW = '5m'

export async function verifyChecks(list: Checklist, config: Config, access: GrafanaAccess, found: Found) {
  const base = access.base!
  await list.run(7, 'verify.search', t('/api/search lists the dashboard'), ['grafana.dashboard'], async () => {
    const { uid, title } = found.dashboard!
    const hits = ok(await grafana(base, access.auth!).GET('/search', { params: { query: { query: title } } }), {
      what: t('search the dashboards'),
    })
    const hit = hits.find((h) => h.uid === uid)
    if (!hit)
      return failed(
        t('/api/search?query={title} does not list uid {uid}', { title, uid }),
        t('the account checked with cannot see it: give it role Admin'),
      )
    return passed(`${base}${hit.url}`)
  })
  await list.run(7, 'verify.proxy', t('the proxy query works by uid'), ['grafana.datasource'], async () => {
    const { uid } = found.datasource!
    const answer = await queryThrough(base, access.auth!, uid, metric.gpuUtilization)
    return passed(
      t('/api/datasources/proxy/uid/{uid}/api/v1/query?query={gpuUtilization}: {resultLength} series', {
        uid,
        gpuUtilization: metric.gpuUtilization,
        resultLength: answer.data.result.length,
      }),
    )
  })
  await list.run(
    7,
    'verify.qps',
    t('QPS > 0 in the last {LOAD_WINDOW}', { LOAD_WINDOW }),
    ['verify.proxy', 'prometheus.target'],
    async () => {
      const query = qps({ match: modelIs(config.model), window: LOAD_WINDOW })
      const answer = await queryThrough(base, access.auth!, found.datasource!.uid, query)
      const value = Number(answer.data.result[0]?.value[1] ?? 0)
      if (value > 0) return passed(t('{value} req/s ({query})', { value: value.toFixed(3), query }))
      return failed(
        t('no request to {model} in the last {LOAD_WINDOW} ({query} is {value})', {
          model: config.model,
          LOAD_WINDOW,
          query,
          value,
        }),
        t(
          'run the load loop: ' +
            '`for i in {1..100}; do python3 client_infer.py > /dev/null; done` (or ' +
            '`make load`), then check again',
        ),
      )
    },
  )
}
