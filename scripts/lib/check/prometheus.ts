// Steps 3 and 4 of the tutorial: the prometheus.yml the container really loaded (its API says,
// not a file on this machine that may not be the one mounted), judged by what Prometheus really
// scrapes, so `make all`'s discovery passes as the tutorial's static target does; then Prometheus
// on the network with the triton target up. The classic mistakes are named by what they teach.
import { isIP } from 'node:net'
import { parse } from 'yaml'
import type { Config } from '../step/config.ts'
import { tr } from '../output/i18n.ts'
import { PROMETHEUS_CONTAINER_PORT, prometheusApi, type Target } from '../prometheus/api.ts'
import { SCRAPE_INTERVAL } from '../../../prometheus/config.ts'
import { TRITON_PORTS, tritonTarget } from '../triton/names.ts'
import { type Checklist, failed, notReached, passed, teaches } from './checklist.ts'
import { addressOn, type Container, inspect, containerChecks, publishedUrl } from './containers.ts'

interface LoadedConfig {
  global?: { scrape_interval?: string }
  scrape_configs?: { job_name?: string; scrape_interval?: string; static_configs?: { targets?: string[] }[] }[]
}

const hostPort = (address: string) => {
  const at = address.lastIndexOf(':')
  return { host: address.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(at + 1)) }
}
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1)$/

/** Prometheus as found: its container, where its API answers, and what it loaded and scrapes. */
export interface PrometheusFacts {
  container?: Container
  api?: string
  /** Why the API gave nothing, for the checks that needed it. */
  unreachable?: string
  config?: LoadedConfig
  configFile?: string
  targets?: Target[]
}

export async function prometheusFacts(config: Config): Promise<PrometheusFacts> {
  const container = await inspect(config.prometheus.container)
  const api = container?.State.Running ? publishedUrl(container, PROMETHEUS_CONTAINER_PORT) : undefined
  if (!api)
    return {
      container,
      unreachable: tr('Prometheus does not run or publishes no 9090', 'Prometheus 未运行或没有发布 9090'),
    }
  try {
    const status = await prometheusApi<{ yaml: string }>(api, 'status/config')
    const flags = await prometheusApi<Record<string, string>>(api, 'status/flags')
    const targets = await prometheusApi<{ activeTargets: Target[] }>(api, 'targets', { state: 'active' })
    return {
      container,
      api,
      config: parse(status.yaml) as LoadedConfig,
      configFile: flags['config.file'],
      targets: targets.activeTargets,
    }
  } catch (error) {
    return { container, unreachable: `${api}: ${(error as Error).message}` }
  }
}

/** The Triton target among what Prometheus scrapes: its instance names a Triton container on 8002. */
function tritonTargetOf(targets: Target[], config: Config): Target | undefined {
  const names = config.triton.replicas.map((r) => r.name)
  return targets.find((t) => {
    const { host, port } = hostPort(t.labels.instance ?? '')
    return names.includes(host) && port === TRITON_PORTS.metrics
  })
}

/** What a target that should have been `triton:8002` teaches, or undefined when it is not one. */
function mistake(t: Target, config: Config, triton: Container | undefined): ReturnType<typeof failed> | undefined {
  const address = t.labels.instance ?? new URL(t.scrapeUrl).host
  const { host, port } = hostPort(address)
  const names = config.triton.replicas.map((r) => r.name)
  const right = tritonTarget(config.triton.container)
  const edit = tr(
    `write \`targets: ["${right}"]\` in prometheus.yml, then \`docker restart ${config.prometheus.container}\``,
    `在 prometheus.yml 中写 \`targets: ["${right}"]\`，然后运行 \`docker restart ${config.prometheus.container}\``,
  )
  if (port === PROMETHEUS_CONTAINER_PORT) return undefined
  if (LOOPBACK.test(host))
    return failed(
      tr(
        `job "${t.labels.job}" scrapes ${address}: inside the Prometheus container, localhost is Prometheus itself, not Triton`,
        `任务 "${t.labels.job}" 抓取 ${address}：在 Prometheus 容器内，localhost 是 Prometheus 自己，不是 Triton`,
      ),
      edit,
    )
  if (names.includes(host))
    return failed(
      tr(
        `job "${t.labels.job}" scrapes ${address}: ` +
          `port ${port} is Triton's ${port === TRITON_PORTS.http ? 'HTTP (inference)' : 'gRPC'} port; ` +
          `its metrics are on ${TRITON_PORTS.metrics}`,
        `任务 "${t.labels.job}" 抓取 ${address}：${port} 是 Triton 的 ${port === TRITON_PORTS.http ? 'HTTP（推理）' : 'gRPC'} 端口；` +
          `指标在 ${TRITON_PORTS.metrics}`,
      ),
      edit,
    )
  if (isIP(host) && port === TRITON_PORTS.metrics) {
    const now = triton ? addressOn(triton, config.network) : undefined
    const why = tr(
      `job "${t.labels.job}" scrapes the address ${address}: a container's IP changes when it is recreated, its name does not`,
      `任务 "${t.labels.job}" 抓取地址 ${address}：容器重建后 IP 会变，名称不会`,
    )
    return host === now
      ? teaches(
          `${why}${tr(` (today ${host} is ${config.triton.container})`, `（目前 ${host} 是 ${config.triton.container}）`)}`,
          edit,
        )
      : failed(
          why +
            tr(
              ` (${config.triton.container} is ${now ?? 'not on the network'} now)`,
              `（${config.triton.container} 现在是 ${now ?? '不在网络上'}）`,
            ),
          edit,
        )
  }
  return undefined
}

