// Names, ports and images of the stack, from the environment with the tutorial's defaults.
// Read once per step; a bad value stops the step before anything is touched.
import { isIP } from 'node:net'
import { fail } from './fail.ts'
import { isGrafanaUid } from '../grafana/server.ts'
import { t } from '../output/i18n.ts'
import { MAX_REPLICAS, REPLICA_PORT_STEP, replicaName } from '../triton/names.ts'

export const defaults = {
  NETWORK: 'ai-monitor-net',
  BIND_ADDRESS: '127.0.0.1',
  TRITON_CONTAINER: 'triton',
  TRITON_IMAGE: 'nvcr.io/nvidia/tritonserver:23.05-py3',
  TRITON_HTTP_PORT: 8000,
  TRITON_GRPC_PORT: 8001,
  TRITON_METRICS_PORT: 8002,
  TRITON_REPLICAS: 1,
  MODEL: 'mnist_mlp',
  PROMETHEUS_CONTAINER: 'prometheus',
  PROMETHEUS_IMAGE: 'prom/prometheus:v2.53.1',
  PROMETHEUS_PORT: 9090,
  PROMETHEUS_VOLUME: 'prometheus-data',
  GRAFANA_CONTAINER: 'grafana',
  GRAFANA_IMAGE: 'grafana/grafana:11.6.0',
  GRAFANA_PORT: 3000,
  GRAFANA_VOLUME: 'grafana-data',
  DATASOURCE_UID: 'triton-prometheus',
  ALERTMANAGER_CONTAINER: 'alertmanager',
  // 0.28.1, not 0.27: 0.25 to 0.27 write the webhook URL, tokens included, into their log on every
  // failed delivery, and 0.27's url_file panics on a non-2xx answer; 0.28.0 fixed both (#3800).
  ALERTMANAGER_IMAGE: 'prom/alertmanager:v0.28.1',
  ALERTMANAGER_PORT: 9093,
  ALERTMANAGER_DATASOURCE_UID: 'triton-alertmanager',
} as const

type Env = NodeJS.ProcessEnv

function text(env: Env, name: keyof typeof defaults): string {
  const value = env[name]?.trim()
  return value ? value : String(defaults[name])
}

function dockerName(env: Env, name: keyof typeof defaults): string {
  const value = text(env, name)
  // Docker's own rule for container, network and volume names.
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(value)) {
    throw fail(
      t('{name}="{value}" is not a valid Docker name', { name, value }),
      t('use letters, digits, "_", "." or "-", e.g. {name}={defaults}', { name, defaults: defaults[name] }),
      2,
    )
  }
  return value
}

function port(env: Env, name: keyof typeof defaults): number {
  const raw = text(env, name)
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < 1 || value > 65535) {
    throw fail(
      t('{name}="{raw}" is not a TCP port', { name, raw }),
      t('set {name} to a number from 1 to 65535, or unset it for {defaults}', { name, defaults: defaults[name] }),
      2,
    )
  }
  return value
}

function replicaCount(env: Env): number {
  const raw = text(env, 'TRITON_REPLICAS')
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < 1 || value > MAX_REPLICAS) {
    throw fail(
      t('TRITON_REPLICAS="{raw}" is not a replica count', { raw }),
      t('set it to a whole number from 1 to {MAX_REPLICAS}, or unset it for one Triton', { MAX_REPLICAS }),
      2,
    )
  }
  return value
}

/** One Triton container of the stack: its name and the host ports it publishes. */
export interface TritonReplica {
  name: string
  httpPort: number
  grpcPort: number
  metricsPort: number
}

/** The highest first-replica port that leaves room for `count` replicas. */
const maxBase = (count: number) => 65536 - (count - 1) * REPLICA_PORT_STEP

/**
 * Replica k publishes the configured ports plus (k - 1) × REPLICA_PORT_STEP. Refused before
 * anything runs: a scheme that leaves the TCP range, or that gives one port to two replicas
 * (TRITON_GRPC_PORT=8010 with two replicas, say).
 */
