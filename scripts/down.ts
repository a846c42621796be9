// Tears the stack down: the containers and the network; data volumes only when asked.
import { step } from './lib/step/cli.ts'
import { loadConfig } from './lib/step/config.ts'
import { containersLabelled, removeContainer, removeLeftovers } from './lib/engine/containers.ts'
import { ensureEngine } from './lib/engine/cli.ts'
import { removeNetwork, removeVolume } from './lib/engine/networks.ts'
import { t } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { REPLICA_LABEL } from './lib/triton/names.ts'

await step(
  {
    name: 'down',
    lock: true,
    summary: t("Remove the stack's containers and network"),
    replaces: 'docker rm -f grafana alertmanager prometheus triton && docker network rm ai-monitor-net',
    env: {
      'TRITON_CONTAINER, PROMETHEUS_CONTAINER, ALERTMANAGER_CONTAINER, GRAFANA_CONTAINER': t('container names'),
      NETWORK: t('network name'),
      'GRAFANA_VOLUME, PROMETHEUS_VOLUME': t('data volumes of Grafana and Prometheus (removed only with --volumes)'),
    },
    flags: {
      volumes: {
        type: 'boolean',
        help: t("also remove data volumes (Grafana's users, tokens, dashboards; Prometheus's history)"),
      },
    },
  },
  async (flags) => {
    const config = loadConfig()
    await ensureEngine()
    // Every container the settings name (each Triton replica included), any replica a larger count
    // left behind, and what an interrupted run may have left beside them; dependents first, so the
    // network has no endpoints left when it goes.
    const named = config.stack.containers.map((c) => c.value).reverse()
    const extra = await containersLabelled(REPLICA_LABEL, config.triton.container)
    for (const name of new Set([...named, ...extra])) {
      if ((await removeContainer(name)) === 'absent') log.ok(t('container {name}: none', { name }))
      await removeLeftovers(name)
    }
    if ((await removeNetwork(config.network)) === 'absent')
      log.ok(t('network {network}: none', { network: config.network }))
    for (const volume of [config.grafana.volume, config.prometheus.volume]) {
      if (!flags.volumes) {
        log.info(t('volume {volume} kept (pass --volumes to remove it)', { volume }))
      } else if ((await removeVolume(volume)) === 'absent') {
        log.ok(t('volume {volume}: none', { volume }))
      }
    }
  },
)
