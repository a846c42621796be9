// Why Grafana could not reach its Prometheus datasource. Grafana's datasource proxy answers a
// failure with a status and no body (pkg/util/proxyutil/reverse_proxy.go: 504 on a timeout, 502
// for anything else, a name it cannot look up included), so the status alone cannot tell
// "Prometheus is down" from "the datasource URL is wrong" from "Grafana cannot resolve the name".
// The datasource's URL and the containers' state can: a 502 with a body came from whatever
// answers at the URL, not from Grafana's proxy; a host that names no container, one that is
// stopped, or one on no network Grafana is on, each has its own fix.
import { isIP } from 'node:net'
import type { Config } from '../step/config.ts'
import { type ContainerInfo, inspectContainer } from '../engine/cli.ts'
import { runOnce } from '../engine/images.ts'
import { fail, type StepError } from '../step/fail.ts'
import { t } from '../output/i18n.ts'
import { PROMETHEUS_CONTAINER_PORT, prometheusUrlOnNetwork } from './api.ts'

const networks = (c: ContainerInfo) => Object.keys(c.NetworkSettings?.Networks ?? {})

/**
 * The cause and fix of a failed proxy call to the datasource at `url`, or undefined when they
 * cannot be told apart from here (an address instead of a name, no engine to ask).
 */
export async function whyProxyFailed(
  failure: { status: number; bodyText: string },
  url: string,
  config: Config,
): Promise<StepError | undefined> {
  const datasourceFix = t('run `make datasource`: it points the datasource at {prometheusUrlOnNetwork}', {
    prometheusUrlOnNetwork: prometheusUrlOnNetwork(config.prometheus.container),
  })
  const said = failure.bodyText.trim().slice(0, 80)
  if (said) {
    return fail(
      t('the datasource URL is wrong: {url} answered {status} itself ({said}), not as Prometheus does', {
        url,
        status: failure.status,
        said,
      }),
      datasourceFix,
    )
  }
  const { hostname, port } = new URL(url)
  const host = hostname.replace(/^\[(.*)\]$/, '$1')
  if (isIP(host)) return undefined
  let target: ContainerInfo | undefined
  let grafana: ContainerInfo | undefined
  try {
    target = await inspectContainer(host)
    grafana = await inspectContainer(config.grafana.container)
  } catch {
    return undefined
  }
  const ours = host === config.prometheus.container
  if (!target) {
    return ours
      ? fail(t('Prometheus is down: there is no container {host}', { host }), t('start it with `make prometheus`'))
      : fail(
          t(
            'the datasource URL is wrong: {url} names {host}, and no container has that ' +
              "name (the stack's Prometheus is {container})",
            { url, host, container: config.prometheus.container },
          ),
          datasourceFix,
        )
  }
  if (!target.State.Running) {
    return fail(
      t('Prometheus is down: container {host} is {status} (exit code {exitCode})', {
        host,
        status: target.State.Status,
        exitCode: target.State.ExitCode,
      }),
      t('start it with `make prometheus` (why it stopped: `docker logs {host}`)', { host }),
    )
  }
  const shared = networks(target).filter((n) => grafana && networks(grafana).includes(n))
  if (shared.length === 0) {
    return fail(
      t(
        'Grafana cannot resolve the name {host}: container {host} runs, but on no ' +
          'network {container} is on ({networks})',
        { host, container: config.grafana.container, networks: networks(target).join(t(', ')) || t('none') },
      ),
      t("put it on the stack's network: `docker network connect {network} {host}`, or `make prometheus`", {
        network: config.network,
        host,
      }),
    )
  }
  if (ours && Number(port || 80) !== PROMETHEUS_CONTAINER_PORT) {
    return fail(
      t('the datasource URL is wrong: {url} asks port {port}; Prometheus listens on ' + '{PROMETHEUS_CONTAINER_PORT}', {
        url,
        port: port || 80,
        PROMETHEUS_CONTAINER_PORT,
      }),
      datasourceFix,
    )
  }
  return undefined
}

/**
 * What a container on `network` meets looking up `url`'s host, when the name does not resolve
 * there: Grafana reaches its datasource from that network, not from this machine. Asked with the
 * Prometheus image's own promtool (present in prom/prometheus and the local image). Undefined
 * when the name resolves, or when this cannot be told (no engine, no such network, the image
 * not here yet): a check that advises, never one that stops a step.
 */
export async function lookupFailure(url: string, network: string, image: string): Promise<string | undefined> {
  try {
    const { output } = await runOnce({
      image,
      local: true,
      network,
      entrypoint: '/bin/promtool',
      args: ['query', 'instant', url, 'up'],
      timeoutMs: 20_000,
    })
    return output.match(/lookup \S+ on \S+: (no such host|server misbehaving)/)?.[0]
  } catch {
    return undefined
  }
}
