// Step 3: Prometheus scraping Triton by container name. Its config and rules are generated from
// typed code in prometheus/ into the state folder (they hold this machine's names, so they are no
// source), checked by promtool before anything starts, and the step returns only once every
// Triton target is up (the tutorial's check, done by the script).
import { IMAGE_CONSOLE_FLAGS, renderFiles, TRITON_TARGETS_FILE } from '../prometheus/config.ts'
import { ensureEngine } from './lib/engine/cli.ts'
import { ensureContainer } from './lib/engine/containers.ts'
import { ensureImage } from './lib/engine/images.ts'
import { ensureNetwork, ensureVolume } from './lib/engine/networks.ts'
import { pullEnv, pullFlags, pullSettings } from './lib/engine/pull.ts'
import { waitForHttp } from './lib/engine/readiness.ts'
import type { ContainerSpec } from './lib/engine/spec.ts'
import { tr } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { alertmanagerTarget } from './lib/prometheus/alertmanager.ts'
import { PROMETHEUS_CONTAINER_PORT } from './lib/prometheus/api.ts'
import {
  CONFIG_IN_CONTAINER,
  listedTargets,
  RENDERED,
  renderedDir,
  writeFiles,
  writeTritonTargets,
} from './lib/prometheus/files.ts'
import { checkConfig, loadedRules, reload, waitForTritonTargets } from './lib/prometheus/server.ts'
import { step } from './lib/step/cli.ts'
import { assertDistinctPorts, type Config, loadConfig, url } from './lib/step/config.ts'
import { warnIfExposed } from './lib/step/exposure.ts'
import { tritonTarget } from './lib/triton/names.ts'

/** prom/prometheus keeps its time series here (its image's VOLUME). */
const DATA_IN_CONTAINER = '/prometheus'

/** The container, as a compose service reads: image, network, ports, mounts, command. */
const prometheusService = (config: Config, configDir: string): ContainerSpec => ({
  name: config.prometheus.container,
  image: config.prometheus.image,
  network: config.network,
  ports: [
    {
      address: config.bind,
      host: config.prometheus.port,
      container: PROMETHEUS_CONTAINER_PORT,
      variable: 'PROMETHEUS_PORT',
    },
  ],
  mounts: [
    // prometheus.yml, rules.yml and the Triton targets file, rendered into the state folder.
    { type: 'bind', source: configDir, target: CONFIG_IN_CONTAINER, readOnly: true },
    // Its history, in a named volume: a recreated container (new image, lost state folder) keeps it.
    { type: 'volume', source: config.prometheus.volume, target: DATA_IN_CONTAINER },
  ],
  args: [
    `--config.file=${CONFIG_IN_CONTAINER}/prometheus.yml`,
    `--storage.tsdb.path=${DATA_IN_CONTAINER}`,
    ...IMAGE_CONSOLE_FLAGS,
    '--web.enable-lifecycle',
    // The links in its alerts (generatorURL, which Alertmanager sends on) lead to this
    // machine's port, not to the container's id as a host name that resolves nowhere.
    `--web.external-url=${url(config, config.prometheus.port)}`,
  ],
  hints: { nameVariable: 'PROMETHEUS_CONTAINER', imageVariable: 'PROMETHEUS_IMAGE' },
})

