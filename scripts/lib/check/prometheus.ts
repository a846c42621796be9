// Steps 3 and 4 of the tutorial: the prometheus.yml the container really loaded (its API says,
// not a file on this machine that may not be the one mounted), judged by what Prometheus really
// scrapes, so `make all`'s discovery passes as the tutorial's static target does; then Prometheus
// on the network with the triton target up. The classic mistakes are named by what they teach.
import { isIP } from 'node:net'
import type { Config } from '../step/config.ts'
import { t } from '../output/i18n.ts'
import { PROMETHEUS_CONTAINER_PORT, prometheusApi, type Target } from '../prometheus/api.ts'
import { SCRAPE_INTERVAL } from '../../../prometheus/scrape.ts'
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
      unreachable: t('Prometheus does not run or publishes no 9090'),
    }
  try {
    const status = await prometheusApi<{ yaml: string }>(api, 'status/config')
    const flags = await prometheusApi<Record<string, string>>(api, 'status/flags')
    const targets = await prometheusApi<{ activeTargets: Target[] }>(api, 'targets', { state: 'active' })
    const { parse } = await import('yaml') // only once Prometheus answered: `make check --help` needs no YAML
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
function mistake(target: Target, config: Config, triton: Container | undefined): ReturnType<typeof failed> | undefined {
  const address = target.labels.instance ?? new URL(target.scrapeUrl).host
  const { host, port } = hostPort(address)
  const names = config.triton.replicas.map((r) => r.name)
  const right = tritonTarget(config.triton.container)
  const edit = t('write `targets: ["{right}"]` in prometheus.yml, then `docker restart {container}`', {
    right,
    container: config.prometheus.container,
  })
  if (port === PROMETHEUS_CONTAINER_PORT) return undefined
  if (LOOPBACK.test(host))
    return failed(
      t(
        'job "{job}" scrapes {address}: inside the Prometheus container, localhost is ' +
          'Prometheus itself, not Triton',
        { job: String(target.labels.job), address },
      ),
      edit,
    )
  if (names.includes(host))
    return failed(
      t(
        'job "{job}" scrapes {address}: port {port} is Triton\'s {httpInference} port; ' +
          'its metrics are on {metrics}',
        {
          job: String(target.labels.job),
          address,
          port,
          httpInference: port === TRITON_PORTS.http ? t('HTTP (inference)') : 'gRPC',
          metrics: TRITON_PORTS.metrics,
        },
      ),
      edit,
    )
  if (isIP(host) && port === TRITON_PORTS.metrics) {
    const now = triton ? addressOn(triton, config.network) : undefined
    const why = t(
      'job "{job}" scrapes the address {address}: a container\'s IP changes when it ' +
        'is recreated, its name does not',
      { job: String(target.labels.job), address },
    )
    return host === now
      ? teaches(`${why}${t(' (today {host} is {container})', { host, container: config.triton.container })}`, edit)
      : failed(
          why +
            t(' ({container} is {now} now)', {
              container: config.triton.container,
              now: now ?? t('not on the network'),
            }),
          edit,
        )
  }
  return undefined
}

export async function configChecks(list: Checklist, config: Config, facts: PrometheusFacts, triton?: Container) {
  const unreachable = () =>
    notReached(
      t('Prometheus gives no config to read ({unreachable}): see step 4', { unreachable: String(facts.unreachable) }),
    )
  await list.run(3, 'config.loaded', t('the config Prometheus loaded'), [], async () => {
    if (!facts.config) return unreachable()
    const mount = facts.container?.Mounts?.find((m) => facts.configFile?.startsWith(`${m.Destination}/`))
    const jobs = (facts.config.scrape_configs ?? []).map((j) => j.job_name).join(', ')
    return passed(
      `${facts.configFile}${mount ? t(' (from {source})', { source: mount.Source }) : ''}: ${t('jobs')} ${jobs}`,
    )
  })
  const target = facts.targets ? tritonTargetOf(facts.targets, config) : undefined
  await list.run(3, 'config.interval', 'scrape_interval 5s', ['config.loaded'], async () => {
    const job = facts.config?.scrape_configs?.find((j) => j.job_name === target?.labels.job)
    const interval = target?.scrapeInterval ?? job?.scrape_interval ?? facts.config?.global?.scrape_interval ?? '1m'
    if (interval === SCRAPE_INTERVAL) return passed(t('Triton is scraped every {interval}', { interval }))
    return failed(
      t(
        'Triton is scraped every {interval}, not {SCRAPE_INTERVAL}: the panels move ' +
          '{interval} behind the load, and a rate over 1m holds too few samples',
        { interval, SCRAPE_INTERVAL },
      ),
      t(
        'set `scrape_interval: {SCRAPE_INTERVAL}` under `global:` in prometheus.yml, ' +
          'then `docker restart {container}`',
        { SCRAPE_INTERVAL, container: config.prometheus.container },
      ),
    )
  })
  await list.run(
    3,
    'config.target',
    t('a job scrapes {tritonTarget}', { tritonTarget: tritonTarget(config.triton.container) }),
    ['config.loaded'],
    async () => {
      if (target)
        return passed(
          t('job "{job}" scrapes {instance}', {
            job: String(target.labels.job),
            instance: String(target.labels.instance),
          }),
        )
      const wrong = (facts.targets ?? []).map((t) => mistake(t, config, triton)).find(Boolean)
      if (wrong) return wrong
      const scraped = (facts.targets ?? []).map((t) => t.labels.instance).join(', ') || t('nothing')
      return failed(
        t('no job scrapes {tritonTarget} (Prometheus scrapes {scraped})', {
          tritonTarget: tritonTarget(config.triton.container),
          scraped,
        }),
        t(
          'add the tutorial\'s job to prometheus.yml (`job_name: "triton"`, ' +
            '`targets: ["{tritonTarget}"]`), mount its folder at /etc/prometheus, then ' +
            '`docker restart {container}`',
          { tritonTarget: tritonTarget(config.triton.container), container: config.prometheus.container },
        ),
      )
    },
  )
  return target
}

export async function prometheusChecks(list: Checklist, config: Config, facts: PrometheusFacts, target?: Target) {
  const name = config.prometheus.container
  await containerChecks(list, 4, 'prometheus', facts.container, config)
  await list.run(4, 'prometheus.api', t('Prometheus answers'), ['prometheus.container'], async () =>
    facts.api
      ? passed(t('{api} answers', { api: facts.api }))
      : failed(
          facts.unreachable ?? '',
          t('publish its port (`-p 9090:9090`), or read `docker logs {name}` for why it does not answer', { name }),
        ),
  )
  await list.run(
    4,
    'prometheus.target',
    t('triton target is up'),
    ['config.target', 'triton.network', 'triton.metrics', 'prometheus.network', 'prometheus.api'],
    async () =>
      target?.health === 'up'
        ? passed(t('{scrapeUrl}: up', { scrapeUrl: target.scrapeUrl }))
        : failed(
            t('{scrapeUrl}: {health}{lastError}', {
              scrapeUrl: String(target?.scrapeUrl),
              health: String(target?.health),
              lastError: target?.lastError ? t(' ({lastError})', { lastError: target.lastError }) : '',
            }),
            t(
              'a target is "unknown" until its first scrape ({SCRAPE_INTERVAL}): run ' +
                '`make check` again; otherwise `docker logs {name}`',
              { SCRAPE_INTERVAL, name },
            ),
          ),
  )
}
