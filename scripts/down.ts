// Tears the stack down: the containers and the network; data volumes only when asked.
import { step } from './lib/step/cli.ts'
import { loadConfig } from './lib/step/config.ts'
import { containersLabelled, removeContainer, removeLeftovers } from './lib/engine/containers.ts'
import { ensureEngine } from './lib/engine/cli.ts'
import { removeNetwork, removeVolume } from './lib/engine/networks.ts'
import { tr } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { REPLICA_LABEL } from './lib/triton/names.ts'

await step(
  {
    name: 'down',
    lock: true,
    summary: tr("Remove the stack's containers and network", '删除整套服务的容器和网络'),
    replaces: 'docker rm -f grafana alertmanager prometheus triton && docker network rm ai-monitor-net',
    env: {
      'TRITON_CONTAINER, PROMETHEUS_CONTAINER, ALERTMANAGER_CONTAINER, GRAFANA_CONTAINER': tr(
        'container names',
        '容器名称',
      ),
      NETWORK: tr('network name', '网络名称'),
      'GRAFANA_VOLUME, PROMETHEUS_VOLUME': tr(
        'data volumes of Grafana and Prometheus (removed only with --volumes)',
        'Grafana 和 Prometheus 的数据卷（仅在 --volumes 时删除）',
      ),
    },
    flags: {
      volumes: {
        type: 'boolean',
        help: tr(
          "also remove data volumes (Grafana's users, tokens, dashboards; Prometheus's history)",
          '同时删除数据卷（Grafana 的用户、令牌、仪表盘；Prometheus 的历史数据）',
        ),
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
      if ((await removeContainer(name)) === 'absent') log.ok(tr(`container ${name}: none`, `容器 ${name}：不存在`))
      await removeLeftovers(name)
    }
    if ((await removeNetwork(config.network)) === 'absent')
      log.ok(tr(`network ${config.network}: none`, `网络 ${config.network}：不存在`))
    for (const volume of [config.grafana.volume, config.prometheus.volume]) {
      if (!flags.volumes) {
        log.info(
          tr(`volume ${volume} kept (pass --volumes to remove it)`, `数据卷 ${volume} 已保留（传入 --volumes 可删除）`),
        )
      } else if ((await removeVolume(volume)) === 'absent') {
        log.ok(tr(`volume ${volume}: none`, `数据卷 ${volume}：不存在`))
      }
    }
  },
)
