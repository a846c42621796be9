// The load step against the Triton stand-in serving the committed model: accuracy through HTTP,
// the --json shape, exact request counts (checked on the server's own statistics), open-loop
// pacing that ends at --duration, honest numbers (successes only, failures by kind, what was
// dropped), a dead target backed off from and given up on, and a cause and fix for each way a
// person can get it wrong.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { freePort } from '../helpers/docker-suite.ts'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { runProcess } from '../helpers/process.ts'
import { startTritonStandin, withLoadingStandin } from '../helpers/triton-standin.ts'
import { fail } from '../../scripts/lib/step/fail.ts'
import { waitFor } from '../../scripts/lib/step/poll.ts'

const RUN_TIMEOUT_MS = 60_000
const triton = await startTritonStandin({ modelRepository: 'models' })
// The step keeps its last result here for `make report`; never the checkout's own .state.
const state = mkdtempSync(join(tmpdir(), 'load-step-state-'))

const load = (args: string[]) =>
  runProcess(process.execPath, ['--import', 'tsx', 'scripts/08-load.ts', ...args], {
    env: { LANG: 'C', LC_ALL: '', LANGUAGE: '', STATE_DIR: state },
    timeoutMs: RUN_TIMEOUT_MS,
  })

interface Result {
  requests: number
  ok: number
  errors: number
  error_kinds: Record<string, number>
  dropped: number
  unfinished: number
  qps: number
  duration_s: number
  latency_ms: Record<'min' | 'p50' | 'p90' | 'p95' | 'p99' | 'max', number>
  accuracy: number | null
}

async function loadJson(args: string[]): Promise<Result> {
  const run = await load(['--url', triton.httpUrl, '--json', ...args])
  assert.is(run.code, 0, run.stderr)
  const lines = run.stdout.trim().split('\n')
  assert.is(lines.length, 1, 'stdout holds exactly one JSON line')
  return JSON.parse(lines[0]!) as Result
}

async function successCount(server = triton): Promise<number> {
  const response = await fetch(`${server.httpUrl}/v2/models/mnist_mlp/stats`)
  const body = (await response.json()) as { model_stats: { inference_stats: { success: { count: number } } }[] }
  return body.model_stats.reduce((n, s) => n + s.inference_stats.success.count, 0)
}

/**
 * A server that passes the step's checks (metadata, ready) and then answers every n-th infer
 * with `bad(n)`: how the step sorts failures it cannot get from a healthy stand-in.
 */
async function faultyServer(bad: (n: number, res: http.ServerResponse) => boolean, slowOkMs = 0) {
  let n = 0
  const server = http.createServer(async (req, res) => {
    for await (const _ of req) {
      /* drain the body */
    }
    if (req.url === '/v2/models/mnist_mlp') {
      res.end(
        JSON.stringify({
          name: 'mnist_mlp',
          inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 784] }],
          outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 10] }],
        }),
      )
    } else if (req.url === '/v2/models/mnist_mlp/ready') {
      res.end()
    } else if (!bad(n++, res)) {
      if (slowOkMs) await new Promise((resolve) => setTimeout(resolve, slowOkMs))
      res.end(
        JSON.stringify({
          model_name: 'mnist_mlp',
          model_version: '1',
          outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [1, 10], data: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0] }],
        }),
      )
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(resolve))
    },
  }
}

test.after(async () => {
  await triton.stop()
  rmSync(state, { recursive: true, force: true })
})

test('every held-out digit through HTTP: >= 95% right, no errors, JSON shape', async () => {
  const result = await loadJson(['--requests', '500', '--concurrency', '4'])
  for (const key of ['requests', 'errors', 'qps', 'latency_ms', 'accuracy']) assert.ok(key in result, `key ${key}`)
  assert.equal(Object.keys(result.latency_ms), ['min', 'p50', 'p90', 'p95', 'p99', 'max'])
  assert.is(result.requests, 500)
  assert.is(result.errors, 0)
  assert.ok(result.accuracy !== null && result.accuracy >= 0.95, `accuracy ${result.accuracy}`)
  assert.ok(result.qps > 0)
  const { min, p50, p90, p95, p99, max } = result.latency_ms
  assert.ok(
    min > 0 && min <= p50 && p50 <= p90 && p90 <= p95 && p95 <= p99 && p99 <= max,
    JSON.stringify(result.latency_ms),
  )
})

