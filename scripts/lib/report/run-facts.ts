// What the report says about the machine and the stack: the host (no user, path or environment:
// nothing a student would not hand in), each service's container, image and the version the
// service itself reports, and whether Triton runs on a GPU. A part that cannot be read is shown as
// such; only Prometheus is required (report.ts checks it first).
import { cpus, arch, hostname, release, totalmem, type } from 'node:os'
import { fetchStatus } from '../prometheus/alertmanager.ts'
import { type Config, url } from '../step/config.ts'
import { docker, inspectContainer } from '../engine/cli.ts'
import { health } from '../grafana/client.ts'
import { grafanaUrl } from '../grafana/session.ts'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { httpRequest } from '../step/http.ts'

export interface HostFacts {
  hostname: string
  os: string
  cpu: string
  memory: string
  node: string
  docker: string
  timezone: string
}

export interface ServiceFacts {
  service: string
  container: string
  /** The image reference the container was started from, and its id. */
  image?: string
  imageId?: string
  /** `running`, `exited`, … or `absent`. */
  state: string
  /** As the service reports it (Triton's /v2, Prometheus's buildinfo, Grafana's /api/health). */
  version?: string
  /** Triton only: started with `--gpus`. */
  gpu?: boolean
}

const GiB = 1024 ** 3

export async function hostFacts(): Promise<HostFacts> {
  const cores = cpus()
  const engine = await docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 10_000 }).then(
    (out) => `Docker ${out.trim()}`,
    () => t('Docker engine not answering'),
  )
  return {
    hostname: hostname(),
    os: `${type()} ${release()} (${arch()})`,
    cpu: `${cores[0]?.model.trim() || arch()} × ${cores.length}`,
    memory: `${(totalmem() / GiB).toFixed(1)} GiB`,
    node: `Node.js ${process.versions.node}`,
    docker: engine,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  }
}

async function json<T>(address: string): Promise<T | undefined> {
  log.request({ url: address })
  try {
    const response = await httpRequest(address, { timeoutMs: 5000 })
    return response.ok ? (JSON.parse(response.text) as T) : undefined
  } catch {
    return undefined
  }
}

async function container(service: string, name: string): Promise<ServiceFacts> {
  try {
    const info = await inspectContainer(name)
    if (!info) return { service, container: name, state: t('absent') }
    const gpu = (info.HostConfig?.DeviceRequests ?? []).some((r) => r.Capabilities?.some((c) => c.includes('gpu')))
    return {
      service,
      container: name,
      image: info.Config.Image,
      imageId: info.Image.replace(/^sha256:/, '').slice(0, 12),
      state: info.State.Status,
      gpu,
    }
  } catch {
    return { service, container: name, state: t('unknown (Docker engine not answering)') }
  }
}

/** Triton, Prometheus, Alertmanager and Grafana: container, image and version; `prometheusVersion` is already known. */
export async function serviceFacts(config: Config, prometheusVersion: string): Promise<ServiceFacts[]> {
  // A row per Triton replica (TRITON_REPLICAS), each with the version its own server reports.
  const tritons = await Promise.all(
    config.triton.replicas.map(async (replica) => {
      const facts = await container('Triton', replica.name)
      facts.version = (await json<{ version?: string }>(`${url(config, replica.httpPort)}/v2`))?.version
      return facts
    }),
  )
  const [prometheus, alertmanager, grafana] = await Promise.all([
    container('Prometheus', config.prometheus.container),
    container('Alertmanager', config.alertmanager.container),
    container('Grafana', config.grafana.container),
  ])
  prometheus.version = prometheusVersion
  alertmanager.version = await fetchStatus(url(config, config.alertmanager.port)).then(
    (status) => status.versionInfo?.version,
    () => undefined,
  )
  grafana.version = await health(grafanaUrl(config)).then(
    (h) => h.version,
    () => undefined,
  )
  return [...tritons, prometheus, alertmanager, grafana]
}
