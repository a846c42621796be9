// The stack as the engine shows it, read only (`docker network ls`, `docker container inspect`):
// whether each container of the tutorial exists, runs, is on the network, and where its ports are
// published. A stack built by hand and one built by `make all` look alike here.
import { docker, type ContainerInfo, inspectContainer } from '../engine/cli.ts'
import type { Config } from '../step/config.ts'
import { t } from '../output/i18n.ts'
import { type Checklist, failed, type Outcome, passed } from './checklist.ts'

/** What `docker container inspect` says beyond ContainerInfo: published ports and addresses. */
export type Container = ContainerInfo & {
  Name: string
  Mounts?: { Source: string; Destination: string }[]
  /** The ports asked for at `docker run -p`; NetworkSettings.Ports is empty while it is on no network. */
  HostConfig?: { PortBindings?: Record<string, { HostIp: string; HostPort: string }[] | null> | null }
  NetworkSettings?: {
    Networks?: Record<string, { IPAddress?: string; Aliases?: string[] | null }> | null
    Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> | null
  }
}

export async function inspect(name: string): Promise<Container | undefined> {
  return (await inspectContainer(name)) as Container | undefined
}

export async function networkExists(name: string): Promise<boolean> {
  const names = await docker(['network', 'ls', '--filter', `name=^${name}$`, '--format', '{{.Name}}'])
  return names.split('\n').includes(name)
}

/**
 * `http://127.0.0.1:<host port>` where the container's port is published on this machine, or
 * undefined when it is not. An "any" address is reached through loopback.
 */
export function publishedUrl(container: Container, port: number): string | undefined {
  const key = `${port}/tcp`
  const binding = container.NetworkSettings?.Ports?.[key]?.[0] ?? container.HostConfig?.PortBindings?.[key]?.[0]
  if (!binding) return undefined
  const ip =
    !binding.HostIp || binding.HostIp === '0.0.0.0' ? '127.0.0.1' : binding.HostIp === '::' ? '::1' : binding.HostIp
  return `http://${ip.includes(':') ? `[${ip}]` : ip}:${binding.HostPort}`
}

/** The addresses a container has on `network` (its IP, for telling a hard-coded IP apart). */
export const addressOn = (container: Container, network: string) =>
  container.NetworkSettings?.Networks?.[network]?.IPAddress || undefined

/** The tutorial's `docker run -d --name <name> …` for a container that is missing or stopped. */
function runningOutcome(container: Container | undefined, name: string, variable: string, run: string): Outcome {
  if (!container)
    return failed(
      t('there is no container {name}', { name }),
      t('start it as the tutorial does: `{run}` (or set {variable} to its name)', { run, variable }),
    )
  if (!container.State.Running)
    return failed(
      t('container {name} is {status} (exit code {exitCode})', {
        name,
        status: container.State.Status,
        exitCode: container.State.ExitCode,
      }),
      t('read why in `docker logs {name}`, fix it, then `docker start {name}`', { name }),
    )
  return passed(t('container {name} runs ({image})', { name, image: container.Config.Image ?? '' }))
}

/** The container is on the stack's network, where the others find it by its name. */
function onNetworkOutcome(container: Container, name: string, config: Config): Outcome {
  const networks = Object.keys(container.NetworkSettings?.Networks ?? {})
  if (networks.includes(config.network))
    return passed(
      t('{name} is on {network} ({addressOn})', {
        name,
        network: config.network,
        addressOn: addressOn(container, config.network) ?? t('no address'),
      }),
    )
  return failed(
    t(
      '{name} is not on {network} (it is on {networks}): the other containers cannot ' + 'reach it by the name {name}',
      { name, network: config.network, networks: networks.join(t(', ')) || t('no network') },
    ),
    t('`docker network connect {network} {name}` (or run it again with `--network {network}`)', {
      network: config.network,
      name,
    }),
  )
}

/** Config for the tutorial's fixes: `docker run` lines with the stack's names. */
export const tutorialRun = (config: Config) => ({
  network: `docker network create ${config.network}`,
  triton:
    `docker run -d --name ${config.triton.container} --network ${config.network} -v $PWD/models:/models ` +
    `-p 8000:8000 -p 8001:8001 -p 8002:8002 <triton image> tritonserver --model-repository=/models`,
  prometheus:
    `docker run -d --name ${config.prometheus.container} --network ${config.network} ` +
    '-v $PWD/monitor/prometheus:/etc/prometheus -p 9090:9090 prom/prometheus --config.file=/etc/prometheus/prometheus.yml',
  grafana: `docker run -d --name ${config.grafana.container} --network ${config.network} -p 3000:3000 grafana/grafana`,
})

type Service = 'triton' | 'prometheus' | 'grafana'
const LABEL: Record<Service, string> = { triton: 'Triton', prometheus: 'Prometheus', grafana: 'Grafana' }

/** The first two checks of a service's step: `<service>.container` runs, `<service>.network` is on the network. */
export async function containerChecks(
  list: Checklist,
  step: number,
  service: Service,
  container: Container | undefined,
  config: Config,
): Promise<void> {
  const name = config[service].container
  const label = LABEL[service]
  await list.run(step, `${service}.container`, t('{label} runs', { label }), [], async () =>
    runningOutcome(container, name, `${service.toUpperCase()}_CONTAINER`, tutorialRun(config)[service]),
  )
  await list.run(
    step,
    `${service}.network`,
    t('{label} is on the network', { label }),
    ['network.exists', `${service}.container`],
    async () => onNetworkOutcome(container!, name, config),
  )
}