test('the result is kept in the state folder for make report: what --json prints, with the model, start and histogram', async () => {
  const result = (await loadJson(['--requests', '60', '--concurrency', '2'])) as Result & {
    model: string
    started: string
    histogram: { le_ms: number; count: number }[]
  }
  assert.equal(JSON.parse(readFileSync(join(state, 'load.json'), 'utf8')), result)
  assert.is(result.model, 'mnist_mlp')
  assert.ok(Math.abs(Date.parse(result.started) - Date.now()) < 60_000, result.started)
  assert.is(
    result.histogram.reduce((n, b) => n + b.count, 0),
    60,
    'every request in one bar',
  )
  assert.ok(result.histogram.at(-1)!.le_ms >= result.latency_ms.max, 'the last bar holds the slowest')
})

test('--requests sends exactly that many, as the server counts them', async () => {
  const before = await successCount()
  const result = await loadJson(['--requests', '37', '--concurrency', '5'])
  assert.is(result.requests, 37)
  assert.is((await successCount()) - before, 37)
})

test('--rate paces an open loop: 40/s for 0.5 s schedules 20, spread over the schedule', async () => {
  const result = await loadJson(['--rate', '40', '--duration', '0.5', '--concurrency', '2'])
  // Each is answered, or was still in flight (or not yet sent) when the 0.5 s were over.
  assert.is(result.requests + result.unfinished + result.dropped, 20)
  assert.ok(result.requests >= 18, `${result.requests} answered`)
  // The 20th request is not due before 475 ms: a client ignoring --rate would finish far sooner.
  assert.ok(result.duration_s >= 0.45, `took ${result.duration_s} s`)
})

test('several endpoints in --url: round robin like a load balancer, each counted by its server, a line each', async () => {
  const second = await startTritonStandin({ modelRepository: 'models' })
  try {
    const before = [await successCount(triton), await successCount(second)]
    const run = await load(['--url', `${triton.httpUrl},${second.httpUrl}`, '--requests', '41', '--json'])
    assert.is(run.code, 0, run.stderr)
    const result = JSON.parse(run.stdout) as Result & { replicas: (Result & { name: string; url: string })[] }
    assert.is(result.requests, 41)
    assert.equal(
      result.replicas.map((r) => [r.url, r.name, r.requests, r.errors]),
      [
        [triton.httpUrl, new URL(triton.httpUrl).host, 21, 0],
        [second.httpUrl, new URL(second.httpUrl).host, 20, 0],
      ],
    )
    assert.is((await successCount(triton)) - before[0]!, 21)
    assert.is((await successCount(second)) - before[1]!, 20)
    for (const replica of result.replicas) {
      assert.equal(Object.keys(replica.latency_ms), ['min', 'p50', 'p90', 'p95', 'p99', 'max'])
      assert.ok(replica.qps > 0 && replica.latency_ms.p50 <= replica.latency_ms.p99, JSON.stringify(replica))
    }
    // Totals are the sum of the replicas, and the text report has a line for each.
    assert.ok(Math.abs(result.qps - result.replicas[0]!.qps - result.replicas[1]!.qps) <= 0.02, JSON.stringify(result))
    assert.match(run.stderr, /REPLICA\s+REQUESTS\s+QPS\s+P50 ms\s+P99 ms\s+ERRORS/)
    assert.match(
      run.stderr,
      new RegExp(`${new URL(second.httpUrl).host}\\s+20\\s+\\d+\\.\\d{2}\\s+\\d+\\.\\d{3}\\s+\\d+\\.\\d{3}\\s+0`),
    )
  } finally {
    await second.stop()
  }
})

