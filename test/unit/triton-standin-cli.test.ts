// The Triton stand-in as a `tritonserver` command: config.pbtxt read like Triton (the examples in
// test/reference/triton included), its flags accepted, and bad flags, a missing repository or a bad
// config failing as Triton fails (log line, non-zero exit).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { tritonReference } from '../helpers/paths.ts'
import { ConfigError, readModelConfig } from '../standins/triton/config.ts'
import { parsePbtxt } from '../standins/triton/pbtxt.ts'
import { addFragileModel, addMnist, addModel, tempRepository } from '../helpers/model-repository.ts'
import { startTritonStandin } from '../helpers/triton-standin.ts'

const MAIN = fileURLToPath(new URL('../standins/triton/main.ts', import.meta.url))
const RUN_TIMEOUT_MS = 60_000

/**
 * Runs the stand-in until it exits, or until its output matches `until`: then runs `during`
 * against the live process and stops it.
 */
function run(
  args: string[],
  until?: RegExp,
  during?: (output: string) => Promise<void>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    let matched = false
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`no exit within ${RUN_TIMEOUT_MS} ms:\n${output}`))
    }, RUN_TIMEOUT_MS)
    const onData = (chunk: Buffer) => {
      output += chunk
      if (matched || !until?.test(output)) return
      matched = true
      void (during?.(output) ?? Promise.resolve()).catch(reject).finally(() => child.kill('SIGTERM'))
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

const mnistConfig = readFileSync('models/mnist_mlp/config.pbtxt', 'utf8')

test('pbtxt: comments, lists, nested messages, enums and repeated fields', () => {
  const root = parsePbtxt(
    '# c\nname: "a" # tail\ndims: [ 1, -1 ]\ninput [ { name: "x" }, { name: "y" } ]\nopt < k: V >; s: \'q\' "r"',
  )
  assert.equal(root.fields.get('name'), [{ kind: 'string', value: 'a' }])
  assert.equal(
    root.fields.get('dims')!.map((v) => (v.kind === 'number' ? v.value : NaN)),
    [1, -1],
  )
  assert.is(root.fields.get('input')!.length, 2)
  assert.equal(root.fields.get('s'), [{ kind: 'string', value: 'qr' }])
  const opt = root.fields.get('opt')![0]!
  assert.ok(opt.kind === 'message' && opt.fields.get('k')![0]!.kind === 'ident')
})

test('config: the project model normalised like Triton (KIND_AUTO → 2 CPU instances, platform ↔ backend)', () => {
  const config = readModelConfig(mnistConfig, 'mnist_mlp')
  assert.is(config.backend, 'onnxruntime')
  assert.is(config.maxBatchSize, 64)
  assert.equal(
    config.inputs.map((t) => [t.name, t.dataType, t.dims]),
    [['input', 'TYPE_FP32', [784]]],
  )
  assert.equal(
    config.outputs.map((t) => [t.name, t.dataType, t.dims]),
    [['probabilities', 'TYPE_FP32', [10]]],
  )
  assert.equal(config.instanceGroups, [{ name: 'mnist_mlp', kind: 'KIND_CPU', count: 2 }])
  assert.equal(config.dynamicBatching, { maxQueueDelayUs: 0, preferredBatchSizes: [64] })
})

test('config: the reference examples for ONNX on CPU and KIND_AUTO', () => {
  const cpu = readModelConfig(readFileSync(tritonReference('onnx-cpu.config.pbtxt'), 'utf8'), 'my_onnx')
  assert.is(cpu.platform, 'onnxruntime_onnx')
  assert.equal(cpu.instanceGroups, [{ name: 'my_onnx_0', kind: 'KIND_CPU', count: 2 }])
  assert.equal(cpu.dynamicBatching, { maxQueueDelayUs: 100, preferredBatchSizes: [8] })
  const auto = readModelConfig(readFileSync(tritonReference('onnx-gpu-or-auto.config.pbtxt'), 'utf8'), 'my_onnx')
  assert.is(auto.backend, 'onnxruntime')
  assert.equal(auto.instanceGroups, [{ name: 'my_onnx_0', kind: 'KIND_CPU', count: 1 }])
})

for (const [what, text, message] of [
  [
    'a syntax error, with line:column',
    'name: "m"\nmax_batch_size: }',
    'Error parsing text-format inference.ModelConfig: 2:17: Expected value, found "}".',
  ],
  [
    'an unknown field',
    'name: "m"\nplatform: "onnxruntime_onnx"\nbatch_size: 4',
    'Message type "inference.ModelConfig" has no field named "batch_size".',
  ],
  [
    'a name other than the directory',
    'name: "other"\nplatform: "onnxruntime_onnx"',
    "unexpected directory name 'm' for model 'other', directory name must equal model name",
  ],
  [
    'KIND_GPU without a GPU',
    'platform: "onnxruntime_onnx"\ninstance_group [ { kind: KIND_GPU } ]',
    'instance group m_0 of model m has kind KIND_GPU but no GPUs are available',
  ],
  [
    'an unknown data type',
    'platform: "onnxruntime_onnx"\ninput [ { name: "x", data_type: TYPE_FLOAT, dims: [1] } ]',
    'Unknown enumeration value of "TYPE_FLOAT" for field "data_type".',
  ],
] as const) {
  test(`config: ${what} is refused with Triton's message`, () => {
    try {
      readModelConfig(text, 'm')
      assert.unreachable('should have thrown')
    } catch (error) {
      assert.instance(error, ConfigError)
      assert.is((error as Error).message, message)
    }
  })
}

test('bad flags: getopt message, usage, exit 1', async () => {
  const bogus = await run(['--model-repository', 'models', '--bogus'])
  assert.is(bogus.code, 1)
  assert.match(bogus.output, "tritonserver: unrecognized option '--bogus'")
  assert.match(bogus.output, 'Usage: tritonserver [options]')
  const bool = await run(['--model-repository', 'models', '--allow-metrics=maybe'])
  assert.is(bool.code, 1)
  assert.match(bool.output, 'invalid value for bool option: maybe')
  const missing = await run(['--http-port', '0'])
  assert.is(missing.code, 1)
  assert.match(missing.output, '--model-repository must be specified')
})

test('a missing model repository: "error: creating server", exit 1', async () => {
  const r = await run(['--model-repository', '/nonexistent/models'])
  assert.is(r.code, 1)
  assert.match(r.output, 'error: creating server: Invalid argument - --model-repository path is not a valid directory')
})

test('a bad config: the load error is logged, then "failed to load all models", exit 1', async () => {
  const repo = tempRepository()
  try {
    addModel(repo.dir, 'broken', 'name: "broken"\nplatform: "onnxruntime_onnx"\nbatch_size: 4\n')
    const r = await run(['--model-repository', repo.dir, '--http-port', '0', '--metrics-port', '0'])
    assert.is(r.code, 1)
    assert.match(
      r.output,
      /^E\d{4} [\d:.]+ \d+ model_lifecycle\.cc:\d+\] failed to load 'broken' version 1: .*has no field named "batch_size"/m,
    )
    assert.match(r.output, 'error: creating server: Internal - failed to load all models')
  } finally {
    repo.remove()
  }
})

