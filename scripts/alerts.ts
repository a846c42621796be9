// `make alerts`: the alerts Alertmanager holds right now (firing, silenced, inhibited), as a table,
// or as JSON for a script. What Alertmanager's UI shows on its first page, in the terminal.
import { alertRows, fetchAlerts, type GettableAlert } from './lib/prometheus/alertmanager.ts'
import { step } from './lib/step/cli.ts'
import { loadConfig, url } from './lib/step/config.ts'
import { fail } from './lib/step/fail.ts'
import { tr } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { formatTable } from './lib/output/table.ts'

await step(
  {
    name: 'alerts',
    summary: tr('Alerts in Alertmanager: firing and silenced', 'Alertmanager 中的告警：触发中和已静默'),
    replaces: tr(
      "amtool alert query --alertmanager.url=http://localhost:9093  (or curl 'http://localhost:9093/api/v2/alerts')",
      "amtool alert query --alertmanager.url=http://localhost:9093（或 curl 'http://localhost:9093/api/v2/alerts'）",
    ),
    env: {
      ALERTMANAGER_PORT: tr('Alertmanager host port (9093)', 'Alertmanager 主机端口（9093）'),
      BIND_ADDRESS: tr('host address the port is published on (127.0.0.1)', '端口发布到的主机地址（127.0.0.1）'),
    },
    flags: {
      json: {
        type: 'boolean',
        help: tr('print the alerts as JSON (API v2 objects)', '以 JSON 输出告警（API v2 对象）'),
      },
    },
  },
  async (flags) => {
    const config = loadConfig()
    const base = url(config, config.alertmanager.port)
    let alerts: GettableAlert[]
    try {
      alerts = await fetchAlerts(base)
    } catch (error) {
      throw fail(
        tr(
          `Alertmanager does not answer at ${base} (${(error as Error).message})`,
          `${base} 上的 Alertmanager 没有响应（${(error as Error).message}）`,
        ),
        tr(
          `start it with \`make alertmanager\`; check ALERTMANAGER_PORT (\`docker logs ${config.alertmanager.container}\`)`,
          `用 \`make alertmanager\` 启动它；检查 ALERTMANAGER_PORT（\`docker logs ${config.alertmanager.container}\`）`,
        ),
      )
    }
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(alerts, null, 2)}\n`)
      return
    }
    if (alerts.length === 0) {
      log.ok(tr(`no alerts in Alertmanager at ${base}`, `${base} 上的 Alertmanager 中没有告警`))
      return
    }
    const firing = alerts.filter((a) => a.status.state === 'active').length
    const silenced = alerts.filter((a) => a.status.silencedBy.length > 0).length
    // The table is what this command is for: on stdout, so it can be piped like the JSON.
    process.stdout.write(`${formatTable(alertRows(alerts))}\n`)
    log.info(
      tr(
        `${firing} firing, ${silenced} silenced (${base}/#/alerts)`,
        `${firing} 条触发中，${silenced} 条已静默（${base}/#/alerts）`,
      ),
    )
  },
)
