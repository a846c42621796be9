// Throughput of the load step against the Triton stand-in's infer endpoint, beside peers in the
// same run: autocannon (a dedicated HTTP load generator) at the same concurrency and duration, at
// C=8 and C=64; the two clients the step could use, its hand-written keep-alive client
// (lib/triton/keepalive.ts) and undici's Pool (Node's own HTTP client library), in the same
// closed loop in this process, and what each costs a fresh process to send its first request; and
// the tutorial's way, one new process per request.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'
import { Pool } from 'undici'
import { nodeBundle } from '../../build.ts'
import { loadHeldout } from '../../scripts/lib/triton/heldout.ts'
import { encodeRequest, KeepAliveConnection } from '../../scripts/lib/triton/keepalive.ts'
import { startTritonStandin } from '../helpers/triton-standin.ts'
import { builtStep, line, median, pairedRatio, ratio, wallMs } from './measure.ts'

const CONCURRENCIES = [8, 64]
const DURATION_S = 3
/**
 * Rounds of each pair compared. This machine's speed drifts by a third within a minute (a shared
 * host), so one generator's best run against another's says little: each ratio is the median over
 * rounds of the two generators' runs in the same round, next to each other in time.
 */
const ROUNDS = 6
/** The hand-written client stays only if it beats undici by this much, in throughput or in start-up. */
const CLEAR_MARGIN = 1.1
const PROCESS_REQUESTS = 20
/** Fresh processes per client for the start-up comparison, alternating. */
const STARTS = 7

interface AutocannonResult {
  '2xx': number
  non2xx: number
  errors: number
  duration: number
  latency: { p50: number; p99: number }
}
const autocannon = createRequire(import.meta.url)('autocannon') as (options: object) => Promise<AutocannonResult>

interface LoadResult {
  requests: number
  errors: number
  qps: number
  latency_ms: { p50: number; p99: number }
}

function loadStep(url: string, concurrency: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        builtStep('08-load'),
        '--url',
        url,
        '--concurrency',
        String(concurrency),
        '--duration',
        String(DURATION_S),
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'], timeout: (DURATION_S + 60) * 1000 },
    )
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk
    })
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(stdout) as LoadResult) : reject(new Error(`08-load exited ${code}`)),
    )
  })
}

