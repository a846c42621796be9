// Step 6: the Prometheus datasource under a fixed uid (what the dashboard and the proxy queries use
// instead of a guessed id), and Alertmanager's, so Grafana's Alerting pages show the stack's alerts:
// each created, kept when it matches, updated in place when it does not.

/** The Alertmanager datasource's name in Grafana (its uid is ALERTMANAGER_DATASOURCE_UID). */
const ALERTMANAGER_DATASOURCE_NAME = 'Alertmanager'
import { isIP } from 'node:net'
import { assertHttpUrl, step } from './lib/step/cli.ts'
import type { Config } from './lib/step/config.ts'
import { alertmanagerUrlOnNetwork } from './lib/prometheus/alertmanager.ts'
import { lookupFailure } from './lib/prometheus/datasource-diagnosis.ts'
import { t } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { ensureDatasource } from './lib/grafana/datasource.ts'
import { DATASOURCE_NAME_MAX, DATASOURCE_URL_MAX } from './lib/grafana/server.ts'
import { tokenSession } from './lib/grafana/session.ts'
import { prometheusUrlOnNetwork } from './lib/prometheus/api.ts'
import { SCRAPE_INTERVAL } from '../prometheus/scrape.ts'

await step(
  {
    name: '06-datasource',
    lock: true,
    summary: t('Prometheus and Alertmanager datasources in Grafana by fixed uids'),
    replaces:
      'curl -X POST http://localhost:3000/api/datasources -H "Authorization: Bearer glsa_****" ' +
      `-d '{"name":"Prometheus","type":"prometheus","url":"http://prometheus:9090","access":"proxy","basicAuth":false}'`,
    env: {
      DATASOURCE_UID: t('datasource uid (triton-prometheus)'),
      PROMETHEUS_CONTAINER: t('Prometheus container name, its host name on the network (prometheus)'),
      ALERTMANAGER_DATASOURCE_UID: t('Alertmanager datasource uid (triton-alertmanager)'),
      ALERTMANAGER_CONTAINER: t('Alertmanager container name, its host name on the network (alertmanager)'),
    },
    flags: {
      name: {
        type: 'string',
        help: t('Prometheus datasource name'),
        default: 'Prometheus',
        maxLength: DATASOURCE_NAME_MAX,
      },
      url: {
        type: 'string',
        maxLength: DATASOURCE_URL_MAX,
        help: t('Prometheus URL as Grafana reaches it (default {prometheusUrlOnNetwork})', {
          prometheusUrlOnNetwork: prometheusUrlOnNetwork('<PROMETHEUS_CONTAINER>'),
        }),
      },
    },
  },
  async (flags) => {
    // Grafana's own limits are checked by parseFlags (maxLength), an empty value too.
    if (flags.url !== undefined) assertHttpUrl('url', flags.url, prometheusUrlOnNetwork('prometheus'))
    const { config, base, api } = tokenSession()
    if (flags.url !== undefined) await warnIfUnresolvable(flags.url, config)
    await ensureDatasource(
      api,
      base,
      {
        uid: config.datasourceUid,
        name: flags.name,
        type: 'prometheus',
        access: 'proxy',
        url: flags.url ?? prometheusUrlOnNetwork(config.prometheus.container),
        basicAuth: false,
        // Grafana's "Scrape interval": the floor of $__interval, and a quarter of $__rate_interval's floor.
        jsonData: { httpMethod: 'POST', timeInterval: SCRAPE_INTERVAL },
      },
      { uidVariable: 'DATASOURCE_UID', otherName: t('pass --name <other name>') },
    )
    // Grafana's Alerting pages show the stack's alerts (and can silence them) through this one.
    await ensureDatasource(
      api,
      base,
      {
        uid: config.alertmanager.datasourceUid,
        name: ALERTMANAGER_DATASOURCE_NAME,
        type: 'alertmanager',
        access: 'proxy',
        url: alertmanagerUrlOnNetwork(config.alertmanager.container),
        basicAuth: false,
        // Prometheus's Alertmanager (not Mimir's, Grafana's default); Grafana's own alerts stay in Grafana.
        jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false },
      },
      { uidVariable: 'ALERTMANAGER_DATASOURCE_UID' },
    )
  },
)

/**
 * Grafana reaches the datasource from inside the stack's network, where another name than on
 * this machine may or may not resolve: a host it cannot look up there is worth a warning before
 * the datasource is saved (saved anyway: the container may come later).
 */
async function warnIfUnresolvable(url: string, config: Config): Promise<void> {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1')
  if (isIP(host)) return
  const failure = await lookupFailure(url, config.network, config.prometheus.image)
  if (!failure) return
  log.warn(
    t(
      "Grafana will not reach {url}: on network {network}, {failure}. The stack's " +
        'Prometheus is {prometheusUrlOnNetwork} there',
      {
        url,
        network: config.network,
        failure,
        prometheusUrlOnNetwork: prometheusUrlOnNetwork(config.prometheus.container),
      },
    ),
  )
}
