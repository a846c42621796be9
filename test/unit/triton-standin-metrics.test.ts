// The Triton stand-in's /metrics against Triton 23.05: the families of a real CPU-only scrape
// (test/reference/triton/metrics-23.12-cpu-only.txt minus families added after 23.05) with the same TYPE,
// HELP and label names; no GPU families; summaries only when enabled, shaped like the 23.05 docs;
// counters moving exactly as Triton's do; promtool parsing it; the endpoint's method/path rules.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadHeldout } from '../../scripts/lib/triton/heldout.ts'
import { fail } from '../../scripts/lib/step/fail.ts'
import { waitFor } from '../../scripts/lib/step/poll.ts'
import { CpuMonitor, formatValue } from '../standins/triton/metrics.ts'
import { addFragileModel, addMnist, tempRepository, type TempRepository } from '../helpers/model-repository.ts'
import { startTritonStandin, type TritonStandin } from '../helpers/triton-standin.ts'
import { tritonReference } from '../helpers/paths.ts'

/** Families a 23.12 scrape has that 23.05 does not (core r23.05 registers no `nv_inference_pending_request_count`). */
const ADDED_AFTER_23_05 = ['nv_inference_pending_request_count']

interface Sample {
  name: string
  labels: [string, string][]
  value: string
}
interface Family {
  name: string
  help?: string
  type?: string
  samples: Sample[]
}

/** Prometheus text format, kept in order: families as they come, labels in written order. */
function parseExposition(text: string): Family[] {
  const families: Family[] = []
  const family = (name: string) => {
    let f = families.at(-1)
    if (!f || f.name !== name) {
      f = { name, samples: [] }
      families.push(f)
    }
    return f
  }
  for (const line of text.split('\n').filter(Boolean)) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line)
    if (meta) {
      const f = family(meta[2]!)
      if (meta[1] === 'HELP') f.help = meta[3]
      else f.type = meta[3]
      continue
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    assert.ok(m, `sample line: ${line}`)
    const name = m[1]!
    const base = families.at(-1)?.type === 'summary' ? name.replace(/_(count|sum)$/, '') : name
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(
      (l): [string, string] => [l[1]!, l[2]!],
    )
    family(base).samples.push({ name, labels, value: m[3]! })
  }
  return families
}

const heldout = loadHeldout()
let repo: TempRepository
let triton: TritonStandin

const scrape = async (t: TritonStandin = triton, path = '/metrics') => {
  const res = await fetch(t.metricsUrl + path)
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') }
}
/** The value of `name{model=…}` in the current scrape. */
async function value(name: string, model: string): Promise<number> {
  const families = parseExposition((await scrape()).text)
  const sample = families
    .flatMap((f) => f.samples)
    .find(
      (s) =>
        s.name === name &&
        s.labels.some(([k, v]) => k === 'model' && v === model) &&
        !s.labels.some(([k]) => k === 'quantile'),
    )
  assert.ok(sample, `${name}{model="${model}"} present`)
  return Number(sample.value)
}
const infer = (model: string, body: unknown) =>
  fetch(`${triton.httpUrl}/v2/models/${model}/infer`, { method: 'POST', body: JSON.stringify(body) })
const mnistBody = (n: number) => ({
  inputs: [
    {
      name: 'input',
      datatype: 'FP32',
      shape: [n, 784],
      data: heldout.inputs.slice(0, n).flatMap((r) => Array.from(r)),
    },
  ],
})
const fragileBody = (k: number) => ({
  inputs: [{ name: 'x', datatype: 'FP32', shape: [1, k], data: Array.from({ length: k }, (_, i) => i) }],
})

interface ModelStats {
  execution_count: number
  inference_count: number
  inference_stats: { success: { count: number } }
  batch_stats: { batch_size: number; compute_infer: { count: number } }[]
}

