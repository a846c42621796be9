// Throughput of the load step against the Triton stand-in's infer endpoint, beside two peers in
// the same run: autocannon (a dedicated HTTP load generator) at the same concurrency and
// duration, and the tutorial's way, one new process per request.
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { loadHeldout } from '../../scripts/lib/triton/heldout.ts'
import { startTritonStandin } from '../helpers/triton-standin.ts'
import { builtStep, line, ratio, wallMs } from './measure.ts'

const CONCURRENCY = 8
const DURATION_S = 5
const ROUNDS = 3
const PROCESS_REQUESTS = 20

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

function loadStep(url: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--enable-source-maps',
        builtStep('08-load'),
        '--url',
        url,
        '--concurrency',
        String(CONCURRENCY),
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

  // Alternate the two generators and keep each one's best round: the machine is shared.
  let step: LoadResult | undefined
  let cannon: AutocannonResult | undefined
  for (let round = 0; round < ROUNDS; round++) {
    const s = await loadStep(triton.httpUrl)
    if (!step || s.qps > step.qps) step = s
    const c = await autocannon({
      url: inferUrl,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections: CONCURRENCY,
      duration: DURATION_S,
    })
    if (!cannon || c['2xx'] / c.duration > cannon['2xx'] / cannon.duration) cannon = c
  }
  const cannonQps = cannon!['2xx'] / cannon!.duration
  const setting = `C=${CONCURRENCY}, ${DURATION_S} s, best of ${ROUNDS}`
  line(
    `load step (${setting})`,
    `${step!.qps.toFixed(0)} req/s, p50 ${step!.latency_ms.p50} ms, p99 ${step!.latency_ms.p99} ms, ${step!.errors} errors`,
  )
  line(
    `autocannon (${setting})`,
    `${cannonQps.toFixed(0)} req/s, p50 ${cannon!.latency.p50} ms, p99 ${cannon!.latency.p99} ms, ` +
      `${cannon!.non2xx + cannon!.errors} errors`,
  )
  line('load step / autocannon', ratio(step!.qps, cannonQps, { op: '>=', value: 0.9 }))

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
