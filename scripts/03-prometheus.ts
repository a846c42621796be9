// Step 3: Prometheus scraping Triton by container name. Its config and rules are generated from
// typed code in prometheus/ into the state folder (they hold this machine's names, so they are no
// source), checked by promtool before anything starts, and the step returns only once every
// Triton target is up (the tutorial's check, done by the script).
import { TRITON_TARGETS_FILE } from '../prometheus/scrape.ts'
import { ensureEngine } from './lib/engine/cli.ts'
import { ensureContainer } from './lib/engine/containers.ts'
import { ensureImage } from './lib/engine/images.ts'
import { ensureNetwork, ensureVolume } from './lib/engine/networks.ts'
import { pullEnv, pullFlags, pullSettings } from './lib/engine/pull-settings.ts'
import { waitForHttp } from './lib/engine/readiness.ts'
import type { ContainerSpec } from './lib/engine/spec.ts'
import { t } from './lib/output/i18n.ts'
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

/**
 * The container, as a compose service reads: image, network, ports, mounts, command (with the
 * console flags of the image's own command, `IMAGE_CONSOLE_FLAGS` of prometheus/config.ts).
 */
const prometheusService = (config: Config, configDir: string, consoleFlags: readonly string[]): ContainerSpec => ({
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
    ...consoleFlags,
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
    summary: t('Prometheus scraping Triton every 5s, with recording and alert rules'),
    replaces:
      'docker run -d --name prometheus --network ai-monitor-net -v $PWD/monitor/prometheus:/etc/prometheus -p 9090:9090 ' +
      'prom/prometheus --config.file=/etc/prometheus/prometheus.yml && curl http://localhost:9090/api/v1/targets',
    env: {
      PROMETHEUS_IMAGE: t('Prometheus image'),
      PROMETHEUS_CONTAINER: t('container name (default prometheus)'),
      PROMETHEUS_PORT: t('host port (9090)'),
      PROMETHEUS_VOLUME: t("data volume (prometheus-data): Prometheus's history, kept by `make down`"),
      PROMETHEUS_CONFIG_DIR: t(
        'folder for the generated prometheus.yml, rules.yml and {TRITON_TARGETS_FILE} ' +
          '({RENDERED} in the state folder)',
        { TRITON_TARGETS_FILE, RENDERED },
      ),
      STATE_DIR: t('state folder (.state)'),
      TRITON_CONTAINER: t('scrape target name on the network (triton)'),
      ALERTMANAGER_CONTAINER: t('where alerts go, by name on the network (alertmanager); need not run yet'),
      BIND_ADDRESS: t('host address the port is published on (127.0.0.1)'),
      ...pullEnv,
    },
    flags: {
      timeout: {
        type: 'number',
        help: t('seconds to wait for the triton targets to be up'),
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
    // The typed config and its YAML rendering are loaded here, not at start: `--help` needs neither.
    const { IMAGE_CONSOLE_FLAGS, renderFiles } = await import('../prometheus/config.ts')
    const service = prometheusService(config, dir, IMAGE_CONSOLE_FLAGS)

    // The Triton targets are the list 02-triton keeps; a state folder that lost it gets it back
    // from the settings (the list 02-triton writes for them).
    const replicas = config.triton.replicas.map((r) => r.name)
    if (!listedTargets(dir)) writeTritonTargets(config, replicas)
    const expected = listedTargets(dir) ?? replicas.map(tritonTarget)
    if (expected.length !== replicas.length) {
      log.info(
        t(
          '{TRITON_TARGETS_FILE} lists the {expectedLength} replicas `make triton` runs; ' +
            'TRITON_REPLICAS={replicasLength} here: `make triton` converges them',
          { TRITON_TARGETS_FILE, expectedLength: expected.length, replicasLength: replicas.length },
        ),
      )
    }
    const alertmanager = alertmanagerTarget(config.alertmanager.container)
    const rendered = renderFiles({ triton: { file: TRITON_TARGETS_FILE }, alertmanagerTarget: alertmanager })
    const filesChanged = writeFiles(dir, rendered)
    log.info(t('generated {dir}/prometheus.yml and rules.yml', { dir }))

    // Converge: image, promtool's verdict (nothing changes before it), network, volume, container.
    await ensureEngine()
    await ensureImage(service.image, service.hints, pullSettings(flags['pull-stall-timeout']))
    await checkConfig(dir, service.image, rendered)
    await ensureNetwork(config.network)
    await ensureVolume(config.prometheus.volume)
    const { action } = await ensureContainer(service)

    // Wait: ready, the files read, every Triton target up, the rules loaded.
    const base = url(config, config.prometheus.port)
    await waitForHttp(`${base}/-/ready`, {
      what: t('waiting for Prometheus to be ready'),
      timeoutMs: flags.timeout * 1000,
      container: service.name,
    })
    // A kept container still runs with the files it read before: reloaded, not recreated.
    if (action === 'kept') {
      await reload(base, service.name)
      if (filesChanged) log.change(t('Prometheus reloaded the changed configuration'))
    }
    const listed = () => listedTargets(dir) ?? replicas.map(tritonTarget)
    const what = await waitForTritonTargets(config, base, listed, flags.timeout)
    const count = await loadedRules(base, service.name)
    log.ok(t('Prometheus is up at {base}: {what} up, {count} rules loaded', { base, what, count }))
  },
)