function replicas(container: string, ports: Omit<TritonReplica, 'name'>, count: number): TritonReplica[] {
  const list = Array.from({ length: count }, (_, i) => ({
    name: replicaName(container, i + 1),
    httpPort: ports.httpPort + i * REPLICA_PORT_STEP,
    grpcPort: ports.grpcPort + i * REPLICA_PORT_STEP,
    metricsPort: ports.metricsPort + i * REPLICA_PORT_STEP,
  }))
  const owner = new Map<number, string>()
  for (const replica of list) {
    for (const port of [replica.httpPort, replica.grpcPort, replica.metricsPort]) {
      // Two settings of one replica on one port are assertDistinctPorts's to name, by their variables.
      const clash = owner.get(port) === replica.name ? undefined : owner.get(port)
      if (port > 65535 || clash) {
        throw fail(
          clash
            ? t('with TRITON_REPLICAS={count}, host port {port} would be published by both {clash} and {name}', {
                count,
                port,
                clash,
                name: replica.name,
              })
            : t('with TRITON_REPLICAS={count}, {name} would publish port {port}, past 65535', {
                count,
                name: replica.name,
                port,
              }),
          t(
            'replica k publishes TRITON_HTTP_PORT, TRITON_GRPC_PORT and ' +
              'TRITON_METRICS_PORT plus (k-1)×{REPLICA_PORT_STEP}: keep those three less ' +
              'than {REPLICA_PORT_STEP} apart (8000, 8001, 8002) and under {maxBase}, or ' +
              'lower TRITON_REPLICAS',
            { REPLICA_PORT_STEP, maxBase: maxBase(count) },
          ),
          2,
        )
      }
      owner.set(port, replica.name)
    }
  }
  return list
}

function address(env: Env): string {
  const value = text(env, 'BIND_ADDRESS')
  if (!isIP(value)) {
    throw fail(
      t('BIND_ADDRESS="{value}" is not an IP address', { value }),
      t('use 127.0.0.1 (this machine only, the default) or 0.0.0.0 (every interface)'),
      2,
    )
  }
  return value
}

function image(env: Env, name: keyof typeof defaults): string {
  const value = text(env, name)
  if (/\s/.test(value) || value.startsWith('-')) {
    throw fail(
      t('{name}="{value}" is not an image reference', { name, value }),
      t('use repository:tag, e.g. {defaults}', { defaults: defaults[name] }),
      2,
    )
  }
  return value
}

function grafanaUid(env: Env, name: keyof typeof defaults): string {
  const value = text(env, name)
  // Grafana's own rule, checked here, before any call.
  if (!isGrafanaUid(value)) {
    throw fail(
      t('{name}="{value}" is not a Grafana uid', { name, value }),
      t('use up to 40 letters, digits, "_" or "-", e.g. {name}={defaults}', { name, defaults: defaults[name] }),
      2,
    )
  }
  return value
}

/** One setting of the stack as read: the variable that sets it and its value. */
export interface Setting<T> {
  variable: keyof typeof defaults
  value: T
  /** For a value derived from the variable's (a replica past the first): which, and how. */
  derived?: string
}

/** A setting as a person reads it: `TRITON_HTTP_PORT`, or `TRITON_HTTP_PORT (triton-2: +10)`. */
export const settingLabel = (s: Setting<unknown>): string => (s.derived ? `${s.variable} (${s.derived})` : s.variable)

