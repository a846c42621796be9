// `tritonserver` stand-in: same flags as Triton 23.05's CLI (unimplemented ones accepted and
// ignored), ONNX models served on CPU with onnxruntime-node, KServe v2 HTTP on --http-port and
// Prometheus metrics on --metrics-port. Port 0 binds an ephemeral port; the "Started …" log
// lines give the bound address, as Triton's do.
//   npm run standin:triton -- --model-repository=models [--http-port 8000] [--metrics-port 8002]
// Deliberately not Triton: no gRPC/SageMaker/Vertex listeners; onnxruntime_onnx models only
// (auto-complete fills a config only when it has no inputs and outputs); no shared-memory, trace, logging or model-control
// endpoints, classification or compressed bodies; statistics are recorded just before the HTTP
// reply (Triton: just after), so a scrape that follows a reply always counts it.
import { readdirSync, statSync, existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { CpuMonitor } from './metrics.ts'
import { DEFAULT_QUANTILES } from './stats.ts'
import { loadModelDir, type ModelLoad } from './model.ts'
import { createHttpService, createMetricsService, Repository, TRITON_VERSION } from './server.ts'
import { table, tlog } from './log.ts'

/** Every long option of tritonserver r23.05 (command_line_parser.cc); `false` = takes no value. */
const FLAGS: Record<string, boolean> = Object.fromEntries<boolean>(
  [
    'log-verbose',
    'log-info',
    'log-warning',
    'log-error',
    'log-format',
    'log-file',
    'id',
    'model-store',
    'model-repository',
    'exit-on-error',
    'strict-model-config',
    'strict-readiness',
    'allow-http',
    'http-address',
    'http-port',
    'reuse-http-port',
    'http-header-forward-pattern',
    'http-thread-count',
    'allow-grpc',
    'grpc-address',
    'grpc-port',
    'reuse-grpc-port',
    'grpc-header-forward-pattern',
    'grpc-infer-allocation-pool-size',
    'grpc-use-ssl',
    'grpc-use-ssl-mutual',
    'grpc-server-cert',
    'grpc-server-key',
    'grpc-root-cert',
    'grpc-infer-response-compression-level',
    'grpc-keepalive-time',
    'grpc-keepalive-timeout',
    'grpc-keepalive-permit-without-calls',
    'grpc-http2-max-pings-without-data',
    'grpc-http2-min-recv-ping-interval-without-data',
    'grpc-http2-max-ping-strikes',
    'grpc-restricted-protocol',
    'allow-sagemaker',
    'sagemaker-port',
    'sagemaker-safe-port-range',
    'sagemaker-thread-count',
    'allow-vertex-ai',
    'vertex-ai-port',
    'vertex-ai-thread-count',
    'vertex-ai-default-model',
    'allow-metrics',
    'allow-gpu-metrics',
    'allow-cpu-metrics',
    'metrics-address',
    'metrics-port',
    'metrics-interval-ms',
    'metrics-config',
    'trace-file',
    'trace-level',
    'trace-rate',
    'trace-count',
    'trace-log-frequency',
    'trace-config',
    'model-control-mode',
    'repository-poll-secs',
    'load-model',
    'model-load-thread-count',
    'model-namespacing',
    'pinned-memory-pool-byte-size',
    'cuda-memory-pool-byte-size',
    'cuda-virtual-address-size',
    'min-supported-compute-capability',
    'buffer-manager-thread-count',
    'backend-directory',
    'backend-config',
    'repoagent-directory',
    'rate-limit',
    'rate-limit-resource',
    'host-policy',
    'cache-config',
    'cache-directory',
    'response-cache-byte-size',
    'exit-timeout-secs',
  ]
    .map((f): [string, boolean] => [f, true])
    .concat([
      ['disable-auto-complete-config', false],
      ['help', false],
    ]),
)

class UsageError extends Error {}

function usage(): string {
  return (
    'Usage: tritonserver [options]\n' +
    Object.entries(FLAGS)
      .map(([f, arg]) => `  --${f}${arg ? ' <value>' : ''}`)
      .join('\n')
  )
}

/** getopt_long semantics: `--flag value` or `--flag=value`, repeatable, no positionals. */
export function parseArgv(argv: string[]): Map<string, string[]> {
  const values = new Map<string, string[]>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith('--')) throw new UsageError(`Unexpected argument: ${arg}`)
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq < 0 ? undefined : eq)
    const takes = FLAGS[name]
    if (takes === undefined) throw new UsageError(`tritonserver: unrecognized option '${arg}'`)
    let value = ''
    if (takes) {
      if (eq >= 0) value = arg.slice(eq + 1)
      else if (i + 1 < argv.length) value = argv[++i]!
      else throw new UsageError(`tritonserver: option '${arg}' requires an argument`)
    } else if (eq >= 0) {
      throw new UsageError(`tritonserver: option '--${name}' doesn't allow an argument`)
    }
    values.set(name, [...(values.get(name) ?? []), value])
  }
  return values
}

