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
import { tr } from '../output/i18n.ts'
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
  const datasourceFix = tr(
    `run \`make datasource\`: it points the datasource at ${prometheusUrlOnNetwork(config.prometheus.container)}`,
    `运行 \`make datasource\`：它会把数据源指向 ${prometheusUrlOnNetwork(config.prometheus.container)}`,
  )
  const said = failure.bodyText.trim().slice(0, 80)
  if (said) {
    return fail(
      tr(
        `the datasource URL is wrong: ${url} answered ${failure.status} itself (${said}), not as Prometheus does`,
        `数据源 URL 有误：${url} 自己返回了 ${failure.status}（${said}），不是 Prometheus 的回答`,
      ),
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
      ? fail(
          tr(`Prometheus is down: there is no container ${host}`, `Prometheus 已停止：没有容器 ${host}`),
          tr('start it with `make prometheus`', '用 `make prometheus` 启动它'),
        )
      : fail(
          tr(
            `the datasource URL is wrong: ${url} names ${host}, and no container has that name ` +
              `(the stack's Prometheus is ${config.prometheus.container})`,
            `数据源 URL 有误：${url} 指向 ${host}，但没有这个名称的容器（本套服务的 Prometheus 是 ${config.prometheus.container}）`,
          ),
          datasourceFix,
        )
  }
  if (!target.State.Running) {
    return fail(
      tr(
        `Prometheus is down: container ${host} is ${target.State.Status} (exit code ${target.State.ExitCode})`,
        `Prometheus 已停止：容器 ${host} 处于 ${target.State.Status} 状态（退出码 ${target.State.ExitCode}）`,
      ),
      tr(
        `start it with \`make prometheus\` (why it stopped: \`docker logs ${host}\`)`,
        `用 \`make prometheus\` 启动它（停止原因：\`docker logs ${host}\`）`,
      ),
    )
  }
  const shared = networks(target).filter((n) => grafana && networks(grafana).includes(n))
  if (shared.length === 0) {
    return fail(
      tr(
        `Grafana cannot resolve the name ${host}: container ${host} runs, but on no network ` +
          `${config.grafana.container} is on (${networks(target).join(', ') || 'none'})`,
        `Grafana 无法解析名称 ${host}：容器 ${host} 在运行，但不在 ${config.grafana.container} 所在的任何网络上` +
          `（${networks(target).join('、') || '无'}）`,
      ),
      tr(
        `put it on the stack's network: \`docker network connect ${config.network} ${host}\`, or \`make prometheus\``,
        `把它加入本套服务的网络：\`docker network connect ${config.network} ${host}\`，或运行 \`make prometheus\``,
      ),
    )
  }
  if (ours && Number(port || 80) !== PROMETHEUS_CONTAINER_PORT) {
    return fail(
      tr(
        `the datasource URL is wrong: ${url} asks port ${port || 80}; Prometheus listens on ${PROMETHEUS_CONTAINER_PORT}`,
        `数据源 URL 有误：${url} 使用端口 ${port || 80}；Prometheus 监听 ${PROMETHEUS_CONTAINER_PORT}`,
      ),
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
