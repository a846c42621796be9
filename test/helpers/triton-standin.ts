// Starts the Triton stand-in (test/standins/triton/main.ts) as a child process on ephemeral
// loopback ports and resolves once `/v2/health/ready` answers 200. The bound ports come from
// the stand-in's own "Started HTTPService at …" log lines, so concurrent suites never race for
// a port they picked beforehand.
import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { waitFor } from '../../scripts/lib/step/poll.ts'
import { fail } from '../../scripts/lib/step/fail.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const MAIN = fileURLToPath(new URL('../standins/triton/main.ts', import.meta.url))
const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 10_000

export interface TritonStandin {
  /** e.g. `http://127.0.0.1:41234` (KServe v2 API). */
  httpUrl: string
  /** e.g. `http://127.0.0.1:41235` (append `/metrics`); empty with `--allow-metrics=false`. */
  metricsUrl: string
  pid: number
  stop(): Promise<void>
}

export async function startTritonStandin(
  opts: {
    modelRepository?: string
    args?: string[]
    /** Extra environment, e.g. `TRITON_STANDIN_LOAD_DELAY_MS` for models that load after the server is up. */
    env?: Record<string, string>
    /** `live`: return once the server answers, while its models may still load (default `ready`). */
    until?: 'ready' | 'live'
  } = {},
): Promise<TritonStandin> {
  const args = opts.args ?? []
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      MAIN,
      // The caller's relative path is relative to the caller; the default is the project's models/.
      '--model-repository',
      opts.modelRepository ? resolve(opts.modelRepository) : join(ROOT, 'models'),
      '--http-address',
      '127.0.0.1',
      '--http-port',
      '0',
      '--metrics-port',
      '0',
      ...args,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  )
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk
  })
  let exited: number | null | undefined
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = code ?? (signal ? -1 : null)
      resolve()
    }),
  )
  // A test that crashes must not leave a server behind.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)

  const stop = async () => {
    process.off('exit', killOnExit)
    if (exited !== undefined) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await exit
    clearTimeout(timer)
  }

  const metricsDisabled = /--allow-metrics[= ](false|off|0)\b/i.test(args.join(' '))
  const bound = (service: string) => new RegExp(`Started ${service} at [^\\s:]+:(\\d+)`).exec(output)?.[1]
  try {
    const urls = await waitFor(
      async () => {
        if (exited !== undefined)
          throw fail(
            `the Triton stand-in exited (code ${exited}) before it was ready:\n${output}`,
            'fix the arguments or the model repository',
          )
        const http = bound('HTTPService')
        const metrics = bound('Metrics Service')
        if (!http || (!metrics && !metricsDisabled)) return undefined
        const httpUrl = `http://127.0.0.1:${http}`
        const res = await fetch(`${httpUrl}/v2/health/${opts.until ?? 'ready'}`)
        await res.arrayBuffer()
        return res.status === 200 ? { httpUrl, metricsUrl: metrics ? `http://127.0.0.1:${metrics}` : '' } : undefined
      },
      {
        what: 'Triton stand-in ready',
        timeoutMs: START_TIMEOUT_MS,
        intervalMs: 100,
        onTimeout: (last) =>
          fail(
            `the Triton stand-in was not ready within ${START_TIMEOUT_MS / 1000} s (${String(last)}):\n${output}`,
            'look at its log above',
          ),
      },
    )
    return { ...urls, pid: child.pid!, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * Runs `use` against a stand-in serving the project's models/ whose models start loading `delayMs`
 * after it answers (Triton's LOADING state meanwhile), and stops it afterwards.
 */
export async function withLoadingStandin(
  delayMs: number,
  use: (triton: TritonStandin) => Promise<void>,
): Promise<void> {
  const triton = await startTritonStandin({ env: { TRITON_STANDIN_LOAD_DELAY_MS: String(delayMs) }, until: 'live' })
  try {
    await use(triton)
  } finally {
    await triton.stop()
  }
}
