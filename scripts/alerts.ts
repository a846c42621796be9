// `make alerts`: the alerts Alertmanager holds right now (firing, silenced, inhibited), as a table,
// or as JSON for a script. What Alertmanager's UI shows on its first page, in the terminal.
import { alertRows, fetchAlerts, type GettableAlert } from './lib/prometheus/alertmanager.ts'
import { step } from './lib/step/cli.ts'
import { loadConfig, url } from './lib/step/config.ts'
import { fail } from './lib/step/fail.ts'
import { t } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { formatTable } from './lib/output/table.ts'

await step(
  {
    name: 'alerts',
    summary: t('Alerts in Alertmanager: firing and silenced'),
    replaces: t(
      'amtool alert query --alertmanager.url=http://localhost:9093  (or curl ' +
        "'http://localhost:9093/api/v2/alerts')",
    ),
    env: {
      ALERTMANAGER_PORT: t('Alertmanager host port (9093)'),
      BIND_ADDRESS: t('host address the port is published on (127.0.0.1)'),
    },
    flags: {
      json: {
        type: 'boolean',
        help: t('print the alerts as JSON (API v2 objects)'),
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
        t('Alertmanager does not answer at {base} ({message})', { base, message: (error as Error).message }),
        t('start it with `make alertmanager`; check ALERTMANAGER_PORT (`docker logs {container}`)', {
          container: config.alertmanager.container,
        }),
      )
    }
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(alerts, null, 2)}\n`)
      return
    }
    if (alerts.length === 0) {
      log.ok(t('no alerts in Alertmanager at {base}', { base }))
      return
    }
    const firing = alerts.filter((a) => a.status.state === 'active').length
    const silenced = alerts.filter((a) => a.status.silencedBy.length > 0).length
    // The table is what this command is for: on stdout, so it can be piped like the JSON.
    process.stdout.write(`${formatTable(alertRows(alerts))}\n`)
    log.info(t('{firing} firing, {silenced} silenced ({base}/#/alerts)', { firing, silenced, base }))
  },
)