test("Triton's startup log: option table, model table, Started HTTPService / Metrics Service with the bound ports", async () => {
  const r = await run(
    ['--model-repository=models', '--http-port=0', '--metrics-port=0', '--http-address=127.0.0.1'],
    /Started Metrics Service at \S+\n/,
  )
  assert.match(r.output, /\| mnist_mlp \| 1\s+\| READY\s+\|/)
  assert.match(r.output, /^I\d{4} [\d:.]+ \d+ http_server\.cc:\d+\] Started HTTPService at 127\.0\.0\.1:[1-9]\d*$/m)
  assert.match(r.output, /^I\d{4} [\d:.]+ \d+ http_server\.cc:\d+\] Started Metrics Service at 127\.0\.0\.1:[1-9]\d*$/m)
  assert.is(r.code, 0)
})

test('flags the stand-in does not implement are accepted, as tritonserver accepts them', async () => {
  const triton = await startTritonStandin({
    args: [
      '--grpc-port',
      '0',
      '--log-verbose=1',
      '--model-control-mode',
      'none',
      '--backend-config',
      'onnxruntime,default-max-batch-size=8',
      '--allow-gpu-metrics',
      'false',
      '--metrics-interval-ms',
      '500',
      '--disable-auto-complete-config',
    ],
  })
  try {
    assert.is((await fetch(`${triton.httpUrl}/v2/models/mnist_mlp/ready`)).status, 200)
  } finally {
    await triton.stop()
  }
})