export async function configChecks(list: Checklist, config: Config, facts: PrometheusFacts, triton?: Container) {
  const unreachable = () =>
    notReached(
      tr(
        `Prometheus gives no config to read (${facts.unreachable}): see step 4`,
        `无法读取 Prometheus 的配置（${facts.unreachable}）：见第 4 步`,
      ),
    )
  await list.run(3, 'config.loaded', tr('the config Prometheus loaded', 'Prometheus 加载的配置'), [], async () => {
    if (!facts.config) return unreachable()
    const mount = facts.container?.Mounts?.find((m) => facts.configFile?.startsWith(`${m.Destination}/`))
    const jobs = (facts.config.scrape_configs ?? []).map((j) => j.job_name).join(', ')
    return passed(
      `${facts.configFile}${mount ? tr(` (from ${mount.Source})`, `（来自 ${mount.Source}）`) : ''}: ${tr('jobs', '任务')} ${jobs}`,
    )
  })
  const target = facts.targets ? tritonTargetOf(facts.targets, config) : undefined
  await list.run(3, 'config.interval', 'scrape_interval 5s', ['config.loaded'], async () => {
    const job = facts.config?.scrape_configs?.find((j) => j.job_name === target?.labels.job)
    const interval = target?.scrapeInterval ?? job?.scrape_interval ?? facts.config?.global?.scrape_interval ?? '1m'
    if (interval === SCRAPE_INTERVAL)
      return passed(tr(`Triton is scraped every ${interval}`, `每 ${interval} 抓取一次 Triton`))
    return failed(
      tr(
        `Triton is scraped every ${interval}, not ${SCRAPE_INTERVAL}: the panels move ${interval} behind the load, ` +
          'and a rate over 1m holds too few samples',
        `每 ${interval} 才抓取一次 Triton，而不是 ${SCRAPE_INTERVAL}：面板会比负载滞后 ${interval}，1m 的 rate 样本太少`,
      ),
      tr(
        `set \`scrape_interval: ${SCRAPE_INTERVAL}\` under \`global:\` in prometheus.yml, ` +
          `then \`docker restart ${config.prometheus.container}\``,
        `在 prometheus.yml 的 \`global:\` 下设置 \`scrape_interval: ${SCRAPE_INTERVAL}\`，` +
          `然后运行 \`docker restart ${config.prometheus.container}\``,
      ),
    )
  })
  await list.run(
    3,
    'config.target',
    tr(`a job scrapes ${tritonTarget(config.triton.container)}`, `有任务抓取 ${tritonTarget(config.triton.container)}`),
    ['config.loaded'],
    async () => {
      if (target)
        return passed(
          tr(
            `job "${target.labels.job}" scrapes ${target.labels.instance}`,
            `任务 "${target.labels.job}" 抓取 ${target.labels.instance}`,
          ),
        )
      const wrong = (facts.targets ?? []).map((t) => mistake(t, config, triton)).find(Boolean)
      if (wrong) return wrong
      const scraped = (facts.targets ?? []).map((t) => t.labels.instance).join(', ') || tr('nothing', '无')
      return failed(
        tr(
          `no job scrapes ${tritonTarget(config.triton.container)} (Prometheus scrapes ${scraped})`,
          `没有任务抓取 ${tritonTarget(config.triton.container)}（Prometheus 抓取的是 ${scraped}）`,
        ),
        tr(
          `add the tutorial's job to prometheus.yml (\`job_name: "triton"\`, \`targets: ["${tritonTarget(config.triton.container)}"]\`), ` +
            `mount its folder at /etc/prometheus, then \`docker restart ${config.prometheus.container}\``,
          `在 prometheus.yml 中加入教程的任务（\`job_name: "triton"\`，\`targets: ["${tritonTarget(config.triton.container)}"]\`），` +
            `把它所在目录挂载到 /etc/prometheus，然后运行 \`docker restart ${config.prometheus.container}\``,
        ),
      )
    },
  )
  return target
}

export async function prometheusChecks(list: Checklist, config: Config, facts: PrometheusFacts, target?: Target) {
  const name = config.prometheus.container
  await containerChecks(list, 4, 'prometheus', facts.container, config)
  await list.run(
    4,
    'prometheus.api',
    tr('Prometheus answers', 'Prometheus 有响应'),
    ['prometheus.container'],
    async () =>
      facts.api
        ? passed(tr(`${facts.api} answers`, `${facts.api} 有响应`))
        : failed(
            facts.unreachable ?? '',
            tr(
              `publish its port (\`-p 9090:9090\`), or read \`docker logs ${name}\` for why it does not answer`,
              `发布它的端口（\`-p 9090:9090\`），或查看 \`docker logs ${name}\` 了解它为何没有响应`,
            ),
          ),
  )
  await list.run(
    4,
    'prometheus.target',
    tr('triton target is up', 'triton 抓取目标为 up'),
    ['config.target', 'triton.network', 'triton.metrics', 'prometheus.network', 'prometheus.api'],
    async () =>
      target?.health === 'up'
        ? passed(tr(`${target.scrapeUrl}: up`, `${target.scrapeUrl}：up`))
        : failed(
            tr(
              `${target?.scrapeUrl}: ${target?.health}${target?.lastError ? ` (${target.lastError})` : ''}`,
              `${target?.scrapeUrl}：${target?.health}${target?.lastError ? `（${target.lastError}）` : ''}`,
            ),
            tr(
              `a target is "unknown" until its first scrape (${SCRAPE_INTERVAL}): run \`make check\` again; ` +
                `otherwise \`docker logs ${name}\``,
              `首次抓取（${SCRAPE_INTERVAL}）之前目标为 "unknown"：请再运行一次 \`make check\`；否则查看 \`docker logs ${name}\``,
            ),
          ),
  )
}
