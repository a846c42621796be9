// Step 6: the Prometheus datasource under a fixed uid (what the dashboard and the proxy queries use
// instead of a guessed id): created, kept when it matches, updated in place when it does not.
import { assertHttpUrl, step } from './lib/cli.ts'
import { fail } from './lib/fail.ts'
import { tr } from './lib/i18n.ts'
import { log } from './lib/log.ts'
import { ok, type Json } from './lib/grafana/client.ts'
import { tokenSession } from './lib/grafana/session.ts'
import { prometheusUrlOnNetwork } from './lib/prometheus.ts'
import { SCRAPE_INTERVAL } from '../prometheus/config.ts'

await step(
  {
    name: '06-datasource',
    summary: tr('Prometheus datasource in Grafana by a fixed uid', '在 Grafana 中以固定 uid 添加 Prometheus 数据源'),
    replaces:
      'curl -X POST http://localhost:3000/api/datasources -H "Authorization: Bearer glsa_****" ' +
      `-d '{"name":"Prometheus","type":"prometheus","url":"http://prometheus:9090","access":"proxy","basicAuth":false}'`,
    env: {
      DATASOURCE_UID: tr('datasource uid (triton-prometheus)', '数据源 uid（triton-prometheus）'),
      PROMETHEUS_CONTAINER: tr(
        'Prometheus container name, its host name on the network (prometheus)',
        'Prometheus 容器名称，即它在网络上的主机名（prometheus）',
      ),
    },
    flags: {
      name: { type: 'string', help: tr('datasource name', '数据源名称'), default: 'Prometheus' },
      url: {
        type: 'string',
        help: tr(
          `Prometheus URL as Grafana reaches it (default ${prometheusUrlOnNetwork('<PROMETHEUS_CONTAINER>')})`,
          `Grafana 访问 Prometheus 的 URL（默认 ${prometheusUrlOnNetwork('<PROMETHEUS_CONTAINER>')}）`,
        ),
      },
    },
  },
  async (flags) => {
    if (flags.url !== undefined) assertHttpUrl('url', flags.url, prometheusUrlOnNetwork('prometheus'))
    const { config, base, api } = tokenSession()
    const uid = config.datasourceUid
    const desired = {
      uid,
      name: flags.name,
      type: 'prometheus',
      access: 'proxy' as const,
      url: flags.url ?? prometheusUrlOnNetwork(config.prometheus.container),
      basicAuth: false,
      // Grafana's "Scrape interval": the floor of $__interval, and a quarter of $__rate_interval's floor.
      jsonData: { httpMethod: 'POST', timeInterval: SCRAPE_INTERVAL } as Record<string, unknown>,
    }
    const what = tr(`set up the datasource ${uid}`, `设置数据源 ${uid}`)
    const current = await api.GET('/datasources/uid/{uid}', { params: { path: { uid } } })
    if (current.response.status === 404) {
      const sameName = await api.GET('/datasources/name/{name}', { params: { path: { name: desired.name } } })
      if (sameName.response.ok) {
        const other = sameName.data?.uid
        throw fail(
          tr(
            `a datasource named "${desired.name}" already exists with uid ${other}, not ${uid}; not creating a second one`,
            `已存在名为 "${desired.name}" 的数据源，其 uid 为 ${other}，而不是 ${uid}；不会再创建一个`,
          ),
          tr(
            `delete it (\`curl -X DELETE -H "Authorization: Bearer glsa_****" ${base}/api/datasources/uid/${other}\`), ` +
              `set DATASOURCE_UID=${other} to adopt it, or pass --name <other name>`,
            `删除它（\`curl -X DELETE -H "Authorization: Bearer glsa_****" ${base}/api/datasources/uid/${other}\`），` +
              `或设 DATASOURCE_UID=${other} 以沿用它，或传入 --name <其他名称>`,
          ),
        )
      }
      if (sameName.response.status !== 404) ok(sameName, { what })
      ok(await api.POST('/datasources', { body: { ...desired, jsonData: desired.jsonData as Json } }), { what })
      log.change(
        tr(
          `datasource ${desired.name} created (uid ${uid}, ${desired.url})`,
          `已创建数据源 ${desired.name}（uid ${uid}，${desired.url}）`,
        ),
      )
      return
    }
    const existing = ok(current, { what })
    const changed: string[] = (['name', 'type', 'access', 'url', 'basicAuth'] as const).filter(
      (k) => existing[k] !== desired[k],
    )
    // Settings someone added in the UI stay; only ours are enforced.
    const jsonData = { ...(existing.jsonData as Record<string, unknown> | undefined), ...desired.jsonData }
    if (JSON.stringify(jsonData) !== JSON.stringify(existing.jsonData ?? {})) changed.push('jsonData')
    if (changed.length === 0) {
      log.ok(
        tr(
          `datasource ${desired.name} (uid ${uid}, ${desired.url}) exists, kept`,
          `数据源 ${desired.name}（uid ${uid}，${desired.url}）已存在，保留`,
        ),
      )
      return
    }
    // PUT replaces the whole object: keep what we do not manage, and send the version we read.
    ok(
      await api.PUT('/datasources/uid/{uid}', {
        params: { path: { uid } },
        body: {
          user: existing.user,
          database: existing.database,
          basicAuthUser: existing.basicAuthUser,
          withCredentials: existing.withCredentials,
          isDefault: existing.isDefault,
          ...desired,
          jsonData: jsonData as Json,
          version: existing.version,
        },
      }),
      {
        what,
        fixes: {
          403: tr(
            'this datasource is provisioned from a file (read-only): change it there, or set DATASOURCE_UID to another uid',
            '此数据源由文件预置（只读）：请在文件中修改，或把 DATASOURCE_UID 设为其他 uid',
          ),
          // Grafana answers 409 for a name another datasource holds, and for an edit that raced ours.
          409: tr(
            `another datasource is already named "${desired.name}", or someone changed this one meanwhile: ` +
              'pass --name <other name> or rename that datasource, then run `make datasource` again',
            `已有另一个数据源名为 "${desired.name}"，或有人同时修改了此数据源：` +
              '传入 --name <其他名称> 或重命名那个数据源，然后重新运行 `make datasource`',
          ),
        },
      },
    )
    log.change(
      tr(
        `datasource ${uid} updated (${changed.join(', ')} differed)`,
        `已更新数据源 ${uid}（${changed.join('、')} 不同）`,
      ),
    )
  },
)