const COUNTERS = [
  'nv_inference_request_success',
  'nv_inference_request_failure',
  'nv_inference_count',
  'nv_inference_exec_count',
  'nv_inference_request_duration_us',
  'nv_inference_queue_duration_us',
  'nv_inference_compute_input_duration_us',
  'nv_inference_compute_infer_duration_us',
  'nv_inference_compute_output_duration_us',
]

test.before(async () => {
  repo = tempRepository()
  addMnist(repo.dir)
  addFragileModel(repo.dir, 'fragile')
  triton = await startTritonStandin({ modelRepository: repo.dir, args: ['--metrics-config', 'summary_latencies=true'] })
})
test.after(async () => {
  await triton?.stop()
  repo?.remove()
})

test('every per-model series exists at load with value 0', async () => {
  for (const model of ['mnist_mlp', 'fragile']) {
    for (const name of COUNTERS) assert.is(await value(name, model), 0, `${name}{model="${model}"}`)
  }
})

test('families, TYPE, HELP and label names equal a real CPU-only scrape minus families added after 23.05', async () => {
  const reference = parseExposition(readFileSync(tritonReference('metrics-23.12-cpu-only.txt'), 'utf8'))
    // Non-nv_ families there are a model's own custom metrics, not Triton's.
    .filter((f) => f.name.startsWith('nv_') && !ADDED_AFTER_23_05.includes(f.name))
  const { text } = await scrape(await defaultStandin())
  const ours = parseExposition(text)
  assert.equal(
    ours.map((f) => f.name),
    reference.map((f) => f.name),
  )
  for (const [i, f] of ours.entries()) {
    const ref = reference[i]!
    assert.is(f.type, ref.type, `${f.name} TYPE`)
    assert.is(f.help, ref.help, `${f.name} HELP`)
    const labelNames = (fam: Family) => [...new Set(fam.samples.map((s) => s.labels.map(([k]) => k).join(',')))]
    assert.equal(labelNames(f), labelNames(ref), `${f.name} label names`)
  }
})

let defaultInstance: TritonStandin | undefined
/** A stand-in with Triton's default metric flags on the real models/ repository. */
async function defaultStandin(): Promise<TritonStandin> {
  defaultInstance ??= await startTritonStandin({ modelRepository: 'models' })
  return defaultInstance
}

test('no GPU families without a GPU; no summaries unless enabled', async () => {
  const { text } = await scrape(await defaultStandin())
  assert.not.match(text, /nv_gpu_|nv_energy_consumption/)
  assert.not.match(text, /_summary_us/)
  assert.match(text, /^nv_cpu_utilization \S+$/m)
  await defaultInstance!.stop()
  defaultInstance = undefined
})

test('summaries with summary_latencies=true: shaped like the 23.05 docs example', async () => {
  const docs = parseExposition(readFileSync(tritonReference('metrics-23.05-docs-summary.txt'), 'utf8')).find(
    (f) => f.name === 'nv_inference_queue_summary_us',
  )!
  const families = parseExposition((await scrape()).text)
  const summaries = families.filter((f) => f.type === 'summary').map((f) => f.name)
  assert.equal(summaries, [
    'nv_inference_request_summary_us',
    'nv_inference_queue_summary_us',
    'nv_inference_compute_input_summary_us',
    'nv_inference_compute_infer_summary_us',
    'nv_inference_compute_output_summary_us',
  ])
  const queue = families.find((f) => f.name === 'nv_inference_queue_summary_us')!
  assert.is(queue.help, docs.help)
  const shape = (f: Family, model: string) =>
    f.samples
      .filter((s) => s.labels.some(([k, v]) => k === 'model' && v === model))
      .map((s) => `${s.name}{${s.labels.map(([k, v]) => (k === 'quantile' ? `${k}=${v}` : k)).join(',')}}`)
  assert.equal(shape(queue, 'mnist_mlp'), shape(docs, 'my_model'))
  // Summaries come last, after counters and gauges, as prometheus-cpp writes them.
  const types = families.map((f) => f.type)
  assert.equal(
    types,
    [...types].sort(
      (a, b) => ['counter', 'gauge', 'summary'].indexOf(a!) - ['counter', 'gauge', 'summary'].indexOf(b!),
    ),
  )
})

