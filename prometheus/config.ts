// Prometheus's own configuration as typed data; `prometheus.yml` is generated from it.
import { stringify } from 'yaml'
import { PROMETHEUS_CONTAINER_PORT, TRITON_JOB } from '../scripts/lib/prometheus/api.ts'
import { alertTiming, duration } from './alert-timing.ts'
import { SCRAPE_INTERVAL } from './scrape.ts'
import { GENERATED_HEADER, ruleGroups, rulesYaml } from './rules.ts'

/** `file_sd_configs` entry (Prometheus docs, <file_sd_config>); paths are relative to prometheus.yml. */
export interface FileSdConfig {
  files: string[]
  refresh_interval: string
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
  file_sd_configs?: FileSdConfig[]
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
 * The console flags of prom/prometheus's default command (its Dockerfile's CMD, v2.53.1). A container
 * given its own command loses that CMD, so step 03 passes them again, or /consoles serves nothing.
 */
export const IMAGE_CONSOLE_FLAGS = [
  '--web.console.libraries=/usr/share/prometheus/console_libraries',
  '--web.console.templates=/usr/share/prometheus/consoles',
] as const

/**
 * How Prometheus finds Triton.
 *
 * `targets`: fixed, in prometheus.yml: the committed file, which keeps the tutorial's `triton:8002`.
 *
 * `file`: the targets file (`file_sd_configs`), which the steps write: one target per replica
 * container, by name (`triton:8002`, `triton-2:8002`, …), so `instance` names the container as a
 * single replica always has, with no relabelling. The steps create the replicas, so they know
 * every name; Prometheus watches the file and takes a new list within seconds, with no reload and
 * no restart, so a change of TRITON_REPLICAS leaves prometheus.yml, and the container, as they are.
 * Nothing of the engine is given to Prometheus: Docker discovery needed its socket mounted (root on
 * the host, impossible on Docker Desktop's user socket, rootless and remote engines), and dropped a
 * stopped replica from discovery, where `up == 0` never saw it. Listed by the steps, a stopped or
 * dead replica stays a target until `make triton` removes it on purpose, and TritonTargetDown names it.
 */
export type TritonDiscovery = { targets: string[] } | { file: string }

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

export function tritonScrape(discovery: TritonDiscovery): ScrapeConfig {
  if ('targets' in discovery) return { job_name: TRITON_JOB, static_configs: [{ targets: discovery.targets }] }
  // The file is watched; the refresh is the fallback where file events do not arrive.
  return { job_name: TRITON_JOB, file_sd_configs: [{ files: [discovery.file], refresh_interval: SCRAPE_INTERVAL }] }
}

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
    [RULES_FILE]: rulesYaml(ruleGroups),
  }
}