test('one endpoint: its totals, and the same shape with one replica for machines to read', async () => {
  const result = (await loadJson(['--requests', '10'])) as Result & { replicas: Result[] }
  assert.is(result.replicas.length, 1)
  assert.is(result.replicas[0]!.requests, 10)
})

test('the report names latency percentiles and accuracy on stderr, stdout stays empty without --json', async () => {
  const run = await load(['--url', triton.httpUrl, '--requests', '20'])
  assert.is(run.code, 0, run.stderr)
  assert.is(run.stdout, '')
  assert.match(run.stderr, /p99 \d+\.\d{3}/)
  assert.match(run.stderr, /Accuracy\s+\d+\.\d+%/)
})

test('failed requests are counted by kind, reported, and make the step exit 1', async () => {
  const server = await faultyServer((n, res) => {
    if (n % 4 === 1)
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"error":"inference request batch-size must be <= 64"}')
    else if (n % 4 === 2) res.end('{"outputs":[]}')
    else if (n % 4 === 3) res.destroy()
    else return false
    return true
  })
  try {
    const run = await load(['--url', server.url, '--requests', '40', '--concurrency', '1', '--json'])
    assert.is(run.code, 1)
    const result = JSON.parse(run.stdout) as Result & { error_kinds: Record<string, number> }
    assert.is(result.requests, 40)
    assert.is(result.errors, 30)
    assert.equal(result.error_kinds, { 'HTTP 400': 10, 'wrong output': 10, connection: 10 })
    assert.match(run.stderr, /30 of 40 requests failed/)
    assert.match(run.stderr, /batch-size must be <= 64/)
  } finally {
    await server.close()
  }
})

test('a model still loading when the step starts: it waits for the model, then sends the load', async () => {
  await withLoadingStandin(3000, async (slow) => {
    // What Triton answers meanwhile, and what the step must not take for an unknown model.
    const early = await fetch(`${slow.httpUrl}/v2/models/mnist_mlp`)
    assert.match(await early.text(), /has no available versions/)
    const run = await load(['--url', slow.httpUrl, '--json', '--requests', '20'])
    assert.is(run.code, 0, run.stderr)
    assert.match(run.stderr, /model mnist_mlp is ready/)
    const result = JSON.parse(run.stdout) as Result
    assert.is(result.requests, 20)
    assert.is(result.errors, 0)
  })
})

