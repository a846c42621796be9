// Runs Debian's real Prometheus as a child process on a free loopback port, with its config and
// data in temp folders, and queries it over its HTTP API. For tests that must prove PromQL on
// the real engine rather than on a reimplementation.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fail } from '../../scripts/lib/step/fail.ts'
import { waitFor } from '../../scripts/lib/step/poll.ts'
import { freePort } from './docker-suite.ts'

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN || '/usr/bin/prometheus'
const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000
const PORT_ATTEMPTS = 3

export interface PrometheusOptions {
  /**
   * Files of the config folder by name, `prometheus.yml` among them; gets the address Prometheus
   * listens on (for a self-scrape target). Default: no scrape targets at all.
   */
  files?: (self: string) => Record<string, string>
  /** A TSDB folder to serve (e.g. written by `promtool tsdb create-blocks-from`); kept on stop. */
  dataDir?: string
  args?: string[]
}

/** One series of an instant query: labels and value (NaN stays NaN). */
export interface Sample {
  metric: Record<string, string>
  value: number
}
/** One series of a range query: labels and [unix seconds, value] points. */
export interface Series {
  metric: Record<string, string>
  values: [number, number][]
}

export interface Prometheus {
  url: string
  pid: number
  query(expr: string, time?: number): Promise<Sample[]>
  queryRange(expr: string, start: number, end: number, stepSeconds: number): Promise<Series[]>
  /** Waits until Prometheus has targets and every one of them is up. */
  waitForTargets(timeoutMs: number): Promise<void>
  stop(): Promise<void>
}

interface ApiAnswer<T> {
  status: 'success' | 'error'
  data: T
  error?: string
  errorType?: string
}

async function api<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) })
  const body = (await response.json()) as ApiAnswer<T>
  if (body.status !== 'success')
    throw new Error(`Prometheus ${body.errorType ?? response.status}: ${body.error ?? ''} (${url})`)
  return body.data
}

async function launch(configDir: string, dataDir: string, args: string[], files: PrometheusOptions['files']) {
  const port = await freePort()
  const self = `127.0.0.1:${port}`
  const written = files?.(self) ?? { 'prometheus.yml': 'global:\n  scrape_interval: 1s\n' }
  for (const [name, text] of Object.entries(written)) writeFileSync(join(configDir, name), text)
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${join(configDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=${self}`,
      ...args,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let log = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    log = (log + chunk).slice(-20_000)
  })
  // A test that crashes must not leave a server behind.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', killOnExit)
      resolve(code)
    }),
  )
  return { child, exited, url: `http://${self}`, log: () => log }
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}

export async function startPrometheus(options: PrometheusOptions = {}): Promise<Prometheus> {
  const configDir = mkdtempSync(join(tmpdir(), 'prometheus-config-'))
  const ownData = options.dataDir === undefined
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'prometheus-data-'))
  const cleanup = () => {
    rmSync(configDir, { recursive: true, force: true })
    if (ownData) rmSync(dataDir, { recursive: true, force: true })
  }

  try {
    for (let attempt = 1; ; attempt++) {
      const run = await launch(configDir, dataDir, options.args ?? [], options.files)
      let gone = false
      void run.exited.then(() => {
        gone = true
      })
      try {
        await waitFor(
          async () => {
            if (gone) throw new Error('exited')
            const response = await fetch(`${run.url}/-/ready`)
            return response.ok
          },
          {
            what: 'Prometheus ready',
            timeoutMs: START_TIMEOUT_MS,
            onTimeout: () =>
              fail(
                `Prometheus did not become ready in ${START_TIMEOUT_MS / 1000} s:\n${run.log()}`,
                'see its log above',
              ),
          },
        )
        if (gone) throw new Error('exited')
      } catch (error) {
        await stopChild(run.child, run.exited)
        // Another process can take the port between our probe and Prometheus's bind.
        if (/address already in use/.test(run.log()) && attempt < PORT_ATTEMPTS) continue
        throw fail(
          `Prometheus (${PROMETHEUS_BIN}) did not start: ${(error as Error).message}\n${run.log()}`,
          'install it with test/setup/system.sh (Debian package prometheus) or set PROMETHEUS_BIN',
        )
      }
      return handle(run, cleanup)
    }
  } catch (error) {
    cleanup()
    throw error
  }
}

/** A target as `/api/v1/targets` lists it, the fields tests look at. */
export interface ActiveTarget {
  labels: Record<string, string>
  scrapeUrl: string
  health: string
  lastScrape: string
}

/** An alert as `/api/v1/alerts` lists it. */
export interface ActiveAlert {
  labels: Record<string, string>
  annotations: Record<string, string>
  state: 'pending' | 'firing'
  value: string
}

/** Queries of the HTTP API of any Prometheus: a child process here, or a container of the stack. */
export function prometheusApi(url: string) {
  const number = (v: string) => Number(v) // "NaN", "+Inf" → NaN, Infinity
  return {
    async query(expr: string, time?: number): Promise<Sample[]> {
      const params = new URLSearchParams({ query: expr, ...(time === undefined ? {} : { time: String(time) }) })
      const data = await api<{
        resultType: string
        result: { metric: Record<string, string>; value: [number, string] }[]
      }>(`${url}/api/v1/query?${params}`)
      if (data.resultType !== 'vector')
        throw new Error(`expected an instant vector from ${expr}, got ${data.resultType}`)
      return data.result.map((r) => ({ metric: r.metric, value: number(r.value[1]) }))
    },
    async queryRange(expr: string, start: number, end: number, stepSeconds: number): Promise<Series[]> {
      const params = new URLSearchParams({
        query: expr,
        start: String(start),
        end: String(end),
        step: String(stepSeconds),
      })
      const data = await api<{ result: { metric: Record<string, string>; values: [number, string][] }[] }>(
        `${url}/api/v1/query_range?${params}`,
      )
      return data.result.map((r) => ({
        metric: r.metric,
        values: r.values.map(([t, v]) => [t, number(v)] as [number, number]),
      }))
    },
    async activeTargets(): Promise<ActiveTarget[]> {
      return (await api<{ activeTargets: ActiveTarget[] }>(`${url}/api/v1/targets?state=active`)).activeTargets
    },
    async alerts(): Promise<ActiveAlert[]> {
      return (await api<{ alerts: ActiveAlert[] }>(`${url}/api/v1/alerts`)).alerts
    },
  }
}

function handle(run: Awaited<ReturnType<typeof launch>>, cleanup: () => void): Prometheus {
  const { url, child } = run
  const { query, queryRange, activeTargets } = prometheusApi(url)
  return {
    url,
    pid: child.pid!,
    query,
    queryRange,
    async waitForTargets(timeoutMs) {
      await waitFor(
        async () => {
          const targets = await activeTargets()
          return targets.length > 0 && targets.every((t) => t.health === 'up')
        },
        {
          what: 'Prometheus targets up',
          timeoutMs,
          onTimeout: (last) =>
            fail(
              `Prometheus targets not up in ${timeoutMs / 1000} s (${String(last)})\n${run.log()}`,
              'check the scrape config and that the target answers',
            ),
        },
      )
    },
    async stop() {
      await stopChild(child, run.exited)
      cleanup()
    },
  }
}