test('several --model-repository and --exit-on-error=false: every model dir loaded, a broken one UNAVAILABLE', async () => {
  const extra = tempRepository()
  const second = tempRepository()
  try {
    addFragileModel(extra.dir, 'fragile')
    addModel(extra.dir, 'broken', 'platform: "onnxruntime_onnx"\ninstance_group [ { kind: KIND_GPU } ]\n')
    addMnist(second.dir)
    addMnist(second.dir, 'no_config', false)
    const triton = await startTritonStandin({
      modelRepository: extra.dir,
      args: ['--model-repository', second.dir, '--exit-on-error=false', '--strict-readiness=false'],
    })
    try {
      const index = await (await fetch(`${triton.httpUrl}/v2/repository/index`, { method: 'POST' })).json()
      assert.equal(index, [
        {
          name: 'broken',
          version: '1',
          state: 'UNAVAILABLE',
          reason: 'instance group broken_0 of model broken has kind KIND_GPU but no GPUs are available',
        },
        { name: 'fragile', version: '1', state: 'READY' },
        { name: 'mnist_mlp', version: '1', state: 'READY' },
        { name: 'no_config', version: '1', state: 'READY' },
      ])
      // No config.pbtxt: auto-completed from the graph, batching autofilled to 4 with dynamic batching.
      const config = (await (await fetch(`${triton.httpUrl}/v2/models/no_config/config`)).json()) as Record<string, any>
      assert.is(config.max_batch_size, 4)
      assert.equal(
        config.input.map((t: { name: string; data_type: string; dims: number[] }) => [t.name, t.data_type, t.dims]),
        [['input', 'TYPE_FP32', [784]]],
      )
      assert.equal(
        config.output.map((t: { name: string; dims: number[] }) => [t.name, t.dims]),
        [['probabilities', [10]]],
      )
      assert.equal(config.dynamic_batching.preferred_batch_size, [4])
      assert.is((await fetch(`${triton.httpUrl}/v2/models/broken/ready`)).status, 400)
      assert.is((await fetch(`${triton.httpUrl}/v2/models/mnist_mlp/ready`)).status, 200)
    } finally {
      await triton.stop()
    }
  } finally {
    extra.remove()
    second.remove()
  }
})

test('strict readiness (the default): /v2/health/ready is 400 while a model is unavailable', async () => {
  const repo = tempRepository()
  try {
    addMnist(repo.dir)
    addModel(repo.dir, 'broken', 'platform: "onnxruntime_onnx"\ninstance_group [ { kind: KIND_GPU } ]\n')
    const statuses: number[] = []
    const r = await run(
      [
        '--model-repository',
        repo.dir,
        '--exit-on-error=false',
        '--http-port=0',
        '--metrics-port=0',
        '--http-address=127.0.0.1',
      ],
      /Started Metrics Service/,
      async (output) => {
        const url = `http://127.0.0.1:${/Started HTTPService at \S+:(\d+)/.exec(output)![1]}`
        for (const path of ['/v2/health/live', '/v2/health/ready', '/v2/models/mnist_mlp/ready'])
          statuses.push((await fetch(url + path)).status)
      },
    )
    assert.match(
      r.output,
      /\| broken\s+\| 1\s+\| UNAVAILABLE: instance group broken_0 of model broken has kind KIND_GPU/,
    )
    assert.equal(statuses, [200, 400, 200])
  } finally {
    repo.remove()
  }
})

test.run()
