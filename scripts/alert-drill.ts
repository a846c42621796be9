// `make alert-drill`: the lesson after the dashboards. Stops Triton, watches TritonTargetDown go
// pending in Prometheus, fire in Alertmanager and (when a receiver is configured) reach it; starts
// Triton again and watches the alert resolve and the resolution go out. Prints the timeline. Every
// wait has a deadline, and Triton is started again whatever happens, Ctrl-C included. With several
// replicas it stops the last one, which stays a target while the others answer: TritonTargetDown
// fires for that replica's instance.
import { color } from './lib/output/color.ts'
import { alertTiming, duration } from '../prometheus/alert-timing.ts'
import {
  fetchAlerts,
  fetchStatus,
  hasIntegrations,
  notificationCounts,
  type NotificationCounts,
} from './lib/prometheus/alertmanager.ts'
import { step } from './lib/step/cli.ts'
import { loadConfig, url } from './lib/step/config.ts'
import { docker, ensureEngine, inspectContainer } from './lib/engine/cli.ts'
import { MANAGED_LABEL } from './lib/engine/spec.ts'
import { fail } from './lib/step/fail.ts'
import { t } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { waitFor } from './lib/step/poll.ts'
import { type AlertmanagerTargetInfo, type PrometheusAlert, prometheusApi } from './lib/prometheus/api.ts'
import { registerStoredWebhook } from './lib/prometheus/alert-webhook.ts'
import { notifyErrors } from './lib/prometheus/notify-errors.ts'
import { StepError } from './lib/step/fail.ts'
import { formatTable } from './lib/output/table.ts'
import { tritonTarget } from './lib/triton/names.ts'

/** The alert the drill provokes, for the instance of the Triton it stops. */
const ALERT = 'TritonTargetDown'

type Event = 'stopped' | 'pending' | 'firing' | 'notified' | 'restarted' | 'resolved' | 'resolution notified'

/** Each event's name in the timeline; `--json` keeps the English one as its key. */
const eventName: Record<Event, () => string> = {
  stopped: () => t('stopped'),
  pending: () => t('pending'),
  firing: () => t('firing'),
  notified: () => t('notified'),
  restarted: () => t('restarted'),
  resolved: () => t('resolved'),
  'resolution notified': () => t('resolution notified'),
}

/** What each event means. */
const what: Record<Event, () => string> = {
  stopped: () => t('Triton stopped (docker stop)'),
  pending: () =>
    t('pending in Prometheus: a failed scrape, waiting out for: {duration}', {
      duration: duration(alertTiming.targetDownFor),
    }),
  firing: () => t('firing: Alertmanager has it'),
  notified: () => t('sent to the receiver (group_wait {duration})', { duration: duration(alertTiming.groupWait) }),
  restarted: () => t('Triton started again (docker start)'),
  resolved: () => t('resolved: the scrape works again'),
  'resolution notified': () =>
    t('resolution sent (group_interval {duration})', { duration: duration(alertTiming.groupInterval) }),
}

