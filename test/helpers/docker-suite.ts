// What an end-to-end suite needs to run the steps against the real Docker engine next to other
// suites: names and host ports of its own, the local images, commands run with that environment,
// and a cleanup that removes everything the suite's names point to, also after a failure.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPLICA_PORT_STEP } from '../../scripts/lib/triton/names.ts'
import { runProcess, type Result } from './process.ts'

export type { Result }

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/**
 * Host ports for `replicas` Triton replicas in the stack's scheme (replica k: the three ports
 * plus (k - 1) × REPLICA_PORT_STEP), each of them free right now.
 */
export async function freeReplicaPorts(replicas: number): Promise<Record<string, string>> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await freePort()
    if (base + 2 + (replicas - 1) * REPLICA_PORT_STEP > 65535) continue
    const ports = Array.from({ length: replicas }, (_, k) => [0, 1, 2].map((i) => base + i + k * REPLICA_PORT_STEP))
    if ((await Promise.all(ports.flat().map(portFree))).every(Boolean)) {
      return {
        TRITON_HTTP_PORT: String(base),
        TRITON_GRPC_PORT: String(base + 1),
        TRITON_METRICS_PORT: String(base + 2),
      }
    }
  }
  throw new Error(`no free block of ports for ${replicas} Triton replicas`)
}

/** Runs a command in the repository with `env` added; killed after `timeoutMs`. */
export function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 300_000,
): Promise<Result> {
  return runProcess(command, args, { env, timeoutMs })
}

/** Runs a bundled step (dist/scripts/<name>.mjs) with the suite's environment. */
export function runStep(
  name: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs?: number,
): Promise<Result> {
  return run(process.execPath, [join('dist/scripts', `${name}.mjs`), ...args], env, timeoutMs)
}

/** `make -s images`, parsed from its `export NAME=ref` lines: `{ TRITON_IMAGE: '…', … }`. */
export async function buildImages(): Promise<Record<string, string>> {
  const result = await run('make', ['-s', 'images'], {})
  if (result.code !== 0) throw new Error(`make images failed:\n${result.text}`)
  return Object.fromEntries([...result.stdout.matchAll(/^export (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]))
}

export interface SuiteEnv {
  env: Record<string, string>
  containers: string[]
  network: string
  volume: string
  configDir: string
  /** The suite's own state folder (STATE_DIR): steps never write into the checkout's .state. */
  stateDir: string
  /** Removes every container, network, volume and folder the suite's names point to. */
  cleanup(): void
}

/** Names unique to this suite and run, free host ports, and a config folder of its own. */
export async function suiteEnv(suite: string): Promise<SuiteEnv> {
  const id = `tm-${suite}-${process.pid}`
  const configDir = mkdtempSync(join(tmpdir(), `${id}-prometheus-`))
  // A state folder of its own: steps record their outcomes there, never in the checkout's .state.
  const stateDir = mkdtempSync(join(tmpdir(), `${id}-state-`))
  const containers = [`${id}-triton`, `${id}-prometheus`, `${id}-grafana`, `${id}-alertmanager`]
  const env: Record<string, string> = {
    NETWORK: `${id}-net`,
    TRITON_CONTAINER: containers[0]!,
    PROMETHEUS_CONTAINER: containers[1]!,
    GRAFANA_CONTAINER: containers[2]!,
    ALERTMANAGER_CONTAINER: containers[3]!,
    GRAFANA_VOLUME: `${id}-grafana-data`,
    PROMETHEUS_CONFIG_DIR: configDir,
    STATE_DIR: stateDir,
    BIND_ADDRESS: '127.0.0.1',
    TRITON_HTTP_PORT: String(await freePort()),
    TRITON_GRPC_PORT: String(await freePort()),
    TRITON_METRICS_PORT: String(await freePort()),
    PROMETHEUS_PORT: String(await freePort()),
    GRAFANA_PORT: String(await freePort()),
    ALERTMANAGER_PORT: String(await freePort()),
    // Messages are matched in English.
    LANG: 'C.UTF-8',
    LC_ALL: '',
    LANGUAGE: '',
  }
  return {
    env,
    containers,
    network: env.NETWORK!,
    volume: env.GRAFANA_VOLUME!,
    configDir,
    stateDir,
    cleanup() {
      spawnSync('docker', ['rm', '--force', '--volumes', ...containers], { stdio: 'ignore' })
      spawnSync('docker', ['network', 'rm', env.NETWORK!], { stdio: 'ignore' })
      spawnSync('docker', ['volume', 'rm', env.GRAFANA_VOLUME!], { stdio: 'ignore' })
      rmSync(configDir, { recursive: true, force: true })
      rmSync(stateDir, { recursive: true, force: true })
    },
  }
}

/**
 * A `docker` that writes each argv it is called with to `log`, then runs the real one: put `bin`
 * first on a suite's PATH to prove no secret was ever passed on a docker command line.
 */
export function dockerArgvRecorder(folder: string): { bin: string; log: string } {
  const real = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim()
  const bin = join(folder, 'bin')
  const log = join(folder, 'docker-argv.log')
  mkdirSync(bin, { recursive: true })
  writeFileSync(join(bin, 'docker'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${log}"\nexec "${real}" "$@"\n`)
  chmodSync(join(bin, 'docker'), 0o755)
  return { bin, log }
}

/** The id of a container or network, or undefined when there is none. */
export function dockerId(kind: 'container' | 'network', name: string): string | undefined {
  const result = spawnSync('docker', [kind, 'inspect', '--format', '{{.Id}}', name], { encoding: 'utf8' })
  return result.status === 0 ? result.stdout.trim() : undefined
}
