// Prometheus's own configuration as typed data; `prometheus.yml` is generated from it.
import { stringify } from 'yaml'
import { PROMETHEUS_CONTAINER_PORT, TRITON_JOB } from '../scripts/lib/prometheus/api.ts'
import { REPLICA_LABEL, TRITON_PORTS } from '../scripts/lib/triton/names.ts'
import { alertTiming, duration } from './alert-timing.ts'
import { GENERATED_HEADER, replicaRuleGroups, ruleGroups, rulesYaml } from './rules.ts'

/** `docker_sd_configs` entry (Prometheus docs, <docker_sd_config>). */
export interface DockerSdConfig {
  host: string
  refresh_interval: string
  filters: { name: string; values: string[] }[]
}

/** `relabel_configs` entry; only the fields used here. */
export interface RelabelConfig {
  source_labels?: string[]
  separator?: string
  regex?: string
  target_label?: string
  replacement?: string
  action?: 'replace' | 'keep' | 'drop'
}

export interface ScrapeConfig {
  job_name: string
  static_configs?: { targets: string[] }[]
  docker_sd_configs?: DockerSdConfig[]
  relabel_configs?: RelabelConfig[]
}

/** Where Prometheus sends its alerts (`<alertmanager_config>`; API v2 and http are the defaults). */
export interface AlertmanagerTargets {
  static_configs: { targets: string[] }[]
}

export interface PrometheusConfig {
  global: { scrape_interval: string; evaluation_interval: string }
  rule_files: string[]
  alerting: { alertmanagers: AlertmanagerTargets[] }
  scrape_configs: ScrapeConfig[]
}

export const RULES_FILE = 'rules.yml'
/**
 * How often Prometheus scrapes Triton. Grafana's datasource gets the same value as its scrape interval
 * (`jsonData.timeInterval`, step 06): otherwise Grafana assumes 15 s and `$__rate_interval` never drops under 60 s.
 */
export const SCRAPE_INTERVAL = '5s'
/**
 * The console flags of prom/prometheus's default command (its Dockerfile's CMD, v2.53.1). A container
 * given its own command loses that CMD, so step 03 passes them again, or /consoles serves nothing.
 */
export const IMAGE_CONSOLE_FLAGS = [
  '--web.console.libraries=/usr/share/prometheus/console_libraries',
  '--web.console.templates=/usr/share/prometheus/consoles',
] as const
/** Where 03-prometheus mounts the engine's socket in the Prometheus container when it discovers replicas. */
export const DOCKER_SOCKET_IN_CONTAINER = '/var/run/docker.sock'

/**
 * How Prometheus finds Triton.
 *
 * One replica (TRITON_REPLICAS=1, the default): a fixed target, `triton:8002`, exactly as before
 * replicas existed, and nothing more is given to Prometheus.
 *
 * Several replicas: found through the Docker engine (`docker_sd_configs`), not through a list
 * that must be rendered again whenever the count changes. The other candidate, `dns_sd_configs`
 * on the network alias the replicas share, needs no socket, but an A record is only an address:
 * every target's `instance` would be `172.18.0.5:8002`, a number that changes when a container
 * is recreated, that no dashboard legend or alert can tie to a container, and that leaves
 * nothing to relabel from. Docker discovery gives the container's name, so `instance` names the
 * replica (`triton-2:8002`, in the same form the single replica has always had), and its label
 * filter keeps foreign containers on the network out. The price is real: the engine's socket is
 * mounted in the Prometheus container (its user gets the socket's group), and the Docker API has
 * no read-only mode, so code running in Prometheus could command the engine, which is root on
 * the host. Prometheus publishes only on 127.0.0.1 by default and runs no user code, and only a
 * stack that asks for replicas pays it; README ("Replicas") says so plainly.
 */
export type TritonDiscovery =
  | { targets: string[] }
  | {
      docker: {
        /** Engine address as Prometheus reaches it, e.g. `unix:///var/run/docker.sock`. */
        host: string
        network: string
        /** TRITON_CONTAINER: the value of every replica's REPLICA_LABEL and their shared alias. */
        service: string
        /** TRITON_REPLICAS: how many replicas the replica alert expects to find. */
        replicas: number
      }
    }

export interface ConfigOptions {
  triton: TritonDiscovery
  /** Prometheus's own listen address, scraped as job `prometheus`. */
  selfTarget?: string
  /**
   * `host:port` of Alertmanager (its container name on the network). Prometheus keeps evaluating
   * and scraping while nothing answers there; it only logs that it could not send the alerts.
   */
  alertmanagerTarget: string
}

/** A value as a regular expression that matches exactly it (Docker names may hold dots). */
const literal = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export function tritonScrape(discovery: TritonDiscovery): ScrapeConfig {
  if ('targets' in discovery) return { job_name: TRITON_JOB, static_configs: [{ targets: discovery.targets }] }
  const { host, network, service } = discovery.docker
  const metrics = String(TRITON_PORTS.metrics)
  return {
    job_name: TRITON_JOB,
    docker_sd_configs: [
      {
        host,
        // Scale-ups and scale-downs show within one scrape interval, not the default minute.
        refresh_interval: SCRAPE_INTERVAL,
        filters: [
          { name: 'label', values: [`${REPLICA_LABEL}=${service}`] },
          { name: 'network', values: [network] },
        ],
      },
    ],
    relabel_configs: [
      // Docker lists one target per network and exposed port: keep the metrics port on the stack's network.
      {
        source_labels: ['__meta_docker_network_name', '__meta_docker_port_private'],
        separator: ';',
        regex: `${literal(network)};${metrics}`,
        action: 'keep',
      },
      // The container's name (Docker reports it as `/triton-2`) in the form a single replica has.
      {
        source_labels: ['__meta_docker_container_name'],
        regex: '/(.+)',
        target_label: 'instance',
        replacement: `$1:${metrics}`,
      },
    ],
  }
}

/** How many Triton replicas the rules expect to see. */
export const expectedReplicas = (discovery: TritonDiscovery) =>
  'targets' in discovery ? discovery.targets.length : discovery.docker.replicas

export function prometheusConfig({
  triton,
  selfTarget = `localhost:${PROMETHEUS_CONTAINER_PORT}`,
  alertmanagerTarget,
}: ConfigOptions): PrometheusConfig {
  return {
    global: { scrape_interval: SCRAPE_INTERVAL, evaluation_interval: duration(alertTiming.evaluationInterval) },
    rule_files: [RULES_FILE],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [alertmanagerTarget] }] }] },
    scrape_configs: [tritonScrape(triton), { job_name: 'prometheus', static_configs: [{ targets: [selfTarget] }] }],
  }
}

export function configYaml(config: PrometheusConfig): string {
  return GENERATED_HEADER + stringify(config, { lineWidth: 0 })
}

/** Every file Prometheus reads from its config folder, by file name. */
export function renderFiles(options: ConfigOptions): Record<'prometheus.yml' | typeof RULES_FILE, string> {
  return {
    'prometheus.yml': configYaml(prometheusConfig(options)),
    [RULES_FILE]: rulesYaml([...ruleGroups, ...replicaRuleGroups(expectedReplicas(options.triton))]),
  }
}
