// Step 3: Prometheus scraping Triton by container name. Its config and rules are generated from
// typed code in prometheus/ into the state folder (they hold this machine's names, so they are no
// source), checked by promtool before anything starts, and the step returns only once the triton
// target is up (the tutorial's check, done by the script).
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  DOCKER_SOCKET_IN_CONTAINER,
  expectedReplicas,
  IMAGE_CONSOLE_FLAGS,
  renderFiles,
  type TritonDiscovery,
} from '../prometheus/config.ts'
import { writeFileAtomic } from './lib/state/atomic-file.ts'
import { alertmanagerTarget } from './lib/prometheus/alertmanager.ts'
import { step } from './lib/step/cli.ts'
import { assertDistinctPorts, type Config, loadConfig, url } from './lib/step/config.ts'
import { ensureContainer } from './lib/engine/containers.ts'
import { ensureEngine } from './lib/engine/cli.ts'
import { ensureImage } from './lib/engine/images.ts'
import { ensureNetwork } from './lib/engine/networks.ts'
import type { MountSpec } from './lib/engine/spec.ts'
import { waitForHttp, waitTrouble } from './lib/engine/readiness.ts'
import { engineEndpoint } from './lib/engine/api.ts'
import { warnIfExposed } from './lib/step/exposure.ts'
import { fail } from './lib/step/fail.ts'
import { tr } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { waitFor } from './lib/step/poll.ts'
import { PROMETHEUS_CONTAINER_PORT, prometheusApi, type Target, TRITON_JOB, targetTable } from './lib/prometheus/api.ts'
import { pullEnv, pullFlags, pullSettings } from './lib/engine/pull.ts'
import { stateDir } from './lib/state/secrets.ts'
import { runTool } from './lib/engine/tool.ts'
import { tritonTarget } from './lib/triton/names.ts'

const IN_CONTAINER = '/etc/prometheus'
/** Three discovery refreshes: longer, and a replica above TRITON_REPLICAS is still running. */
const EXTRA_TARGETS_WAIT_MS = 15_000
/** The folder in the state folder the files go to when PROMETHEUS_CONFIG_DIR is unset. */
const RENDERED = 'prometheus'

/** Writes the files (each replaced whole, by rename); says whether any of them changed. */
function writeFiles(dir: string, files: Record<string, string>): boolean {
  mkdirSync(dir, { recursive: true })
  // The container runs as an unprivileged user: the folder and files must be world-readable.
  chmodSync(dir, 0o755)
  let changed = false
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name)
    changed ||= !existsSync(path) || readFileSync(path, 'utf8') !== text
    writeFileAtomic(path, text, 0o644)
  }
  return changed
}

/** One replica is a fixed target; several are found through the engine (see TritonDiscovery). */
function tritonDiscovery(config: Config): TritonDiscovery {
  const { triton } = config
  if (triton.replicas.length === 1) return { targets: [tritonTarget(triton.container)] }
  return {
    docker: {
      host: `unix://${DOCKER_SOCKET_IN_CONTAINER}`,
      network: config.network,
      service: triton.container,
      replicas: triton.replicas.length,
    },
  }
}

/**
 * The engine's socket, mounted for Docker discovery, and its group, which Prometheus's user
 * (nobody) needs to open it. Read-only only keeps the socket file from being replaced: the API
 * behind it has no read-only mode (see TritonDiscovery for why the stack still pays this).
 */
async function engineSocketMount(config: Config): Promise<{ mount: MountSpec; group: string }> {
  const endpoint = await engineEndpoint()
  const path = endpoint.kind === 'unix' ? endpoint.socketPath : undefined
  const fix = tr(
    'run the steps on the machine of the Docker engine (unset DOCKER_HOST), or set TRITON_REPLICAS=1',
    '在 Docker 引擎所在的机器上运行这些步骤（取消设置 DOCKER_HOST），或设置 TRITON_REPLICAS=1',
  )
  const why = tr(
    `with TRITON_REPLICAS=${config.triton.replicas.length}, Prometheus finds the replicas through the engine's socket`,
    `TRITON_REPLICAS=${config.triton.replicas.length} 时，Prometheus 通过引擎的套接字发现副本`,
  )
  if (!path) {
    const where = endpoint.address
    throw fail(
      why + tr(`, but the engine is reached at ${where}, not a socket here`, `，但引擎位于 ${where}，不是本机的套接字`),
      fix,
    )
  }
  let gid: number
  try {
    gid = statSync(path).gid
  } catch (error) {
    const said = (error as Error).message
    throw fail(why + tr(`, but ${path} cannot be read: ${said}`, `，但无法读取 ${path}：${said}`), fix)
  }
  return {
    mount: { type: 'bind', source: path, target: DOCKER_SOCKET_IN_CONTAINER, readOnly: true },
    group: String(gid),
  }
}