await step(
  {
    name: '03-prometheus',
    lock: true,
    summary: tr(
      'Prometheus scraping Triton every 5s, with recording and alert rules',
      '运行 Prometheus，每 5 秒抓取 Triton，并加载记录规则和告警规则',
    ),
    replaces:
      'docker run -d --name prometheus --network ai-monitor-net -v $PWD/monitor/prometheus:/etc/prometheus -p 9090:9090 ' +
      'prom/prometheus --config.file=/etc/prometheus/prometheus.yml && curl http://localhost:9090/api/v1/targets',
    env: {
      PROMETHEUS_IMAGE: tr('Prometheus image', 'Prometheus 镜像'),
      PROMETHEUS_CONTAINER: tr('container name (default prometheus)', '容器名称（默认 prometheus）'),
      PROMETHEUS_PORT: tr('host port (9090)', '主机端口（9090）'),
      PROMETHEUS_VOLUME: tr(
        "data volume (prometheus-data): Prometheus's history, kept by `make down`",
        '数据卷（prometheus-data）：Prometheus 的历史数据，`make down` 会保留',
      ),
      PROMETHEUS_CONFIG_DIR: tr(
        `folder for the generated prometheus.yml, rules.yml and ${TRITON_TARGETS_FILE} (${RENDERED} in the state folder)`,
        `生成的 prometheus.yml、rules.yml 和 ${TRITON_TARGETS_FILE} 所在目录（状态目录中的 ${RENDERED}）`,
      ),
      STATE_DIR: tr('state folder (.state)', '状态目录（.state）'),
      TRITON_CONTAINER: tr('scrape target name on the network (triton)', '网络上的抓取目标名称（triton）'),
      ALERTMANAGER_CONTAINER: tr(
        'where alerts go, by name on the network (alertmanager); need not run yet',
        '告警发往的 Alertmanager，网络上的名称（alertmanager）；可以尚未运行',
      ),
      BIND_ADDRESS: tr('host address the port is published on (127.0.0.1)', '端口发布到的主机地址（127.0.0.1）'),
      ...pullEnv,
    },
    flags: {
      timeout: {
        type: 'number',
        help: tr('seconds to wait for the triton targets to be up', '等待 triton 目标变为 up 的秒数'),
        default: 120,
        min: 1,
      },
      ...pullFlags,
    },
  },
  async (flags) => {
    const config = loadConfig()
    assertDistinctPorts(config)
    warnIfExposed(config)
    const dir = renderedDir(config)
    const service = prometheusService(config, dir)

    // The Triton targets are the list 02-triton keeps; a state folder that lost it gets it back
    // from the settings (the list 02-triton writes for them).
    const replicas = config.triton.replicas.map((r) => r.name)
    if (!listedTargets(dir)) writeTritonTargets(config, replicas)
    const expected = listedTargets(dir) ?? replicas.map(tritonTarget)
    if (expected.length !== replicas.length) {
      log.info(
        tr(
          `${TRITON_TARGETS_FILE} lists the ${expected.length} replicas \`make triton\` runs; ` +
            `TRITON_REPLICAS=${replicas.length} here: \`make triton\` converges them`,
          `${TRITON_TARGETS_FILE} 列出了 \`make triton\` 运行的 ${expected.length} 个副本；` +
            `这里 TRITON_REPLICAS=${replicas.length}：\`make triton\` 会使两者一致`,
        ),
      )
    }
    const alertmanager = alertmanagerTarget(config.alertmanager.container)
    const filesChanged = writeFiles(
      dir,
      renderFiles({ triton: { file: TRITON_TARGETS_FILE }, alertmanagerTarget: alertmanager }),
    )
    log.info(tr(`generated ${dir}/prometheus.yml and rules.yml`, `已生成 ${dir}/prometheus.yml 和 rules.yml`))

    // Converge: image, promtool's verdict (nothing changes before it), network, volume, container.
    await ensureEngine()
    await ensureImage(service.image, service.hints, pullSettings(flags['pull-stall-timeout']))
    await checkConfig(dir, service.image)
    await ensureNetwork(config.network)
    await ensureVolume(config.prometheus.volume)
    const { action } = await ensureContainer(service)

    // Wait: ready, the files read, every Triton target up, the rules loaded.
    const base = url(config, config.prometheus.port)
    await waitForHttp(`${base}/-/ready`, {
      what: tr('waiting for Prometheus to be ready', '等待 Prometheus 就绪'),
      timeoutMs: flags.timeout * 1000,
      container: service.name,
    })
    // A kept container still runs with the files it read before: reloaded, not recreated.
    if (action === 'kept') {
      await reload(base, service.name)
      if (filesChanged)
        log.change(tr('Prometheus reloaded the changed configuration', 'Prometheus 已重新加载变更的配置'))
    }
    const what = await waitForTritonTargets(config, base, expected, flags.timeout)
    const count = await loadedRules(base, service.name)
    log.ok(
      tr(
        `Prometheus is up at ${base}: ${what} up, ${count} rules loaded`,
        `Prometheus 已在 ${base} 运行：${what}为 up，已加载 ${count} 条规则`,
      ),
    )
  },
)