const triton = await startTritonStandin({ modelRepository: 'models' })
try {
  const inferUrl = `${triton.httpUrl}/v2/models/mnist_mlp/infer`
  const body = JSON.stringify({
    inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: Array.from(loadHeldout().inputs[0]!) }],
    outputs: [{ name: 'probabilities' }],
  })

  const infer = new URL(inferUrl)
  const headers = { 'content-type': 'application/json' }
  /** Requests per second of `concurrency` workers each sending with `send` one after another for DURATION_S. */
  const closedLoop = async (concurrency: number, send: (worker: number) => Promise<void>) => {
    const until = performance.now() + DURATION_S * 1000
    let done = 0
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        while (performance.now() < until) {
          await send(worker)
          done++
        }
      }),
    )
    return done / DURATION_S
  }
  const keepAliveQps = async (concurrency: number) => {
    const request = encodeRequest(infer, 'POST', headers, Buffer.from(body))
    const connections = Array.from({ length: concurrency }, () => new KeepAliveConnection(infer, 10_000))
    try {
      return await closedLoop(concurrency, async (worker) => {
        const { status } = await connections[worker]!.send(request)
        if (status !== 200) throw new Error(`HTTP ${status}`)
      })
    } finally {
      for (const c of connections) c.close()
    }
  }
  const undiciQps = async (concurrency: number) => {
    const pool = new Pool(infer.origin, { connections: concurrency })
    try {
      return await closedLoop(concurrency, async () => {
        const answer = await pool.request({ path: infer.pathname, method: 'POST', headers, body })
        await answer.body.text()
        if (answer.statusCode !== 200) throw new Error(`HTTP ${answer.statusCode}`)
      })
    } finally {
      await pool.close()
    }
  }

  const cannon = (concurrency: number) =>
    autocannon({ url: inferUrl, method: 'POST', headers, body, connections: concurrency, duration: DURATION_S })
  /**
   * `a` and `b` in turn, the order reversed every other round (a b, b a, a b, ...): neither
   * always meets the server right after the same neighbour, and a drift over the rounds moves both.
   */
  const inTurns = async <A, B>(a: () => Promise<A>, b: () => Promise<B>) => {
    const runs = { a: [] as A[], b: [] as B[] }
    for (let round = 0; round < ROUNDS; round++) {
      const first = round % 2 === 0
      if (first) runs.a.push(await a())
      runs.b.push(await b())
      if (!first) runs.a.push(await a())
    }
    return runs
  }

  let step: LoadResult | undefined
  for (const concurrency of CONCURRENCIES) {
    // The stand-in's JIT warms up over its first few thousand answers: not a generator's round.
    await cannon(concurrency)
    const runs = await inTurns(
      () => loadStep(triton.httpUrl, concurrency),
      () => cannon(concurrency),
    )
    const stepQps = runs.a.map((s) => s.qps)
    const cannonQps = runs.b.map((c) => c['2xx'] / c.duration)
    // The round with the middle throughput (the upper one of an even count) stands for the latencies.
    const typical = <T>(all: T[], qps: number[]) => all[qps.indexOf([...qps].sort((x, y) => x - y)[ROUNDS >> 1]!)]!
    const s = typical(runs.a, stepQps)
    const c = typical(runs.b, cannonQps)
    step ??= s
    const setting = `C=${concurrency}, ${DURATION_S} s, median of ${ROUNDS}`
    line(
      `load step (${setting})`,
      `${median(stepQps).toFixed(0)} req/s, p50 ${s.latency_ms.p50} ms, p99 ${s.latency_ms.p99} ms, ${s.errors} errors`,
    )
    line(
      `autocannon (${setting})`,
      `${median(cannonQps).toFixed(0)} req/s, p50 ${c.latency.p50} ms, p99 ${c.latency.p99} ms, ` +
        `${c.non2xx + c.errors} errors`,
    )
    line(`load step / autocannon, C=${concurrency}`, pairedRatio(stepQps, cannonQps, { op: '>=', value: 1 }))

    const clients = await inTurns(
      () => keepAliveQps(concurrency),
      () => undiciQps(concurrency),
    )
    line(`keepalive.ts client, closed loop (${setting})`, `${median(clients.a).toFixed(0)} req/s`)
    line(`undici Pool, closed loop (${setting})`, `${median(clients.b).toFixed(0)} req/s`)
    line(
      `keepalive.ts / undici Pool, C=${concurrency}`,
      `${pairedRatio(clients.a, clients.b, { op: '>=', value: CLEAR_MARGIN })} (kept only with a clear margin)`,
    )
  }

  // What each client costs a fresh process (08-load is one) up to its first answer, and to exit:
  // undici compiles its WebAssembly HTTP parser, and Node waits for that at exit.
  const work = mkdtempSync(join(tmpdir(), 'load-bench-'))
  try {
    const keepAliveModule = join(work, 'keepalive.mjs')
    await build({ ...nodeBundle, entryPoints: ['scripts/lib/triton/keepalive.ts'], outfile: keepAliveModule })
    const firstAnswer = {
      keepAlive:
        `const { encodeRequest, KeepAliveConnection } = await import(${JSON.stringify(keepAliveModule)});` +
        `const url = new URL(process.env.URL); const c = new KeepAliveConnection(url, 10000);` +
        `const r = await c.send(encodeRequest(url, 'POST', { 'content-type': 'application/json' }, Buffer.from(process.env.BODY)));` +
        `c.close(); if (r.status !== 200) process.exit(1)`,
      undici:
        `const { request } = await import(${JSON.stringify(resolve('node_modules/undici/index.js'))});` +
        `const r = await request(process.env.URL, ` +
        `{ method: 'POST', headers: { 'content-type': 'application/json' }, body: process.env.BODY });` +
        `await r.body.text(); if (r.statusCode !== 200) process.exit(1)`,
    }
    const env = { ...process.env, URL: inferUrl, BODY: body }
    const starts = { keepAlive: [] as number[], undici: [] as number[] }
    for (let i = 0; i < STARTS; i++) {
      for (const client of ['keepAlive', 'undici'] as const) {
        starts[client].push(wallMs(process.execPath, ['--input-type=module', '-e', firstAnswer[client]], 30_000, env))
      }
    }
    const [keepAliveStart, undiciStart] = [median(starts.keepAlive), median(starts.undici)]
    line(`keepalive.ts, a fresh process's first request (median of ${STARTS})`, `${keepAliveStart.toFixed(0)} ms`)
    line(`undici, a fresh process's first request (median of ${STARTS})`, `${undiciStart.toFixed(0)} ms`)
    line(
      'undici / keepalive.ts, start-up',
      `${ratio(undiciStart, keepAliveStart, { op: '>=', value: CLEAR_MARGIN })} ` +
        '(keepalive.ts kept: every 08-load pays this, a converged make all too)',
    )
  } finally {
    rmSync(work, { recursive: true, force: true })
  }

  // The tutorial's loop: a fresh interpreter per request, one after another.
  const oneShot =
    `fetch(${JSON.stringify(inferUrl)}, { method: 'POST', body: process.env.BODY })` +
    `.then((r) => { if (!r.ok) process.exit(1); return r.text() })`
  const env = { ...process.env, BODY: body }
  const perProcess = (command: string, args: string[]) => {
    let total = 0
    for (let i = 0; i < PROCESS_REQUESTS; i++) total += wallMs(command, args, 30_000, env)
    return PROCESS_REQUESTS / (total / 1000)
  }
  const nodeQps = perProcess(process.execPath, ['-e', oneShot])
  line(`one node process per request (${PROCESS_REQUESTS}, sequential)`, `${nodeQps.toFixed(1)} req/s`)
  line('load step / one process per request', ratio(step!.qps, nodeQps))
  if (spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0) {
    const curlQps = perProcess('curl', [
      '-sf',
      '-o',
      '/dev/null',
      '-H',
      'content-type: application/json',
      '--data-binary',
      body,
      inferUrl,
    ])
    line(`one curl process per request (${PROCESS_REQUESTS}, sequential)`, `${curlQps.toFixed(1)} req/s`)
    line('load step / one curl per request', ratio(step!.qps, curlQps))
  }
} finally {
  await triton.stop()
}