function boolOption(flags: Map<string, string[]>, name: string, fallback: boolean): boolean {
  const raw = flags.get(name)?.at(-1)
  if (raw === undefined) return fallback
  const v = raw.toLowerCase()
  if (['true', 'on', '1'].includes(v)) return true
  if (['false', 'off', '0'].includes(v)) return false
  throw new UsageError(`invalid value for bool option: ${raw}`)
}

function intOption(flags: Map<string, string[]>, name: string, fallback: number, min = 0): number {
  const raw = flags.get(name)?.at(-1)
  if (raw === undefined) return fallback
  const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN
  if (!Number.isFinite(value)) throw new UsageError(`invalid argument for --${name}: ${raw}`)
  if (value < min) throw new UsageError(`--${name} must be >= ${min}, got ${raw}`)
  return value
}

/** `--metrics-config k=v` pairs; 23.05 knows counter_latencies, summary_latencies, summary_quantiles. */
function metricsConfig(flags: Map<string, string[]>) {
  const settings = new Map<string, string>()
  for (const entry of flags.get('metrics-config') ?? []) {
    const eq = entry.indexOf('=')
    if (eq <= 0) throw new UsageError(`--metrics-config option format is '<setting>=<value>'. Got ${entry}`)
    settings.set(entry.slice(0, eq), entry.slice(eq + 1))
  }
  const asBool = (key: string, fallback: boolean) => {
    const v = settings.get(key)
    if (v === undefined) return fallback
    if (v === 'true' || v === 'false') return v === 'true'
    throw new UsageError(`invalid value for bool option: ${v}`)
  }
  // `summary_quantiles=0.5:0.05,0.9:0.01`: quantile:error pairs.
  const quantilesText = settings.get('summary_quantiles')
  const summaryQuantiles =
    quantilesText === undefined
      ? DEFAULT_QUANTILES
      : quantilesText.split(',').map((pair): [number, number] => {
          const [q, e] = pair.split(':').map((v) => (v.trim() === '' ? NaN : Number(v)))
          if (!(q! >= 0 && q! <= 1 && e! >= 0 && e! <= 1))
            throw new UsageError(`invalid summary_quantiles '${quantilesText}', expected e.g. 0.5:0.05,0.9:0.01`)
          return [q!, e!]
        })
  return {
    counterLatencies: asBool('counter_latencies', true),
    summaryLatencies: asBool('summary_latencies', false),
    summaryQuantiles,
  }
}

/**
 * TRITON_STANDIN_LOAD_DELAY_MS (a test knob, not a tritonserver option): the models start loading
 * this long after the HTTP and metrics services are up. Until they are loaded the server answers
 * like Triton 23.05 for a model in the LOADING state (the state a model is in while Triton loads it
 * after a repository poll or a load request): not ready, and GET /v2/models/<m> answers 400
 * "Request for unknown model: '<m>' has no available versions" (core r23.05 model_lifecycle.cc
 * GetModel, prefixed by model_repository_manager.cc; server http_server.cc answers every error 400).
 */
function loadDelayMs(): number {
  const raw = process.env.TRITON_STANDIN_LOAD_DELAY_MS
  if (raw === undefined || raw === '') return 0
  if (!/^\d+$/.test(raw)) throw new UsageError(`TRITON_STANDIN_LOAD_DELAY_MS must be whole milliseconds, got ${raw}`)
  return Number(raw)
}

/** The version a model's default policy (latest 1) loads: its newest numeric folder, 1 without one. */
function newestVersion(dir: string): number {
  const versions = readdirSync(dir).filter((e) => /^\d+$/.test(e) && statSync(join(dir, e)).isDirectory())
  return versions.length ? Math.max(...versions.map(Number)) : 1
}