await step(
  {
    name: 'alert-drill',
    // It stops and starts Triton: no other step may change the stack meanwhile.
    lock: true,
    summary: t('Alert drill: stop Triton, watch TritonTargetDown fire and resolve'),
    replaces: `docker stop triton; watch 'curl -s localhost:9093/api/v2/alerts'; docker start triton`,
    env: {
      TRITON_CONTAINER: t('the Triton container to stop and start (triton)'),
      TRITON_REPLICAS: t('with 2 or more, the last replica is stopped and its TritonTargetDown watched'),
      PROMETHEUS_PORT: t('Prometheus host port (9090)'),
      ALERTMANAGER_PORT: t('Alertmanager host port (9093)'),
    },
    flags: {
      timeout: {
        type: 'number',
        help: t('seconds each phase may take: firing and notified after the stop, resolved after the start'),
        default: 150,
        min: 1,
      },
      json: { type: 'boolean', help: t('print the timeline as JSON') },
    },
  },
  async (flags) => {
    const config = loadConfig()
    const { replicas } = config.triton
    const alert = ALERT
    const triton = replicas[replicas.length - 1]!.name
    const prometheus = url(config, config.prometheus.port)
    const alertmanager = url(config, config.alertmanager.port)
    const timeoutMs = flags.timeout * 1000
    const instance = tritonTarget(triton)
    const filter = [`alertname="${alert}"`, `instance="${instance}"`]

    // Everything is checked before Triton is touched.
    await ensureEngine()
    const container = await inspectContainer(triton)
    if (!container?.State.Running || container.Config.Labels?.[MANAGED_LABEL] !== 'true') {
      throw fail(
        t('Triton ({triton}) is not running as part of this stack', { triton }),
        t('start the stack first: `make up`'),
      )
    }
    /** Anything a service fails to answer before the drill starts stops it, with the cause. */
    const answered =
      (service: string, base: string, target: string, port: string) =>
      <T>(read: () => Promise<T>): Promise<T> =>
        read().catch((error: Error) => {
          throw fail(
            t('{service} does not answer as {service} at {base} ({message})', {
              service,
              base,
              message: error.message,
            }),
            t('start it with `make {target}`; check that {port} is its port', { target, port }),
          )
        })
    const fromAlertmanager = answered('Alertmanager', alertmanager, 'alertmanager', 'ALERTMANAGER_PORT')
    const fromPrometheus = answered('Prometheus', prometheus, 'prometheus', 'PROMETHEUS_PORT')
    const notifying = await fromAlertmanager(async () => {
      const status = await fetchStatus(alertmanager)
      if (typeof status.config?.original !== 'string') throw new Error('/api/v2/status has no config')
      return await hasIntegrations(status.config.original)
    })
    const senders = await fromPrometheus(async () => {
      const { activeAlertmanagers } = await prometheusApi<{ activeAlertmanagers?: AlertmanagerTargetInfo[] }>(
        prometheus,
        'alertmanagers',
      )
      if (!Array.isArray(activeAlertmanagers)) throw new Error('no list of Alertmanagers')
      return activeAlertmanagers
    })
    if (!senders.some((a) => a.url.includes(`//${config.alertmanager.container}:`))) {
      throw fail(
        t('Prometheus does not send its alerts to {container}', { container: config.alertmanager.container }),
        t(
          'run `make prometheus` so its config names Alertmanager (a config from before ' +
            'the alerting step does not)',
        ),
      )
    }
    const already = await fromAlertmanager(() => fetchAlerts(alertmanager, filter))
    if (already.length > 0) {
      throw fail(
        t('{alert} is already firing in Alertmanager', { alert }),
        t('bring Triton back (`make triton`), wait until `make alerts` shows no alert, then run the drill'),
      )
    }
    const baseline = await fromAlertmanager(() => notificationCounts(alertmanager))
    // What Alertmanager says about a failed delivery may quote the webhook URL or a receiver's echo of it.
    registerStoredWebhook()

    // The clock starts as the stop begins: Triton stops answering during `docker stop`, which
    // waits for its graceful shutdown, and Prometheus may see it before the command returns.
    const started = Date.now()
    const timeline: { event: Event; seconds: number }[] = []
    const mark = (event: Event, at = Date.now()) => {
      const seconds = Math.max(0, Math.round((at - started) / 1000))
      timeline.push({ event, seconds })
      log.info(`${color.dim(`${String(seconds).padStart(4)}s`)}  ${what[event]()}`)
    }
    // Prometheus's log holds no webhook URL; Alertmanager's does up to 0.27 (lib/prometheus/notify-errors.ts),
    // so the drill shows Alertmanager's side itself rather than send anyone to its log.
    const logs = `\`docker logs ${config.prometheus.container}\`, \`make alerts\``
    const timedOut = (phase: string, since: number) => (last: unknown) => {
      const seconds = Math.round((Date.now() - since) / 1000)
      const why = last instanceof Error ? last.message : ''
      return fail(
        t('{phase}: nothing after {seconds} s{why}', { phase, seconds, why: why ? t(' ({why})', { why }) : '' }),
        t('read {logs}; Triton was started again', { logs }),
      )
    }
    const drillStart = new Date().toISOString()
    /** Alertmanager's own errors for failed deliveries during the drill, URLs cut and secrets masked. */
    const alertmanagerSays = async () => {
      const errors = await notifyErrors(config.alertmanager.container, drillStart)
      return errors.length ? t("\nAlertmanager's error: {errors}", { errors: errors.join('\n  ') }) : ''
    }
    /**
     * Waits until receivers have answered `count` more requests with 2xx than before the drill; a
     * notification Alertmanager gives up on ends it. A failed attempt it still retries is waited out.
     */
    const notified = async (count: number, phase: string, since: number) => {
      const outcome = await waitFor(
        async () => {
          const now: NotificationCounts = await notificationCounts(alertmanager)
          if (now.failed > baseline.failed) return { failed: now.failed - baseline.failed, now }
          return now.delivered - baseline.delivered >= count && { failed: 0, now }
        },
        {
          what: phase,
          timeoutMs: Math.max(1, since + timeoutMs - Date.now()),
          intervalMs: 500,
          onTimeout: timedOut(phase, since),
        },
      ).catch(async (error) => {
        // A receiver that never answers: no failure counted yet, but Alertmanager may already say why.
        if (error instanceof StepError) throw fail(`${error.cause_}${await alertmanagerSays()}`, error.fix)
        throw error
      })
      if (outcome.failed) {
        const reasons = Object.entries(outcome.now.failedBy)
          .filter(([reason, n]) => n > (baseline.failedBy[reason] ?? 0))
          .map(([reason]) => reason)
          .join(', ')
        const says = await alertmanagerSays()
        throw fail(
          t('Alertmanager could not deliver to the receiver (gave up on it {failed} time(s){reasons}){says}', {
            failed: outcome.failed,
            reasons: reasons ? t(': {reasons}', { reasons }) : '',
            says,
          }),
          t(
            'make the receiver answer 2xx (Alertmanager retries on 5xx and gives up on ' +
              'other codes), then run the drill again; Triton was started again',
          ),
        )
      }
    }

    let restarted = false
    const restart = async () => {
      if (restarted) return
      restarted = true
      await docker(['start', triton], { context: { container: triton } })
    }
    // Ctrl-C in the middle of a drill must not leave the class without Triton.
    const interrupted = () => {
      restart().finally(() => process.exit(130))
    }
    process.once('SIGINT', interrupted)
    process.once('SIGTERM', interrupted)
    try {
      await docker(['stop', triton], { context: { container: triton } })
      mark('stopped')
      const pending = await waitFor(
        async () => {
          const { alerts } = await prometheusApi<{ alerts: PrometheusAlert[] }>(prometheus, 'alerts')
          return alerts.find((a) => a.labels.alertname === alert && a.labels.instance === instance)
        },
        {
          what: t('waiting for {alert} in Prometheus', { alert }),
          timeoutMs,
          intervalMs: 1000,
          onTimeout: timedOut(t('{alert} pending in Prometheus', { alert }), started),
        },
      )
      mark('pending', Math.max(started, Date.parse(pending.activeAt)))
      const firing = await waitFor(async () => (await fetchAlerts(alertmanager, filter))[0], {
        what: t('waiting for {alert} to fire in Alertmanager', { alert }),
        timeoutMs: Math.max(1, started + timeoutMs - Date.now()),
        intervalMs: 1000,
        onTimeout: timedOut(t('{alert} firing in Alertmanager', { alert }), started),
      })
      mark('firing', Math.max(started, Date.parse(firing.startsAt)))
      if (notifying) {
        await notified(1, t('waiting for the notification'), started)
        mark('notified')
      } else {
        log.info(color.dim(t('      no receiver configured: nothing is sent')))
      }
      await restart()
      const back = Date.now()
      mark('restarted', back)
      await waitFor(async () => (await fetchAlerts(alertmanager, filter)).length === 0, {
        what: t('waiting for {alert} to resolve', { alert }),
        timeoutMs,
        intervalMs: 1000,
        onTimeout: timedOut(t('{alert} resolved', { alert }), back),
      })
      mark('resolved')
      if (notifying) {
        await notified(2, t('waiting for the resolution to be sent'), back)
        mark('resolution notified')
      }
    } finally {
      process.off('SIGINT', interrupted)
      process.off('SIGTERM', interrupted)
      await restart()
    }

    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({ alert, triton, notifying, started: new Date(started).toISOString(), timeline })}\n`,
      )
      return
    }
    const total = Math.max(1, ...timeline.map((t) => t.seconds))
    const rows = [
      [t('EVENT'), t('AT'), '', t('WHAT HAPPENED')],
      ...timeline.map(({ event, seconds }) => [
        eventName[event](),
        `${seconds}s`,
        `${'█'.repeat(Math.round((seconds / total) * 24))}`.padEnd(24, '·'),
        what[event](),
      ]),
    ]
    process.stdout.write(`${formatTable(rows)}\n`)
    log.ok(
      t('drill done in {total} s: {alert} fired, {notifying}and resolved', {
        total,
        alert,
        notifying: notifying ? t('reached the receiver, ') : '',
      }),
    )
  },
)
