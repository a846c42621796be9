// Step 3: Prometheus scraping Triton by container name. Its config and rules are generated from
// typed code in prometheus/ into the state folder (they hold this machine's names, so they are no
// source), checked by promtool before anything starts, and the step returns only once the triton
// target is up (the tutorial's check, done by the script).
import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { IMAGE_CONSOLE_FLAGS, renderFiles } from '../prometheus/config.ts'
import { writeFileAtomic } from './lib/atomic-file.ts'
import { alertmanagerTarget } from './lib/alertmanager.ts'
import { step } from './lib/cli.ts'
import { warnIfExposed } from './lib/exposure.ts'
import { assertDistinctPorts, loadConfig, url } from './lib/config.ts'
import { ensureContainer, ensureEngine, ensureImage, ensureNetwork, waitForHttp, waitTrouble } from './lib/docker.ts'
import { fail } from './lib/fail.ts'
import { tr } from './lib/i18n.ts'
import { log } from './lib/log.ts'
import { waitFor } from './lib/poll.ts'
import { PROMETHEUS_CONTAINER_PORT, type Target, TRITON_JOB, targetTable } from './lib/prometheus.ts'
import { pullEnv, pullFlags, pullSettings } from './lib/pull.ts'
import { stateDir } from './lib/secrets.ts'
import { runTool } from './lib/tool.ts'
import { tritonTarget } from './lib/triton.ts'

const IN_CONTAINER = '/etc/prometheus'
/** The folder in the state folder the files go to when PROMETHEUS_CONFIG_DIR is unset. */
const RENDERED = 'prometheus'

function writeFiles(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true })
  // The container runs as an unprivileged user: the folder and files must be world-readable.
  chmodSync(dir, 0o755)
  for (const [name, text] of Object.entries(files)) writeFileAtomic(join(dir, name), text, 0o644)
  return createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16)
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
    const filesHash = writeFiles(
      dir,
      renderFiles({
        tritonTarget: tritonTarget(config.triton.container),
        alertmanagerTarget: alertmanagerTarget(config.alertmanager.container),
      }),
    )
    log.info(tr(`generated ${dir}/prometheus.yml and rules.yml`, `已生成 ${dir}/prometheus.yml 和 rules.yml`))
    await ensureEngine()
    const hints = { nameVariable: 'PROMETHEUS_CONTAINER', imageVariable: 'PROMETHEUS_IMAGE' }
    await ensureImage(prometheus.image, hints, pullSettings(flags['pull-stall-timeout']))
    await checkConfig(dir, prometheus.image)
    await ensureNetwork(config.network)
    await ensureContainer({
      name: prometheus.container,
      image: prometheus.image,
      network: config.network,
      args: [
        `--config.file=${IN_CONTAINER}/prometheus.yml`,
        '--storage.tsdb.path=/prometheus',
        ...IMAGE_CONSOLE_FLAGS,
        '--web.enable-lifecycle',
      ],
      mounts: [{ type: 'bind', source: dir, target: IN_CONTAINER, readOnly: true }],
      ports: [
        {
          address: config.bind,
          host: prometheus.port,
          container: PROMETHEUS_CONTAINER_PORT,
          variable: 'PROMETHEUS_PORT',
        },
      ],
      // The files are read at start: a change in them must recreate the container like any other change.
      labels: { 'io.triton-monitoring.prometheus-files': filesHash },
      hints,
    })
    const base = url(config, prometheus.port)
    await waitForHttp(`${base}/-/ready`, {
      what: tr('waiting for Prometheus to be ready', '等待 Prometheus 就绪'),
      timeoutMs: flags.timeout * 1000,
      container: prometheus.container,
    })
    let targets: Target[] = []
    log.request({
      url: `${base}/api/v1/targets?state=active`,
      note: tr('every second until the triton target is up', '每秒一次，直到 triton 目标为 up'),
    })
    const scrape = `http://${tritonTarget(config.triton.container)}/metrics`
    const outcome = await waitFor(
      async () => {
        const body = (await (
          await fetch(`${base}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(3000) })
        )
          .json()
          .catch(() => undefined)) as { data: { activeTargets: Target[] } } | undefined
        targets = body?.data?.activeTargets ?? targets
        if (targets.some((t) => t.labels.job === TRITON_JOB && t.health === 'up')) return 'up'
        // A dead engine, or a Prometheus or Triton that stopped, ends the wait now, named.
        return (
          (await waitTrouble(
            prometheus.container,
            base,
            tr(`read \`docker logs ${prometheus.container}\``, `查看 \`docker logs ${prometheus.container}\``),
          )) ??
          (await waitTrouble(
            config.triton.container,
            scrape,
            tr('start it with `make triton`', '用 `make triton` 启动它'),
          )) ??
          false
        )
      },
      {
        what: tr(
          `waiting for the triton target (${tritonTarget(config.triton.container)}) to be up`,
          `等待 triton 目标（${tritonTarget(config.triton.container)}）变为 up`,
        ),
        timeoutMs: flags.timeout * 1000,
        intervalMs: 1000,
        onTimeout: () =>
          fail(
            tr(
              `the triton target is not up after ${flags.timeout}s:\n${targetTable(targets)}`,
              `${flags.timeout} 秒后 triton 目标仍不是 up：\n${targetTable(targets)}`,
            ),
            tr(
              `check that Triton runs on network ${config.network} as ${config.triton.container} ` +
                `(\`make triton\`, \`docker logs ${config.triton.container}\`)`,
              `请确认 Triton 以 ${config.triton.container} 的名称运行在网络 ${config.network} 上` +
                `（\`make triton\`，\`docker logs ${config.triton.container}\`）`,
            ),
          ),
      },
    )
    if (outcome !== 'up') throw outcome
    log.raw(targetTable(targets))
    log.request({ url: `${base}/api/v1/rules` })
    const rules = (await fetch(`${base}/api/v1/rules`, { signal: AbortSignal.timeout(3000) })
      .then((r) => r.json())
      .catch((e: Error) => e.message)) as { data?: { groups?: { rules?: unknown[] }[] } } | string
    const groups = typeof rules === 'object' ? rules?.data?.groups : undefined
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
        `Prometheus is up at ${base}: triton target up, ${count} rules loaded`,
        `Prometheus 已在 ${base} 运行：triton 目标为 up，已加载 ${count} 条规则`,
      ),
    )
  },
)