export function loadConfig(env: Env = process.env) {
  const bind = address(env)
  // Every image, container and host port of the stack, recorded as it is read: `make doctor`
  // checks them all, so a service added below is checked with no second list to keep in step.
  const stack = {
    images: [] as Setting<string>[],
    containers: [] as Setting<string>[],
    /** Host ports published on `bind`. */
    ports: [] as Setting<number>[],
  }
  const record = <T>(list: Setting<T>[], variable: keyof typeof defaults, value: T, derived?: string) => {
    list.push({ variable, value, ...(derived ? { derived } : {}) })
    return value
  }
  const containerName = (name: keyof typeof defaults) => record(stack.containers, name, dockerName(env, name))
  const imageRef = (name: keyof typeof defaults) => record(stack.images, name, image(env, name))
  const hostPort = (name: keyof typeof defaults) => record(stack.ports, name, port(env, name))
  const tritonContainer = containerName('TRITON_CONTAINER')
  const tritonPorts = {
    httpPort: hostPort('TRITON_HTTP_PORT'),
    grpcPort: hostPort('TRITON_GRPC_PORT'),
    metricsPort: hostPort('TRITON_METRICS_PORT'),
  }
  const tritonReplicas = replicas(tritonContainer, tritonPorts, replicaCount(env))
  // Replicas past the first publish ports and take names derived from those settings: recorded
  // under them, so `make doctor` checks every replica and names the setting that moves it.
  for (const replica of tritonReplicas.slice(1)) {
    const derived = `${replica.name}: +${replica.httpPort - tritonPorts.httpPort}`
    record(stack.containers, 'TRITON_CONTAINER', replica.name)
    record(stack.ports, 'TRITON_HTTP_PORT', replica.httpPort, derived)
    record(stack.ports, 'TRITON_GRPC_PORT', replica.grpcPort, derived)
    record(stack.ports, 'TRITON_METRICS_PORT', replica.metricsPort, derived)
  }
  return {
    network: dockerName(env, 'NETWORK'),
    bind,
    /** Where a published port is reached from this machine: an "any" address by its family's loopback. */
    host: bind === '0.0.0.0' ? '127.0.0.1' : bind === '::' ? '::1' : bind,
    model: text(env, 'MODEL'),
    triton: {
      /** Name of the first replica, and the network alias every replica answers to. */
      container: tritonContainer,
      image: imageRef('TRITON_IMAGE'),
      /** Host ports of the first replica. */
      ...tritonPorts,
      /** Every replica, the first one first (TRITON_REPLICAS, default 1). */
      replicas: tritonReplicas,
    },
    prometheus: {
      container: containerName('PROMETHEUS_CONTAINER'),
      image: imageRef('PROMETHEUS_IMAGE'),
      port: hostPort('PROMETHEUS_PORT'),
      /**
       * Folder the generated prometheus.yml and rules.yml are written to, mounted at /etc/prometheus;
       * unset, `prometheus` in the state folder (never the committed prometheus/, which is source).
       */
      configDir: env.PROMETHEUS_CONFIG_DIR?.trim() || undefined,
      /** Named volume of its time series (/prometheus): a recreated container keeps its history. */
      volume: dockerName(env, 'PROMETHEUS_VOLUME'),
    },
    grafana: {
      container: containerName('GRAFANA_CONTAINER'),
      image: imageRef('GRAFANA_IMAGE'),
      port: hostPort('GRAFANA_PORT'),
      volume: dockerName(env, 'GRAFANA_VOLUME'),
    },
    datasourceUid: grafanaUid(env, 'DATASOURCE_UID'),
    alertmanager: {
      container: containerName('ALERTMANAGER_CONTAINER'),
      image: imageRef('ALERTMANAGER_IMAGE'),
      port: hostPort('ALERTMANAGER_PORT'),
      /** Your own alertmanager.yml instead of the generated one (ALERTMANAGER_CONFIG); unset, the generated one. */
      configFile: env.ALERTMANAGER_CONFIG?.trim() || undefined,
      /** Uid of Grafana's Alertmanager datasource (06-datasource), so its Alerting pages show the stack's alerts. */
      datasourceUid: grafanaUid(env, 'ALERTMANAGER_DATASOURCE_UID'),
    },
    stack,
  }
}

export type Config = ReturnType<typeof loadConfig>

/** The stack's host ports by number: a number with more than one setting is a duplicate. */
export function portsByNumber(config: Config): Map<number, Setting<number>[]> {
  const byPort = new Map<number, Setting<number>[]>()
  for (const p of config.stack.ports) byPort.set(p.value, [...(byPort.get(p.value) ?? []), p])
  return byPort
}

/**
 * Two settings with the same host port cannot both be published: refused before anything is
 * touched, named as the duplicate it is (docker would only say "port is already allocated").
 */
export function assertDistinctPorts(config: Config): void {
  for (const [port, settings] of portsByNumber(config)) {
    if (settings.length < 2) continue
    const names = settings.map(settingLabel)
    const last = settings[settings.length - 1]!.variable
    throw fail(
      t('{names} are the same port ({port}): each published port needs a number of its own', {
        names: names.join(t(' and ')),
        port,
      }),
      t('set {last} to another free port, or unset it for {defaults}', { last, defaults: defaults[last] }),
      2,
    )
  }
}

/** `http://127.0.0.1:8000`, for reaching a published port from this machine. */
export function url(config: Config, port: number): string {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  return `http://${host}:${port}`
}