function listen(server: Server, port: number, address: string): Promise<AddressInfo> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject)
    server.listen(port, address, () => resolvePromise(server.address() as AddressInfo))
  })
}

async function main(argv: string[]): Promise<number> {
  const flags = parseArgv(argv)
  if (flags.has('help')) {
    process.stdout.write(`${usage()}\n`)
    return 0
  }
  const repositories = [...(flags.get('model-repository') ?? []), ...(flags.get('model-store') ?? [])]
  const exitOnError = boolOption(flags, 'exit-on-error', true)
  const strictReadiness = boolOption(flags, 'strict-readiness', true)
  const allowHttp = boolOption(flags, 'allow-http', true)
  const allowMetrics = boolOption(flags, 'allow-metrics', true)
  const allowCpuMetrics = boolOption(flags, 'allow-cpu-metrics', true) && allowMetrics
  const allowGpuMetrics = boolOption(flags, 'allow-gpu-metrics', true)
  const httpPort = intOption(flags, 'http-port', 8000)
  const metricsPort = intOption(flags, 'metrics-port', 8002)
  const intervalMs = intOption(flags, 'metrics-interval-ms', 2000, 1)
  const exitTimeoutSecs = intOption(flags, 'exit-timeout-secs', 30)
  const httpAddress = flags.get('http-address')?.at(-1) ?? '0.0.0.0'
  const metricsAddress = flags.get('metrics-address')?.at(-1) ?? (allowHttp ? httpAddress : '0.0.0.0')
  const metricOptions = { ...metricsConfig(flags), cpu: allowCpuMetrics }
  if (repositories.length === 0) throw new UsageError('--model-repository must be specified')
  // Handlers first: a stop requested while models load or ports bind is honoured once started.
  let signalled: string | undefined
  let onSignal = (signal: string) => {
    signalled = signal
  }
  process.once('SIGINT', () => onSignal('SIGINT'))
  process.once('SIGTERM', () => onSignal('SIGTERM'))

  for (const repo of repositories) {
    if (!existsSync(repo) || !statSync(repo).isDirectory()) {
      process.stderr.write(
        'error: creating server: Invalid argument - --model-repository path is not a valid directory\n',
      )
      return 1
    }
  }

  // What 23.05 logs on a host without a GPU before it loads models.
  tlog.warn(
    'pinned_memory_manager.cc:236',
    'Unable to allocate pinned system memory, pinned memory pool will not be available: ' +
      'CUDA driver version is insufficient for CUDA runtime version',
  )
  tlog.info('cuda_memory_manager.cc:115', 'CUDA memory pool disabled')
  const dirs = repositories.flatMap((repo) =>
    readdirSync(repo)
      .filter((entry) => statSync(join(repo, entry)).isDirectory())
      .map((entry) => ({ name: entry, dir: resolve(repo, entry) })),
  )
  const duplicate = dirs.find((d, i) => dirs.findIndex((o) => o.name === d.name) !== i)
  if (duplicate) {
    process.stderr.write(`error: creating server: Internal - failed to load all models\n`)
    tlog.error(
      'model_repository_manager.cc:1234',
      `Poll failed for model directory '${duplicate.name}': model '${duplicate.name}' exists in multiple model repositories`,
    )
    return 1
  }
  const loadAll = async (): Promise<ModelLoad[]> => {
    const loads = (
      await Promise.all(
        dirs.map(async ({ name, dir }) => {
          tlog.info('model_lifecycle.cc:462', `loading: ${name}:1`)
          return loadModelDir(dir, name, metricOptions.summaryLatencies ? metricOptions.summaryQuantiles : undefined)
        }),
      )
    ).flat()
    for (const l of loads) {
      if (l.model) {
        for (const g of l.model.config.instanceGroups) {
          for (let i = 0; i < g.count; i++)
            tlog.info('onnxruntime.cc:2610', `TRITONBACKEND_ModelInstanceInitialize: ${g.name}_${i} (CPU device 0)`)
        }
        tlog.info('model_lifecycle.cc:815', `successfully loaded '${l.name}' version ${l.version}`)
      } else {
        tlog.error(
          'model_lifecycle.cc:621',
          `failed to load '${l.name}' version ${l.version}: Invalid argument: ${l.reason}`,
        )
      }
    }
    tlog.info(
      'server.cc:604',
      '\n' +
        table(
          ['Model', 'Version', 'Status'],
          loads.map((l) => [l.name, String(l.version), l.model ? 'READY' : `UNAVAILABLE: ${l.reason}`]),
        ),
    )
    return loads
  }
  const delayMs = loadDelayMs()
  // With a load delay the services answer while the models load, and a failed load stays UNAVAILABLE.
  const loads: ModelLoad[] = delayMs
    ? dirs.map(({ name, dir }) => ({ name, version: newestVersion(dir), reason: '', loading: true }))
    : await loadAll()
  if (exitOnError && loads.some((l) => !l.model && !l.loading)) {
    process.stderr.write('error: creating server: Internal - failed to load all models\n')
    return 1
  }

  if (allowMetrics && allowGpuMetrics && !process.env.TRITON_SERVER_CPU_ONLY)
    tlog.warn('metrics.cc:785', 'DCGM unable to start: DCGM initialization error')
  if (allowCpuMetrics) tlog.info('metrics.cc:757', 'Collecting CPU metrics')
  tlog.info(
    'tritonserver.cc:2387',
    '\n' +
      table(
        ['Option', 'Value'],
        [
          ['server_id', 'triton'],
          ['server_version', TRITON_VERSION],
          [
            'server_extensions',
            'classification sequence model_repository model_repository(unload_dependents) schedule_policy ' +
              'model_configuration system_shared_memory cuda_shared_memory binary_tensor_data parameters statistics ' +
              'trace logging',
          ],
          ...repositories.map((r, i) => [`model_repository_path[${i}]`, r]),
          ['model_control_mode', 'MODE_NONE'],
          ['strict_model_config', '0'],
          ['rate_limit', 'OFF'],
          ['pinned_memory_pool_byte_size', '268435456'],
          ['min_supported_compute_capability', '6.0'],
          ['strict_readiness', strictReadiness ? '1' : '0'],
          ['exit_timeout', String(exitTimeoutSecs)],
          ['cache_enabled', '0'],
        ],
      ),
  )

  const repo = new Repository(loads)
  const servers: Server[] = []
  const cpu = allowCpuMetrics ? new CpuMonitor() : undefined
  cpu?.start(intervalMs)
  try {
    if (allowHttp) {
      const http = createHttpService(repo, { strictReadiness })
      servers.push(http)
      const bound = await listen(http, httpPort, httpAddress)
      tlog.info('http_server.cc:3477', `Started HTTPService at ${httpAddress}:${bound.port}`)
    }
    if (allowMetrics) {
      const metrics = createMetricsService(repo, cpu, metricOptions)
      servers.push(metrics)
      const bound = await listen(metrics, metricsPort, metricsAddress)
      tlog.info('http_server.cc:184', `Started Metrics Service at ${metricsAddress}:${bound.port}`)
    }
  } catch (error) {
    tlog.error('main.cc:258', `failed to start service: ${(error as Error).message}`)
    process.stderr.write('error: creating server: Unavailable - Socket already in use\n')
    return 1
  }
  if (delayMs) {
    setTimeout(() => {
      loadAll().then((loaded) => {
        repo.loads = loaded
      })
    }, delayMs)
  }

  await new Promise<void>((resolveStop) => {
    // Like Triton: stop accepting, let in-flight requests finish, give up after --exit-timeout-secs.
    const stop = (signal: string) => {
      tlog.info('server.cc:305', `Waiting for in-flight requests to complete. (${signal})`)
      cpu?.stop()
      let open = servers.length
      if (open === 0) resolveStop()
      const timer = setTimeout(() => {
        for (const s of servers) s.closeAllConnections()
      }, exitTimeoutSecs * 1000)
      timer.unref()
      // Keep-alive connections turn idle as their last response goes out; close them then.
      const sweep = setInterval(() => {
        for (const s of servers) s.closeIdleConnections()
      }, 20)
      sweep.unref()
      for (const s of servers) {
        s.close(() => {
          if (--open === 0) resolveStop()
        })
      }
    }
    if (signalled) stop(signalled)
    else onSignal = stop
  })
  tlog.info('server.cc:336', 'All models are stopped, unloading models')
  return 0
}

// Explicit exit: onnxruntime's thread pools would otherwise keep the process alive after stop.
try {
  process.exit(await main(process.argv.slice(2)))
} catch (error) {
  if (!(error instanceof UsageError)) throw error
  process.stderr.write(`${error.message}\n${usage()}\n`)
  process.exit(1)
}