test('k successes and f backend failures: success, failure, inference and execution counts exactly', async () => {
  const batches = [1, 2, 3, 1]
  for (const n of batches) assert.is((await infer('mnist_mlp', mnistBody(n))).status, 200)
  for (let i = 0; i < 3; i++) assert.is((await infer('fragile', fragileBody(3))).status, 400)
  for (let i = 0; i < 2; i++) assert.is((await infer('fragile', fragileBody(4))).status, 200)
  assert.is(await value('nv_inference_request_success', 'mnist_mlp'), batches.length)
  assert.is(await value('nv_inference_request_failure', 'mnist_mlp'), 0)
  assert.is(await value('nv_inference_count', 'mnist_mlp'), 7)
  assert.is(await value('nv_inference_exec_count', 'mnist_mlp'), batches.length)
  assert.is(await value('nv_inference_request_success', 'fragile'), 2)
  assert.is(await value('nv_inference_request_failure', 'fragile'), 3)
  // A failed execution counts no inference and no execution, and adds no duration.
  assert.is(await value('nv_inference_count', 'fragile'), 2)
  assert.is(await value('nv_inference_exec_count', 'fragile'), 2)
})

test('requests rejected before the backend are not failures (Triton 23.05 counts only backend failures)', async () => {
  const failures = await value('nv_inference_request_failure', 'mnist_mlp')
  const success = await value('nv_inference_request_success', 'mnist_mlp')
  const bad = [
    { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 783], data: Array(783).fill(0) }] },
    { inputs: [{ name: 'input', datatype: 'INT32', shape: [1, 784], data: Array(784).fill(0) }] },
    { ...mnistBody(1), outputs: [{ name: 'logits' }] },
  ]
  for (const body of bad) assert.is((await infer('mnist_mlp', body)).status, 400)
  assert.is((await fetch(`${triton.httpUrl}/v2/models/mnist_mlp/infer`, { method: 'POST', body: '{' })).status, 400)
  assert.is(await value('nv_inference_request_failure', 'mnist_mlp'), failures)
  assert.is(await value('nv_inference_request_success', 'mnist_mlp'), success)
})

test('durations: positive, request >= queue + compute parts, summaries sum to the counters', async () => {
  const us = async (part: string) => value(`nv_inference_${part}_us`, 'mnist_mlp')
  const request = await us('request_duration')
  const parts = await Promise.all(
    ['queue_duration', 'compute_input_duration', 'compute_infer_duration', 'compute_output_duration'].map(us),
  )
  assert.ok(request > 0)
  assert.ok(parts[1]! > 0 && parts[2]! > 0, `compute input/infer > 0: ${parts}`)
  assert.ok(parts.every((p) => p >= 0))
  assert.ok(request >= parts.reduce((a, b) => a + b, 0), `${request} >= ${parts.join(' + ')}`)
  for (const [counter, summary] of [
    ['request_duration', 'request_summary'],
    ['queue_duration', 'queue_summary'],
    ['compute_infer_duration', 'compute_infer_summary'],
  ] as const) {
    assert.is(await value(`nv_inference_${summary}_us_sum`, 'mnist_mlp'), await us(counter))
    assert.is(
      await value(`nv_inference_${summary}_us_count`, 'mnist_mlp'),
      await value('nv_inference_request_success', 'mnist_mlp'),
    )
  }
  // Failed executions add nothing: fragile's durations come from its 2 successes only.
  assert.is(await value('nv_inference_request_summary_us_count', 'fragile'), 2)
  assert.is(
    await value('nv_inference_request_summary_us_sum', 'fragile'),
    await value('nv_inference_request_duration_us', 'fragile'),
  )
})

