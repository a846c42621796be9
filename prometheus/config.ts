// Prometheus's own configuration as typed data; `prometheus.yml` is generated from it.
import { stringify } from 'yaml'
import { PROMETHEUS_CONTAINER_PORT, TRITON_JOB } from '../scripts/lib/prometheus.ts'
import { alertTiming, duration } from './alert-timing.ts'
import { GENERATED_HEADER, rulesYaml } from './rules.ts'

export interface StaticScrape {
  job_name: string
  static_configs: { targets: string[] }[]
}

/** Where Prometheus sends its alerts (`<alertmanager_config>`; API v2 and http are the defaults). */
export interface AlertmanagerTargets {
  static_configs: { targets: string[] }[]
}

export interface PrometheusConfig {
  global: { scrape_interval: string; evaluation_interval: string }
  rule_files: string[]
  alerting: { alertmanagers: AlertmanagerTargets[] }
  scrape_configs: StaticScrape[]
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

export interface ConfigOptions {
  /** `host:port` of Triton's metrics endpoint as Prometheus reaches it (container name on the network). */
  tritonTarget: string
  /** Prometheus's own listen address, scraped as job `prometheus`. */
  selfTarget?: string
  /**
   * `host:port` of Alertmanager (its container name on the network). Prometheus keeps evaluating
   * and scraping while nothing answers there; it only logs that it could not send the alerts.
   */
  alertmanagerTarget: string
}

export function prometheusConfig({
  tritonTarget,
  selfTarget = `localhost:${PROMETHEUS_CONTAINER_PORT}`,
  alertmanagerTarget,
}: ConfigOptions): PrometheusConfig {
  return {
    global: { scrape_interval: SCRAPE_INTERVAL, evaluation_interval: duration(alertTiming.evaluationInterval) },
    rule_files: [RULES_FILE],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [alertmanagerTarget] }] }] },
    scrape_configs: [
      { job_name: TRITON_JOB, static_configs: [{ targets: [tritonTarget] }] },
      { job_name: 'prometheus', static_configs: [{ targets: [selfTarget] }] },
    ],
  }
}

export function configYaml(config: PrometheusConfig): string {
  return GENERATED_HEADER + stringify(config, { lineWidth: 0 })
}

/** Every file Prometheus reads from its config folder, by file name. */
export function renderFiles(options: ConfigOptions): Record<string, string> {
  return { 'prometheus.yml': configYaml(prometheusConfig(options)), [RULES_FILE]: rulesYaml() }
}
