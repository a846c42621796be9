// What an end-to-end suite needs to run the steps against the real Docker engine next to other
// suites: names and host ports of its own, the local images, commands run with that environment,
// and a cleanup that removes everything the suite's names point to, also after a failure.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPLICA_PORT_STEP } from '../../scripts/lib/triton/names.ts'
import { runProcess, type Result } from './process.ts'

export type { Result }

/**
 * Ports handed out to this test run, across the suites running in parallel: one file per port in
 * a folder of this user's, naming the process that holds it. Asking the kernel for a free port
 * (listen on 0, close) can give the same one twice, and gives it from the range outgoing
 * connections use too; these come from below it (Linux's ephemeral range starts at 32768).
 */
const RESERVED = join(tmpdir(), `triton-monitoring-test-ports-${process.getuid?.() ?? 'user'}`)
const FIRST_PORT = 20_000
const LAST_PORT = 32_000
/** Ports of this process, released when it exits; a dead process's are taken back by the next. */
const mine = new Set<number>()
process.once('exit', () => {
  for (const port of mine) rmSync(join(RESERVED, String(port)), { force: true })
})

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Takes `port` for this process unless another live one holds it; the file is created exclusively. */
function reserve(port: number): boolean {
  mkdirSync(RESERVED, { recursive: true, mode: 0o700 })
  const file = join(RESERVED, String(port))
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' })
      mine.add(port)
      return true
    } catch {
      const holder = Number(readFileSync(file, { encoding: 'utf8', flag: 'r' }) || 0)
      if (holder === process.pid || alive(holder)) return false
      rmSync(file, { force: true })
    }
  }
  return false
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** A start point per process, so parallel suites rarely probe the same ports first. */
let next = FIRST_PORT + ((process.pid * 97) % (LAST_PORT - FIRST_PORT))

/**
 * `count` ports `base + offsets[i]`, reserved for this run and free right now: never handed out
 * twice, in one suite or across suites.
 */
async function reserveBlock(offsets: number[]): Promise<number> {
  const span = Math.max(...offsets)
  for (let attempt = 0; attempt < 500; attempt++) {
    const base = next
    next = next + span + 1 > LAST_PORT ? FIRST_PORT : next + span + 1
    if (base + span > LAST_PORT) continue
    const ports = offsets.map((o) => base + o)
    const taken: number[] = []
    for (const port of ports) {
      if (!reserve(port)) break
      taken.push(port)
    }
    if (taken.length === ports.length && (await Promise.all(ports.map(portFree))).every(Boolean)) return base
    for (const port of taken) {
      // Kept reserved when something else listens there: nobody in this run should try it again.
      if (await portFree(port)) {
        rmSync(join(RESERVED, String(port)), { force: true })
        mine.delete(port)
      }
    }
  }
  throw new Error(`no free block of ports in ${FIRST_PORT}-${LAST_PORT} (reservations in ${RESERVED})`)
}

/** One port for this run, free now and handed out to no one else in it. */
export function freePort(): Promise<number> {
  return reserveBlock([0])
}

/**
 * Host ports for `replicas` Triton replicas in the stack's scheme (replica k: the three ports
 * plus (k - 1) × REPLICA_PORT_STEP), each of them free right now.
 */
export async function freeReplicaPorts(replicas: number): Promise<Record<string, string>> {
  const offsets = Array.from({ length: replicas }, (_, k) => [0, 1, 2].map((i) => i + k * REPLICA_PORT_STEP)).flat()
  const base = await reserveBlock(offsets)
  return {
    TRITON_HTTP_PORT: String(base),
    TRITON_GRPC_PORT: String(base + 1),
    TRITON_METRICS_PORT: String(base + 2),
  }
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
    PROMETHEUS_VOLUME: `${id}-prometheus-data`,
    PROMETHEUS_CONFIG_DIR: configDir,
    STATE_DIR: stateDir,
    BIND_ADDRESS: '127.0.0.1',
    ...(await freeReplicaPorts(1)),
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
      spawnSync('docker', ['volume', 'rm', env.GRAFANA_VOLUME!, env.PROMETHEUS_VOLUME!], { stdio: 'ignore' })
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
  const log = join(folder, 'docker-argv.log')
  const bin = dockerShim(folder, (real) => `#!/bin/sh\nprintf '%s\\n' "$*" >> "${log}"\nexec "${real}" "$@"\n`)
  return { bin, log }
}

/**
 * Writes `folder/bin/docker`, the script `script(real)` makes from the real client's path, and
 * returns the `bin` folder to put first on a step's PATH: a docker that does more than docker.
 */
export function dockerShim(folder: string, script: (real: string) => string): string {
  const real = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim()
  if (!real) throw new Error('no docker client on PATH')
  const bin = join(folder, 'bin')
  mkdirSync(bin, { recursive: true })
  writeFileSync(join(bin, 'docker'), script(real))
  chmodSync(join(bin, 'docker'), 0o755)
  return bin
}

/** The id of a container or network, or undefined when there is none. */
export function dockerId(kind: 'container' | 'network', name: string): string | undefined {
  const result = spawnSync('docker', [kind, 'inspect', '--format', '{{.Id}}', name], { encoding: 'utf8' })
  return result.status === 0 ? result.stdout.trim() : undefined
}