test('concurrent requests: batched by the dynamic batcher, counters agree with the statistics extension', async () => {
  const before = {
    success: await value('nv_inference_request_success', 'mnist_mlp'),
    count: await value('nv_inference_count', 'mnist_mlp'),
    exec: await value('nv_inference_exec_count', 'mnist_mlp'),
  }
  const replies = await Promise.all(Array.from({ length: 12 }, () => infer('mnist_mlp', mnistBody(1))))
  assert.ok(replies.every((r) => r.status === 200))
  const exec = (await value('nv_inference_exec_count', 'mnist_mlp')) - before.exec
  assert.is((await value('nv_inference_request_success', 'mnist_mlp')) - before.success, 12)
  assert.is((await value('nv_inference_count', 'mnist_mlp')) - before.count, 12)
  assert.ok(exec >= 1 && exec <= 12, `executions ${exec}`)
  const stats = (
    (await (await fetch(`${triton.httpUrl}/v2/models/mnist_mlp/stats`)).json()) as { model_stats: ModelStats[] }
  ).model_stats[0]!
  assert.is(stats.execution_count, await value('nv_inference_exec_count', 'mnist_mlp'))
  assert.is(stats.inference_count, await value('nv_inference_count', 'mnist_mlp'))
  assert.is(stats.inference_stats.success.count, await value('nv_inference_request_success', 'mnist_mlp'))
  const batched = stats.batch_stats.reduce((n, b) => n + b.batch_size * b.compute_infer.count, 0)
  assert.is(batched, stats.inference_count)
})

test('promtool parses the exposition; its only findings are the naming lints real Triton output gets', async () => {
  const lints = (text: string) => {
    const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
    assert.ok(run.status === 0 || run.status === 3, `promtool exit ${run.status}: ${run.stderr}${run.stdout}`)
    return (run.stdout + run.stderr).split('\n').filter(Boolean)
  }
  const ours = lints((await scrape()).text)
  assert.ok(ours.length > 0)
  const naming = new RegExp(
    `^(\\S+) (${[
      'counter metrics should have "_total" suffix',
      'metric names should not contain abbreviated units',
      'non-histogram and non-summary metrics should not have "_count" suffix',
      "metric name should not include type 'summary'",
    ].join('|')})$`,
  )
  for (const line of ours) assert.match(line, naming)
  const real = new Set(lints(readFileSync(tritonReference('metrics-23.12-cpu-only.txt'), 'utf8')))
  for (const line of ours.filter((l) => !l.includes('_summary_us ')))
    assert.ok(real.has(line), `also reported for real Triton: ${line}`)
  // A line promtool cannot parse is an error (exit 1), not a lint.
  const broken = spawnSync('promtool', ['check', 'metrics'], { input: 'nv_x{model="a" 1\n', encoding: 'utf8' })
  assert.is(broken.status, 1)
})

test('metrics endpoint: GET only (405), path /metrics/? only (400), text/plain', async () => {
  for (const path of ['/metrics', '/metrics/', '/metrics?name[]=nv_cpu_utilization']) {
    const r = await scrape(triton, path)
    assert.is(r.status, 200, path)
    assert.is(r.type, 'text/plain; charset=utf-8')
  }
  for (const path of ['/', '/metric', '/metrics/x', '/metricsx']) {
    const r = await scrape(triton, path)
    assert.is(r.status, 400, path)
    assert.is(r.text, '', path)
  }
  const post = await fetch(`${triton.metricsUrl}/metrics`, { method: 'POST', body: '' })
  assert.is(post.status, 405)
  assert.equal(await post.json(), { error: 'Method Not Allowed' })
})

