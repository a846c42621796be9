// `make alert-drill`: the lesson after the dashboards. Stops Triton, watches TritonTargetDown go
// pending in Prometheus, fire in Alertmanager and (when a receiver is configured) reach it; starts
// Triton again and watches the alert resolve and the resolution go out. Prints the timeline. Every
// wait has a deadline, and Triton is started again whatever happens, Ctrl-C included. With several
// replicas it stops the last one, which stays a target while the others answer: TritonTargetDown
// fires for that replica's instance.
import chalk from 'chalk'
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
import { tr } from './lib/output/i18n.ts'
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
  stopped: () => tr('stopped', '已停止'),
  pending: () => tr('pending', '待定'),
  firing: () => tr('firing', '触发'),
  notified: () => tr('notified', '已通知'),
  restarted: () => tr('restarted', '已重启'),
  resolved: () => tr('resolved', '已恢复'),
  'resolution notified': () => tr('resolution notified', '已通知恢复'),
}

/** What each event means. */
const what: Record<Event, () => string> = {
  stopped: () => tr('Triton stopped (docker stop)', 'Triton 已停止（docker stop）'),
  pending: () =>
    tr(
      `pending in Prometheus: a failed scrape, waiting out for: ${duration(alertTiming.targetDownFor)}`,
      `在 Prometheus 中待定：抓取失败，等待 for 时长 ${duration(alertTiming.targetDownFor)}`,
    ),
  firing: () => tr('firing: Alertmanager has it', '触发：Alertmanager 已收到'),
  notified: () =>
    tr(
      `sent to the receiver (group_wait ${duration(alertTiming.groupWait)})`,
      `已发送到接收端（group_wait ${duration(alertTiming.groupWait)}）`,
    ),
  restarted: () => tr('Triton started again (docker start)', 'Triton 已重新启动（docker start）'),
  resolved: () => tr('resolved: the scrape works again', '已恢复：抓取恢复正常'),
  'resolution notified': () =>
    tr(
      `resolution sent (group_interval ${duration(alertTiming.groupInterval)})`,
      `恢复通知已发送（group_interval ${duration(alertTiming.groupInterval)}）`,
    ),
}

