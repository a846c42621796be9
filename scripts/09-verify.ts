// Step 9: the tutorial's checks done through Grafana, as a user's dashboard would see them: the
// dashboard is listed, and Prometheus, queried through Grafana's proxy by datasource uid, has the
// triton target up, QPS > 0 and a mean latency. Waits (with a deadline) for the scrape that
// follows the load, then draws QPS and latency over the last minutes.
import { step } from './lib/step/cli.ts'
import { chart } from './lib/output/chart.ts'
import { fail, StepError } from './lib/step/fail.ts'
import { t } from './lib/output/i18n.ts'
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
    summary: t('verify the dashboard, the triton target, QPS and latency through Grafana'),
    replaces:
      'curl -H "Authorization: Bearer glsa_****" http://localhost:3000/api/search; ' +
      'curl -H "Authorization: Bearer glsa_****" ' +
      '"http://localhost:3000/api/datasources/proxy/1/api/v1/query?query=nv_gpu_utilization"',
    env: {
      DATASOURCE_UID: t('datasource uid queried through the proxy (triton-prometheus)'),
      MODEL: t('model whose QPS and latency are checked (mnist_mlp)'),
    },
    flags: {
      json: {
        type: 'boolean',
        help: t('print the result as one JSON object on stdout'),
      },
      minutes: {
        type: 'number',
        help: t('chart window in minutes'),
        default: 5,
        min: 1,
        max: 1440,
        integer: true,
      },
      timeout: {
        type: 'number',
        help: t('seconds to wait for the checks to pass (the scrape after the load)'),
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
        404: t('there is no datasource with uid {uid} in Grafana: run `make datasource`', { uid }),
        502: t('Prometheus (container {container}) does not answer Grafana: start it with `make prometheus`', {
          container: config.prometheus.container,
        }),
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
          t('datasource {uid} answered {route} with something that is not a Prometheus API answer: {said}', {
            uid,
            route,
            said,
          }),
          t(
            'point it at Prometheus: `make datasource` (or ' +
              '`make datasource ARGS="--url {prometheusUrlOnNetwork}"`)',
            { prometheusUrlOnNetwork: prometheusUrlOnNetwork('<prometheus>') },
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
      { what: t('list the dashboards') },
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
          t('dashboard "{title}" (uid {uid}) is not in Grafana: run `make dashboard`', {
            title: dashboard.title,
            uid: dashboard.uid,
          }),
        )
      const targets = await prom<{ activeTargets: Target[] }>(
        'api/v1/targets',
        { state: 'active' },
        t('check the triton target through the Prometheus datasource {uid}', { uid }),
        'activeTargets',
      )
      const target = targets.activeTargets.find(
        (t) => t.labels.job === TRITON_JOB || t.labels.instance?.startsWith(`${config.triton.container}:`),
      )
      if (!target) missing.push(t('Prometheus has no triton target: run `make prometheus`'))
      else if (target.health !== 'up')
        missing.push(
          t('the triton target {instance} is {health}{lastError}: run `make triton`', {
            instance: String(target.labels.instance),
            health: target.health,
            lastError: target.lastError ? t(' ({lastError})', { lastError: target.lastError }) : '',
          }),
        )
      const what = t('query QPS and latency through Grafana')
      const qps = await instant(qpsQuery, what)
      const latencyMs = await instant(latencyQuery, what)
      if (!(qps! > 0))
        missing.push(
          t(
            'QPS of {model} is {qps} over the last minute: run `make load` (Prometheus ' + 'scrapes every few seconds)',
            { model: config.model, qps: qps ?? t('absent') },
          ),
        )
      if (!Number.isFinite(latencyMs))
        missing.push(
          t('mean latency of {model} is {latencyMs}: it needs requests in the last minute (`make load`)', {
            model: config.model,
            latencyMs: latencyMs ?? t('absent'),
          }),
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
        what: t('waiting for the triton target, QPS and latency'),
        timeoutMs: flags.timeout * 1000,
        intervalMs: 1000,
        onTimeout: () =>
          fail(
            t('verification failed after {timeout}s: {missing}', {
              timeout: flags.timeout,
              missing: last?.missing.join(t('; ')) ?? t('no answer'),
            }),
            last?.missing.length
              ? t('do what each item above says, then run `make verify` again')
              : t('see the message above'),
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
        t('read QPS and latency history'),
        'result',
      )
      return (result.result[0]?.values ?? []).map(([t, v]) => [t, Number(v)] as [number, number])
    }
    const qpsSeries = await series(qpsQuery)
    const latencySeries = await series(latencyQuery)
    const url = `${base}${hit!.url}`
    log.raw(
      chart(
        t('QPS, last {minutes} min', { minutes: flags.minutes }),
        qpsSeries.map(([, v]) => v),
        'req/s',
      ),
    )
    log.raw(
      chart(
        t('Mean latency, last {minutes} min', { minutes: flags.minutes }),
        latencySeries.map(([, v]) => v),
        'ms',
      ),
    )
    log.ok(t('dashboard "{title}": {url}', { title: dashboard.title, url }))
    log.ok(t('triton target {instance} is up', { instance: String(settled.target!.labels.instance) }))
    log.ok(
      t('QPS {qps} req/s, mean latency {latencyMs} ms ({model}, last minute)', {
        qps: settled.qps!.toFixed(2),
        latencyMs: settled.latencyMs!.toFixed(2),
        model: config.model,
      }),
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
