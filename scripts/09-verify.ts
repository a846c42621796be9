// Step 9: the tutorial's checks done through Grafana, as a user's dashboard would see them: the
// dashboard is listed, and Prometheus, queried through Grafana's proxy by datasource uid, has the
// triton target up, QPS > 0 and a mean latency. Waits (with a deadline) for the scrape that
// follows the load, then draws QPS and latency over the last minutes.
import { step } from './lib/step/cli.ts'
import { chart } from './lib/output/chart.ts'
import { fail, StepError } from './lib/step/fail.ts'
import { tr } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { waitFor } from './lib/step/poll.ts'
import { whyProxyFailed } from './lib/prometheus/datasource-diagnosis.ts'
import { GrafanaError, ok, proxyGet, type GrafanaCall } from './lib/grafana/client.ts'
import { DASHBOARD_FILE, readDashboard } from './lib/grafana/dashboard.ts'
import { tokenSession } from './lib/grafana/session.ts'
import {
  type ApiAnswer,
  prometheusUrlOnNetwork,
  type Sample,
  type Series,
  type Target,
  TRITON_JOB,
} from './lib/prometheus/api.ts'
import { meanMsPerRequest, metric, modelIs, qps, type Scope } from './lib/triton/metrics.ts'

await step(
  {
    name: '09-verify',
    summary: tr(
      'verify the dashboard, the triton target, QPS and latency through Grafana',
      '通过 Grafana 检查仪表盘、triton 抓取目标、QPS 与延迟',
    ),
    replaces:
      'curl -H "Authorization: Bearer glsa_****" http://localhost:3000/api/search; ' +
      'curl -H "Authorization: Bearer glsa_****" ' +
      '"http://localhost:3000/api/datasources/proxy/1/api/v1/query?query=nv_gpu_utilization"',
    env: {
      DATASOURCE_UID: tr(
        'datasource uid queried through the proxy (triton-prometheus)',
        '通过代理查询的数据源 uid（triton-prometheus）',
      ),
      MODEL: tr('model whose QPS and latency are checked (mnist_mlp)', '检查 QPS 与延迟的模型（mnist_mlp）'),
    },
    flags: {
      json: {
        type: 'boolean',
        help: tr('print the result as one JSON object on stdout', '在标准输出打印一个 JSON 结果'),
      },
      minutes: {
        type: 'number',
        help: tr('chart window in minutes', '图表时间窗口（分钟）'),
        default: 5,
        min: 1,
        max: 1440,
        integer: true,
      },
      timeout: {
        type: 'number',
        help: tr(
          'seconds to wait for the checks to pass (the scrape after the load)',
          '等待检查通过的秒数（负载之后的抓取）',
        ),
        default: 60,
        min: 1,
      },
    },
  },
  async (flags) => {
    const { config, base, auth, api } = tokenSession()
    const uid = config.datasourceUid
    const dashboard = readDashboard(DASHBOARD_FILE)
    // One number for the model over the last minute, as the dashboard's Overview shows it.
    const lastMinute: Scope = { match: modelIs(config.model), window: '1m' }
    const qpsQuery = qps(lastMinute)
    const latencyQuery = meanMsPerRequest(metric.requestDuration, lastMinute)
    const through = (what: string): GrafanaCall => ({
      what,
      fixes: {
        404: tr(
          `there is no datasource with uid ${uid} in Grafana: run \`make datasource\``,
          `Grafana 中没有 uid 为 ${uid} 的数据源：运行 \`make datasource\``,
        ),
        502: tr(
          `Prometheus (container ${config.prometheus.container}) does not answer Grafana: start it with \`make prometheus\``,
          `Prometheus（容器 ${config.prometheus.container}）没有响应 Grafana：用 \`make prometheus\` 启动它`,
        ),
      },
    })
    // `list` names the array the caller reads: an answer without it (a web page, a proxy's reply) is
    // not worth waiting on, so it fails at once instead of as a timeout.
    const prom = async <T>(
      route: string,
      query: Record<string, string>,
      what: string,
      list: keyof T & string,
    ): Promise<T> => {
      const answer = await proxyGet<ApiAnswer<T> | undefined>(base, auth, uid, route, query, through(what))
      if (
        answer?.status !== 'success' ||
        !Array.isArray((answer.data as Record<string, unknown> | undefined)?.[list])
      ) {
        const said = JSON.stringify(answer).slice(0, 120)
        throw fail(
          tr(
            `datasource ${uid} answered ${route} with something that is not a Prometheus API answer: ${said}`,
            `数据源 ${uid} 对 ${route} 的回答不是 Prometheus API 的回答：${said}`,
          ),
          tr(
            `point it at Prometheus: \`make datasource\` (or \`make datasource ARGS="--url ${prometheusUrlOnNetwork('<prometheus>')}"\`)`,
            `让它指向 Prometheus：\`make datasource\`（或 \`make datasource ARGS="--url ${prometheusUrlOnNetwork('<prometheus>')}"\`）`,
          ),
        )
      }
      return answer.data
    }
    const instant = async (query: string, what: string) => {
      const result = await prom<{ result: Sample[] }>('api/v1/query', { query }, what, 'result')
      return result.result.length ? Number(result.result[0]!.value[1]) : undefined
    }

    const hits = ok(
      await api.GET('/search', { params: { query: { dashboardUIDs: [dashboard.uid], type: 'dash-db' } } }),
      { what: tr('list the dashboards', '列出仪表盘') },
    )
    const hit = hits.find((h) => h.uid === dashboard.uid)

    interface Outcome {
      missing: string[]
      target?: Target
      qps?: number
      latencyMs?: number
    }
    const check = async (): Promise<Outcome> => {
      const missing: string[] = []
      if (!hit)
        missing.push(
          tr(
            `dashboard "${dashboard.title}" (uid ${dashboard.uid}) is not in Grafana: run \`make dashboard\``,
            `Grafana 中没有仪表盘 "${dashboard.title}"（uid ${dashboard.uid}）：运行 \`make dashboard\``,
          ),
        )
      const targets = await prom<{ activeTargets: Target[] }>(
        'api/v1/targets',
        { state: 'active' },
        tr(
          `check the triton target through the Prometheus datasource ${uid}`,
          `通过 Prometheus 数据源 ${uid} 检查 triton 抓取目标`,
        ),
        'activeTargets',
      )
      const target = targets.activeTargets.find(
        (t) => t.labels.job === TRITON_JOB || t.labels.instance?.startsWith(`${config.triton.container}:`),
      )
      if (!target)
        missing.push(
          tr(
            'Prometheus has no triton target: run `make prometheus`',
            'Prometheus 没有 triton 抓取目标：运行 `make prometheus`',
          ),
        )
      else if (target.health !== 'up')
        missing.push(
          tr(
            `the triton target ${target.labels.instance} is ${target.health}` +
              `${target.lastError ? ` (${target.lastError})` : ''}: run \`make triton\``,
            `triton 抓取目标 ${target.labels.instance} 状态为 ${target.health}` +
              `${target.lastError ? `（${target.lastError}）` : ''}：运行 \`make triton\``,
          ),
        )
      const what = tr('query QPS and latency through Grafana', '通过 Grafana 查询 QPS 与延迟')
      const qps = await instant(qpsQuery, what)
      const latencyMs = await instant(latencyQuery, what)
      if (!(qps! > 0))
        missing.push(
          tr(
            `QPS of ${config.model} is ${qps ?? 'absent'} over the last minute: run \`make load\` (Prometheus scrapes every few seconds)`,
            `${config.model} 最近一分钟的 QPS 为 ${qps ?? '无'}：运行 \`make load\`（Prometheus 每几秒抓取一次）`,
          ),
        )
      if (!Number.isFinite(latencyMs))
        missing.push(
          tr(
            `mean latency of ${config.model} is ${latencyMs ?? 'absent'}: it needs requests in the last minute (\`make load\`)`,
            `${config.model} 的平均延迟为 ${latencyMs ?? '无'}：需要最近一分钟内有请求（\`make load\`）`,
          ),
        )
      return { missing, target, qps, latencyMs }
    }

    // API failures end the wait at once; only "not scraped yet" is worth waiting for.
    let last: Outcome | undefined
    let settled = await waitFor<Outcome | StepError>(
      async () => {
        try {
          last = await check()
          return last.missing.length === 0 ? last : false
        } catch (error) {
          if (error instanceof StepError) return error
          throw error
        }
      },
      {
        what: tr('waiting for the triton target, QPS and latency', '等待 triton 抓取目标、QPS 与延迟'),
        timeoutMs: flags.timeout * 1000,
        intervalMs: 1000,
        onTimeout: () =>
          fail(
            tr(
              `verification failed after ${flags.timeout}s: ${last?.missing.join('; ') ?? 'no answer'}`,
              `${flags.timeout} 秒后检查仍未通过：${last?.missing.join('；') ?? '无响应'}`,
            ),
            last?.missing.length
              ? tr(
                  'do what each item above says, then run `make verify` again',
                  '按上面每一项的提示处理后，重新运行 `make verify`',
                )
              : tr('see the message above', '见上面的信息'),
          ),
      },
    ).catch((error: unknown) => error as StepError)
    // Grafana's proxy says only 502 or 504, or nothing in time (a keep-alive connection to a
    // Prometheus that left the network hangs until its 30 s timeout): the datasource's URL and
    // the containers' state say why.
    const proxyStatus = settled instanceof GrafanaError ? settled.status : last === undefined ? 504 : undefined
    if (settled instanceof Error && (proxyStatus === 502 || proxyStatus === 504)) {
      const datasource = await api.GET('/datasources/uid/{uid}', { params: { path: { uid } } }).catch(() => undefined)
      const bodyText = settled instanceof GrafanaError ? (settled.body.message ?? '') : ''
      const why = datasource?.data?.url
        ? await whyProxyFailed({ status: proxyStatus, bodyText }, datasource.data.url, config)
        : undefined
      if (why) settled = why
    }
    if (settled instanceof Error) {
      if (flags.json)
        process.stdout.write(
          `${JSON.stringify({
            ok: false,
            missing: last?.missing.length ? last.missing : [(settled as StepError).cause_ ?? settled.message],
          })}\n`,
        )
      throw settled
    }

    // Fractional seconds: a whole-second `end` can fall before the scrape the checks just saw.
    const end = Date.now() / 1000
    const range = {
      start: (end - flags.minutes * 60).toFixed(3),
      end: end.toFixed(3),
      step: String(Math.max(5, Math.round((flags.minutes * 60) / 60))),
    }
    const series = async (query: string) => {
      const result = await prom<{ result: Series[] }>(
        'api/v1/query_range',
        { query, ...range },
        tr('read QPS and latency history', '读取 QPS 与延迟历史'),
        'result',
      )
      return (result.result[0]?.values ?? []).map(([t, v]) => [t, Number(v)] as [number, number])
    }
    const qpsSeries = await series(qpsQuery)
    const latencySeries = await series(latencyQuery)
    const url = `${base}${hit!.url}`
    log.raw(
      chart(
        tr(`QPS, last ${flags.minutes} min`, `QPS，最近 ${flags.minutes} 分钟`),
        qpsSeries.map(([, v]) => v),
        'req/s',
      ),
    )
    log.raw(
      chart(
        tr(`Mean latency, last ${flags.minutes} min`, `平均延迟，最近 ${flags.minutes} 分钟`),
        latencySeries.map(([, v]) => v),
        'ms',
      ),
    )
    log.ok(tr(`dashboard "${dashboard.title}": ${url}`, `仪表盘 "${dashboard.title}"：${url}`))
    log.ok(
      tr(
        `triton target ${settled.target!.labels.instance} is up`,
        `triton 抓取目标 ${settled.target!.labels.instance} 正常`,
      ),
    )
    log.ok(
      tr(
        `QPS ${settled.qps!.toFixed(2)} req/s, mean latency ${settled.latencyMs!.toFixed(2)} ms (${config.model}, last minute)`,
        `QPS ${settled.qps!.toFixed(2)} 次/秒，平均延迟 ${settled.latencyMs!.toFixed(2)} 毫秒（${config.model}，最近一分钟）`,
      ),
    )
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({
          ok: true,
          dashboard: { uid: dashboard.uid, title: dashboard.title, url },
          datasourceUid: uid,
          target: { instance: settled.target!.labels.instance, health: settled.target!.health },
          qps: settled.qps,
          latencyMs: settled.latencyMs,
          series: { qps: qpsSeries, latencyMs: latencySeries },
        })}\n`,
      )
    }
  },
)