test('a Triton that dies mid-load: backed off from, given up on within seconds, with cause and fix', async () => {
  const doomed = await startTritonStandin({ modelRepository: 'models' })
  const started = Date.now()
  const running = load(['--url', doomed.httpUrl, '--duration', '30', '--concurrency', '8', '--json'])
  try {
    // Killed once it has answered some: what `docker kill` of Triton does to a running load.
    await waitFor(
      async () => {
        const stats = await fetch(`${doomed.httpUrl}/v2/models/mnist_mlp/stats`).then(
          (r) => r.json(),
          () => undefined,
        )
        return (
          stats as { model_stats?: { inference_stats: { success: { count: number } } }[] } | undefined
        )?.model_stats?.some((m) => m.inference_stats.success.count > 50)
      },
      {
        what: 'load under way',
        timeoutMs: 30_000,
        onTimeout: () => fail('the load never reached Triton', 'see above'),
      },
    )
  } finally {
    await doomed.stop()
  }
  const killed = Date.now()
  const run = await running
  assert.is(run.code, 1, run.stderr)
  assert.ok(Date.now() - killed < 10_000, `ran ${Date.now() - killed} ms after Triton died (--duration 30)`)
  assert.match(run.stderr, /stopped accepting connections \(connection refused, 6 times in a row/)
  assert.match(run.stderr, /make triton/)
  const result = JSON.parse(run.stdout) as Result
  // No flood (before: 132,907 failing requests in 7 s): the requests in flight as it went down (a
  // shutting-down server closes its keep-alive connections in waves, with answers between them),
  // then one probe per back-off.
  assert.ok(result.error_kinds.connection! <= 50, `${result.error_kinds.connection} connection failures`)
  assert.ok(result.ok > 50)
  assert.ok(result.duration_s < (killed - started) / 1000 + 10)
})

test('--rate with --duration ends at the duration: requests it could not send in time are counted as dropped', async () => {
  const run = await load([
    '--url',
    triton.httpUrl,
    '--rate',
    '100000',
    '--duration',
    '1',
    '--concurrency',
    '2',
    '--json',
  ])
  assert.is(run.code, 0, run.stderr)
  const result = JSON.parse(run.stdout) as Result
  assert.ok(result.duration_s <= 1.05, `ran ${result.duration_s} s with --duration 1`)
  assert.ok(result.dropped > 0)
  assert.is(result.requests + result.unfinished + result.dropped, 100_000)
  assert.match(run.stderr, /requests due before the end were never sent/)
})

test('throughput and latency count successful requests only; failures are counted beside them', async () => {
  // Failures answer at once, successes after 40 ms: mixing them in would pull p50 towards 0.
  const server = await faultyServer((n, res) => {
    if (n % 2 === 0) return false
    res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"busy"}')
    return true
  }, 40)
  try {
    const run = await load(['--url', server.url, '--requests', '40', '--concurrency', '2', '--json'])
    assert.is(run.code, 1)
    const result = JSON.parse(run.stdout) as Result
    assert.equal([result.requests, result.ok, result.errors, result.error_kinds], [40, 20, 20, { 'HTTP 503': 20 }])
    // 35, not 40: the server's timer may fire a little early (libuv's clock is cached per loop
    // turn, in whole ms); a failure, answered at once, would still be far below.
    assert.ok(result.latency_ms.min >= 35, `min ${result.latency_ms.min} ms: a failure's latency was counted`)
    assert.ok(Math.abs(result.qps - result.ok / result.duration_s) < 1, `qps ${result.qps} is not ok / duration`)
    assert.match(run.stderr, /40 in [\d.]+ s: 20 ok, 20 failed/)
  } finally {
    await server.close()
  }
})

test("unknown model: exit 1, the server's reason and the models it has", async () => {
  const run = await load(['--url', triton.httpUrl, '--model', 'nope', '--requests', '1'])
  assert.is(run.code, 1)
  assert.match(run.stderr, /does not serve model "nope"/)
  assert.match(run.stderr, /mnist_mlp/)
})

test('unreachable server: exit 1, what failed and how to start Triton', async () => {
  const run = await load(['--url', `http://127.0.0.1:${await freePort()}`, '--requests', '1'])
  assert.is(run.code, 1)
  assert.match(run.stderr, /cannot reach Triton at .*connection refused/)
  assert.match(run.stderr, /make triton/)
})

test("a web page on the --url port (e.g. Grafana's 3000): exit 1, naming the answer and Triton's HTTP port", async () => {
  const server = http.createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Grafana</title>'),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const run = await load(['--url', `http://127.0.0.1:${(server.address() as AddressInfo).port}`, '--requests', '1'])
    assert.is(run.code, 1, run.stderr)
    assert.match(run.stderr, /answered 200 to GET \/v2\/models\/mnist_mlp: <!doctype html>/)
    assert.match(run.stderr, /Triton's HTTP port/)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

for (const args of [['--concurrency', '0'], ['--rate', 'fast'], ['--bogus'], ['--url', 'ftp://x']]) {
  test(`bad flag ${args.join(' ')}: exit 2 with a fix`, async () => {
    const run = await load(args)
    assert.is(run.code, 2, run.stderr)
    assert.match(run.stderr, /✖ .+\n\s+→ .+/)
  })
}

test.run()