/** Makes a running Prometheus read its files again (`--web.enable-lifecycle`), keeping its data. */
async function reload(base: string, container: string): Promise<void> {
  log.request({ method: 'POST', url: `${base}/-/reload` })
  const answer = await fetch(`${base}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) }).then(
    async (r) => (r.ok ? undefined : `HTTP ${r.status}: ${(await r.text()).trim().slice(0, 300)}`),
    (e: Error) => e.message,
  )
  if (answer !== undefined) {
    throw fail(
      tr(
        `Prometheus at ${base} did not reload its configuration: ${answer}`,
        `${base} 上的 Prometheus 未能重新加载配置：${answer}`,
      ),
      tr(
        `read \`docker logs ${container}\`; it keeps running with the configuration it had`,
        `查看 \`docker logs ${container}\`；它仍按原来的配置运行`,
      ),
    )
  }
}

async function checkConfig(dir: string, image: string): Promise<void> {
  const result = await runTool({
    name: 'promtool',
    image,
    pathInImage: '/bin/promtool',
    localArgs: ['check', 'config', join(dir, 'prometheus.yml')],
    imageArgs: ['check', 'config', `${IN_CONTAINER}/prometheus.yml`],
    mounts: [{ type: 'bind', source: dir, target: IN_CONTAINER, readOnly: true }],
  })
  if (result.exitCode !== 0) {
    throw fail(
      tr(`promtool rejects the generated config:\n${result.output}`, `promtool 拒绝了生成的配置：\n${result.output}`),
      tr(
        'fix the typed config in prometheus/ (config.ts, rules.ts); nothing was started',
        '请修改 prometheus/ 中的类型化配置（config.ts、rules.ts）；没有启动任何容器',
      ),
    )
  }
  log.ok(tr(`promtool check config: valid (${result.where})`, `promtool check config：有效（${result.where}）`))
}

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
      PROMETHEUS_CONFIG_DIR: tr(
        `folder for the generated prometheus.yml and rules.yml (${RENDERED} in the state folder)`,
        `生成的 prometheus.yml 和 rules.yml 所在目录（状态目录中的 ${RENDERED}）`,
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
        help: tr('seconds to wait for the triton target to be up', '等待 triton 目标变为 up 的秒数'),
        default: 120,
        min: 1,
      },
      ...pullFlags,
    },
  },
  async (flags) => {
    const config = loadConfig()
    const { prometheus } = config
    assertDistinctPorts(config)
    warnIfExposed(config)
    const dir = resolve(prometheus.configDir ?? join(stateDir(), RENDERED))
    const discovery = tritonDiscovery(config)
    const expected = expectedReplicas(discovery)
    const socket = 'docker' in discovery ? await engineSocketMount(config) : undefined
    const filesChanged = writeFiles(
      dir,
      renderFiles({ triton: discovery, alertmanagerTarget: alertmanagerTarget(config.alertmanager.container) }),
    )
    log.info(tr(`generated ${dir}/prometheus.yml and rules.yml`, `已生成 ${dir}/prometheus.yml 和 rules.yml`))
    await ensureEngine()
    const hints = { nameVariable: 'PROMETHEUS_CONTAINER', imageVariable: 'PROMETHEUS_IMAGE' }
    await ensureImage(prometheus.image, hints, pullSettings(flags['pull-stall-timeout']))
    await checkConfig(dir, prometheus.image)
    await ensureNetwork(config.network)
    const { action } = await ensureContainer({
      name: prometheus.container,
      image: prometheus.image,
      network: config.network,
      args: [
        `--config.file=${IN_CONTAINER}/prometheus.yml`,
        '--storage.tsdb.path=/prometheus',
        ...IMAGE_CONSOLE_FLAGS,
        '--web.enable-lifecycle',
        // The links in its alerts (generatorURL, which Alertmanager sends on) lead to this
        // machine's port, not to the container's id as a host name that resolves nowhere.
        `--web.external-url=${url(config, prometheus.port)}`,
      ],
      mounts: [{ type: 'bind', source: dir, target: IN_CONTAINER, readOnly: true }, ...(socket ? [socket.mount] : [])],
      groups: socket ? [socket.group] : undefined,
      ports: [
        {
          address: config.bind,
          host: prometheus.port,
          container: PROMETHEUS_CONTAINER_PORT,
          variable: 'PROMETHEUS_PORT',
        },
      ],
      hints,
    })
    const base = url(config, prometheus.port)
    await waitForHttp(`${base}/-/ready`, {
      what: tr('waiting for Prometheus to be ready', '等待 Prometheus 就绪'),
      timeoutMs: flags.timeout * 1000,
      container: prometheus.container,
    })
    // A kept container still runs with the files it read before: reloaded, not recreated, so its
    // data (kept in the container's own volume) survives a change of rules or replica count.
    if (action === 'kept') {
      await reload(base, prometheus.container)
      if (filesChanged)
        log.change(tr('Prometheus reloaded the changed configuration', 'Prometheus 已重新加载变更的配置'))
    }
    const what =
      expected === 1
        ? tr(
            `the triton target (${tritonTarget(config.triton.container)})`,
            `triton 目标（${tritonTarget(config.triton.container)}）`,
          )
        : tr(
            `${expected} triton targets (replicas found through Docker)`,
            `${expected} 个 triton 目标（通过 Docker 发现的副本）`,
          )
    let targets: Target[] = []
    const tritonTargets = () => targets.filter((t) => t.labels.job === TRITON_JOB)
    // A Prometheus that does not answer is "not yet" here, so the checks below can name why.
    const upToDate = async () => {
      const data = await prometheusApi<{ activeTargets: Target[] }>(base, 'targets', { state: 'active' }, 3000).catch(
        () => undefined,
      )
      targets = data?.activeTargets ?? targets
      return tritonTargets().filter((t) => t.health === 'up').length >= expected
    }
    const first = config.triton.container
    const outcome = await waitFor(
      async () =>
        ((await upToDate()) && 'up') ||
        // A dead engine, or a Prometheus or (first) Triton that stopped, ends the wait now, named.
        (await waitTrouble(
          prometheus.container,
          base,
          tr(`read \`docker logs ${prometheus.container}\``, `查看 \`docker logs ${prometheus.container}\``),
        )) ||
        (await waitTrouble(
          first,
          `http://${tritonTarget(first)}/metrics`,
          tr('start it with `make triton`', '用 `make triton` 启动它'),
        )) ||
        false,
      {
        what: tr(`waiting for ${what} to be up`, `等待${what}变为 up`),
        timeoutMs: flags.timeout * 1000,
        intervalMs: 1000,
        onTimeout: () =>
          fail(
            tr(
              `${what} not up after ${flags.timeout}s:\n${targetTable(targets)}`,
              `${flags.timeout} 秒后${what}仍不是 up：\n${targetTable(targets)}`,
            ),
            expected === 1
              ? tr(
                  `check that Triton runs on network ${config.network} as ${first} ` +
                    `(\`make triton\`, \`docker logs ${first}\`)`,
                  `请确认 Triton 以 ${first} 的名称运行在网络 ${config.network} 上` +
                    `（\`make triton\`，\`docker logs ${first}\`）`,
                )
              : tr(
                  'start the replicas with the same TRITON_REPLICAS (`make triton`); ' +
                    `\`docker logs ${prometheus.container}\` shows discovery errors`,
                  '用相同的 TRITON_REPLICAS 启动副本（`make triton`）；' +
                    `\`docker logs ${prometheus.container}\` 会显示发现错误`,
                ),
          ),
      },
    )
    if (outcome !== 'up') throw outcome
    // A replica removed a moment ago stays a target until the next discovery refresh (5 s); one
    // still running past TRITON_REPLICAS stays for good, and is only warned about below.
    await waitFor(async () => (await upToDate()) && tritonTargets().length <= expected, {
      what: tr('waiting for removed replicas to leave discovery', '等待已删除的副本退出服务发现'),
      timeoutMs: EXTRA_TARGETS_WAIT_MS,
      intervalMs: 1000,
      onTimeout: () => fail('extra Triton targets', 'warned below'),
    }).catch(() => undefined)
    log.raw(targetTable(targets))
    if (tritonTargets().length > expected) {
      log.warn(
        tr(
          `Prometheus finds ${tritonTargets().length} Triton replicas, TRITON_REPLICAS=${expected}: ` +
            '`make triton` removes the extra ones',
          `Prometheus 发现了 ${tritonTargets().length} 个 Triton 副本，而 TRITON_REPLICAS=${expected}：` +
            '`make triton` 会删除多余的副本',
        ),
      )
    }
    const rules = await prometheusApi<{ groups?: { rules?: unknown[] }[] }>(base, 'rules', {}, 3000).catch(
      (e: Error) => e.message,
    )
    const groups = typeof rules === 'object' ? rules?.groups : undefined
    if (!Array.isArray(groups)) {
      throw fail(
        tr(
          `Prometheus at ${base} did not list its rules: ${JSON.stringify(rules).slice(0, 120)}`,
          `${base} 上的 Prometheus 没有列出其规则：${JSON.stringify(rules).slice(0, 120)}`,
        ),
        tr(
          `read \`docker logs ${prometheus.container}\`; check that PROMETHEUS_PORT is this Prometheus's port`,
          `查看 \`docker logs ${prometheus.container}\`；确认 PROMETHEUS_PORT 是此 Prometheus 的端口`,
        ),
      )
    }
    const count = groups.reduce((n, g) => n + (g.rules?.length ?? 0), 0)
    log.ok(
      tr(
        `Prometheus is up at ${base}: ${what} up, ${count} rules loaded`,
        `Prometheus 已在 ${base} 运行：${what}为 up，已加载 ${count} 条规则`,
      ),
    )
  },
)