test(
  '--allow-cpu-metrics=false and counter_latencies=false drop their families, ' +
    'summary_quantiles sets the quantiles; --allow-metrics=false drops the port',
  async () => {
    const quiet = await startTritonStandin({
      modelRepository: 'models',
      args: [
        '--allow-cpu-metrics=false',
        '--metrics-config=counter_latencies=false',
        '--metrics-config',
        'summary_latencies=true',
        '--metrics-config',
        'summary_quantiles=0.25:0.01,0.75:0.01',
      ],
    })
    try {
      const families = parseExposition((await scrape(quiet)).text)
      assert.equal(
        families.filter((f) => f.type !== 'summary').map((f) => f.name),
        [
          'nv_inference_request_success',
          'nv_inference_request_failure',
          'nv_inference_count',
          'nv_inference_exec_count',
        ],
      )
      const quantiles = families
        .find((f) => f.name === 'nv_inference_queue_summary_us')!
        .samples.flatMap((s) => s.labels.filter(([k]) => k === 'quantile').map(([, v]) => v))
      assert.equal(quantiles, ['0.25', '0.75'])
    } finally {
      await quiet.stop()
    }
    const none = await startTritonStandin({ modelRepository: 'models', args: ['--allow-metrics=false'] })
    try {
      assert.is(none.metricsUrl, '')
      assert.is((await fetch(`${none.httpUrl}/v2/health/ready`)).status, 200)
    } finally {
      await none.stop()
    }
  },
)

test('CPU metrics: gauges at 0 until the first poll, then /proc every interval/2 like core metrics.cc', async () => {
  const proc = mkdtempSync(join(tmpdir(), 'fake-proc-'))
  const cpu = new CpuMonitor(proc)
  const until = (what: string, done: () => boolean) =>
    waitFor(async () => done(), {
      what,
      timeoutMs: 5000,
      intervalMs: 10,
      onTimeout: () => fail(`${what}: ${JSON.stringify(cpu.sample)}`, 'see CpuMonitor.poll'),
    })
  try {
    const write = (busy: number, idle: number, iowait: number, available: number) => {
      writeFileSync(join(proc, 'stat'), `cpu  ${busy} 0 0 ${idle} ${iowait} 0 0 0 0 0\ncpu0 1 0 0 1 0 0 0 0 0 0\n`)
      writeFileSync(
        join(proc, 'meminfo'),
        `MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    ${available} kB\n`,
      )
    }
    write(100, 900, 0, 600)
    cpu.start(40)
    assert.equal(cpu.sample, { utilization: 0, totalBytes: 0, usedBytes: 0 })
    write(130, 960, 10, 250)
    await until('first poll', () => cpu.sample.usedBytes === 768_000)
    assert.equal(cpu.sample, { utilization: 0.3, totalBytes: 1_024_000, usedBytes: 768_000 })
    write(150, 1040, 10, 250)
    await until('next poll', () => cpu.sample.utilization !== 0.3)
    cpu.stop()
    assert.is(cpu.sample.utilization, 0.2)
  } finally {
    rmSync(proc, { recursive: true, force: true })
  }
  const memTotal = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024
  const text = await waitFor(
    async () => {
      const { text } = await scrape()
      return /^nv_cpu_memory_total_bytes [1-9]/m.test(text) && text
    },
    {
      what: 'first CPU poll',
      timeoutMs: 10_000,
      intervalMs: 100,
      onTimeout: () => fail('nv_cpu_memory_total_bytes stayed 0', 'see CpuMonitor.start'),
    },
  )
  assert.match(text, new RegExp(`^nv_cpu_memory_total_bytes ${memTotal}$`, 'm'))
  const utilization = Number(/^nv_cpu_utilization (\S+)$/m.exec(text)![1])
  assert.ok(utilization >= 0 && utilization <= 1)
})

test('values print like prometheus-cpp: 16 significant digits, Nan, +Inf', () => {
  assert.is(formatValue(2), '2')
  assert.is(formatValue(16861294592), '16861294592')
  assert.is(formatValue(0.02255639097744361), '0.02255639097744361')
  assert.is(formatValue(0.1 + 0.2), '0.3')
  assert.is(formatValue(1e-5), '1e-05')
  // biome-ignore lint/correctness/noPrecisionLoss: a value past 2^53 is the point of this case
  assert.is(formatValue(123456789012345678), '1.234567890123457e+17')
  assert.is(formatValue(NaN), 'Nan')
  assert.is(formatValue(Infinity), '+Inf')
})

test.run()