await step(
  {
    name: 'alert-drill',
    // It stops and starts Triton: no other step may change the stack meanwhile.
    lock: true,
    summary: tr(
      'Alert drill: stop Triton, watch TritonTargetDown fire and resolve',
      '告警演练：停止 Triton，观察 TritonTargetDown 触发并恢复',
    ),
    replaces: `docker stop triton; watch 'curl -s localhost:9093/api/v2/alerts'; docker start triton`,
    env: {
      TRITON_CONTAINER: tr('the Triton container to stop and start (triton)', '要停止并重启的 Triton 容器（triton）'),
      TRITON_REPLICAS: tr(
        'with 2 or more, the last replica is stopped and its TritonTargetDown watched',
        '为 2 或更多时，停止最后一个副本并观察它的 TritonTargetDown',
      ),
      PROMETHEUS_PORT: tr('Prometheus host port (9090)', 'Prometheus 主机端口（9090）'),
      ALERTMANAGER_PORT: tr('Alertmanager host port (9093)', 'Alertmanager 主机端口（9093）'),
    },
    flags: {
      timeout: {
        type: 'number',
        help: tr(
          'seconds each phase may take: firing and notified after the stop, resolved after the start',
          '每个阶段的最长秒数：停止后的触发与通知，启动后的恢复',
        ),
        default: 150,
        min: 1,
      },
      json: { type: 'boolean', help: tr('print the timeline as JSON', '以 JSON 输出时间线') },
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
        tr(`Triton (${triton}) is not running as part of this stack`, `Triton（${triton}）没有作为本套服务运行`),
        tr('start the stack first: `make up`', '请先启动整套服务：`make up`'),
      )
    }
    /** Anything a service fails to answer before the drill starts stops it, with the cause. */
    const answered =
      (service: string, base: string, target: string, port: string) =>
      <T>(read: () => Promise<T>): Promise<T> =>
        read().catch((error: Error) => {
          throw fail(
            tr(
              `${service} does not answer as ${service} at ${base} (${error.message})`,
              `${base} 上的 ${service} 没有正常响应（${error.message}）`,
            ),
            tr(
              `start it with \`make ${target}\`; check that ${port} is its port`,
              `用 \`make ${target}\` 启动它；确认 ${port} 是它的端口`,
            ),
          )
        })
    const fromAlertmanager = answered('Alertmanager', alertmanager, 'alertmanager', 'ALERTMANAGER_PORT')
    const fromPrometheus = answered('Prometheus', prometheus, 'prometheus', 'PROMETHEUS_PORT')
    const notifying = await fromAlertmanager(async () => {
      const status = await fetchStatus(alertmanager)
      if (typeof status.config?.original !== 'string') throw new Error('/api/v2/status has no config')
      return hasIntegrations(status.config.original)
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
        tr(
          `Prometheus does not send its alerts to ${config.alertmanager.container}`,
          `Prometheus 没有把告警发送到 ${config.alertmanager.container}`,
        ),
        tr(
          'run `make prometheus` so its config names Alertmanager (a config from before the alerting step does not)',
          '运行 `make prometheus`，使其配置指向 Alertmanager（早于告警步骤的配置没有）',
        ),
      )
    }
    const already = await fromAlertmanager(() => fetchAlerts(alertmanager, filter))
    if (already.length > 0) {
      throw fail(
        tr(`${alert} is already firing in Alertmanager`, `${alert} 已在 Alertmanager 中触发`),
        tr(
          'bring Triton back (`make triton`), wait until `make alerts` shows no alert, then run the drill',
          '先恢复 Triton（`make triton`），等 `make alerts` 不再显示告警后再演练',
        ),
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
      log.info(`${chalk.dim(`${String(seconds).padStart(4)}s`)}  ${what[event]()}`)
    }
    // Prometheus's log holds no webhook URL; Alertmanager's does up to 0.27 (lib/prometheus/notify-errors.ts),
    // so the drill shows Alertmanager's side itself rather than send anyone to its log.
    const logs = `\`docker logs ${config.prometheus.container}\`, \`make alerts\``
    const timedOut = (phase: string, since: number) => (last: unknown) => {
      const seconds = Math.round((Date.now() - since) / 1000)
      const why = last instanceof Error ? last.message : ''
      return fail(
        tr(
          `${phase}: nothing after ${seconds} s${why ? ` (${why})` : ''}`,
          `${phase}：${seconds} 秒后仍没有结果${why ? `（${why}）` : ''}`,
        ),
        tr(`read ${logs}; Triton was started again`, `查看 ${logs}；Triton 已重新启动`),
      )
    }
    const drillStart = new Date().toISOString()
    /** Alertmanager's own errors for failed deliveries during the drill, URLs cut and secrets masked. */
    const alertmanagerSays = async () => {
      const errors = await notifyErrors(config.alertmanager.container, drillStart)
      return errors.length
        ? tr(`\nAlertmanager's error: ${errors.join('\n  ')}`, `\nAlertmanager 的错误：${errors.join('\n  ')}`)
        : ''
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
          tr(
            `Alertmanager could not deliver to the receiver (gave up on it ${outcome.failed} time(s)` +
              `${reasons ? `: ${reasons}` : ''})${says}`,
            `Alertmanager 无法投递到接收端（放弃 ${outcome.failed} 次${reasons ? `：${reasons}` : ''}）${says}`,
          ),
          tr(
            'make the receiver answer 2xx (Alertmanager retries on 5xx and gives up on other codes), ' +
              'then run the drill again; Triton was started again',
            '请让接收端返回 2xx（Alertmanager 遇到 5xx 会重试，其他状态码则放弃），然后重新演练；Triton 已重新启动',
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
          what: tr(`waiting for ${alert} in Prometheus`, `等待 Prometheus 中的 ${alert}`),
          timeoutMs,
          intervalMs: 1000,
          onTimeout: timedOut(tr(`${alert} pending in Prometheus`, `Prometheus 中 ${alert} 待定`), started),
        },
      )
      mark('pending', Math.max(started, Date.parse(pending.activeAt)))
      const firing = await waitFor(async () => (await fetchAlerts(alertmanager, filter))[0], {
        what: tr(`waiting for ${alert} to fire in Alertmanager`, `等待 ${alert} 在 Alertmanager 中触发`),
        timeoutMs: Math.max(1, started + timeoutMs - Date.now()),
        intervalMs: 1000,
        onTimeout: timedOut(tr(`${alert} firing in Alertmanager`, `Alertmanager 中 ${alert} 触发`), started),
      })
      mark('firing', Math.max(started, Date.parse(firing.startsAt)))
      if (notifying) {
        await notified(1, tr('waiting for the notification', '等待通知发送'), started)
        mark('notified')
      } else {
        log.info(chalk.dim(tr('      no receiver configured: nothing is sent', '      没有配置接收端：不发送通知')))
      }
      await restart()
      const back = Date.now()
      mark('restarted', back)
      await waitFor(async () => (await fetchAlerts(alertmanager, filter)).length === 0, {
        what: tr(`waiting for ${alert} to resolve`, `等待 ${alert} 恢复`),
        timeoutMs,
        intervalMs: 1000,
        onTimeout: timedOut(tr(`${alert} resolved`, `${alert} 恢复`), back),
      })
      mark('resolved')
      if (notifying) {
        await notified(2, tr('waiting for the resolution to be sent', '等待恢复通知发送'), back)
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
      [tr('EVENT', '事件'), tr('AT', '时刻'), '', tr('WHAT HAPPENED', '说明')],
      ...timeline.map(({ event, seconds }) => [
        eventName[event](),
        `${seconds}s`,
        `${'█'.repeat(Math.round((seconds / total) * 24))}`.padEnd(24, '·'),
        what[event](),
      ]),
    ]
    process.stdout.write(`${formatTable(rows)}\n`)
    log.ok(
      tr(
        `drill done in ${total} s: ${alert} fired, ${notifying ? 'reached the receiver, ' : ''}and resolved`,
        `演练完成，用时 ${total} 秒：${alert} 已触发${notifying ? '、已送达接收端' : ''}并已恢复`,
      ),
    )
  },
)
