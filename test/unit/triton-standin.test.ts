// The Triton stand-in's HTTP API against what Triton 23.05 answers (Triton server r23.05
// src/http_server.cc and core r23.05): every endpoint's status and body, error bodies and codes, and a
// batched inference equal to running the same ONNX file directly.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as ort from 'onnxruntime-node'
import { loadHeldout } from '../../scripts/lib/triton/heldout.ts'
import { startTritonStandin, type TritonStandin, withLoadingStandin } from '../helpers/triton-standin.ts'

let triton: TritonStandin
const heldout = loadHeldout()

test.before(async () => {
  triton = await startTritonStandin({ modelRepository: 'models' })
})
test.after(async () => {
  await triton?.stop()
})

interface Reply {
  status: number
  text: string
  type: string | null
  headers: Headers
}
async function call(path: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(triton.httpUrl + path, init)
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type'), headers: res.headers }
}
const post = (path: string, body: unknown) =>
  call(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) })
const rows = (n: number) => heldout.inputs.slice(0, n).flatMap((row) => Array.from(row))
const inferBody = (shape: number[], data: unknown[], datatype = 'FP32') => ({
  inputs: [{ name: 'input', datatype, shape, data }],
})

async function expectError(reply: Promise<Reply>, message: string): Promise<void> {
  const r = await reply
  assert.is(r.status, 400, r.text)
  assert.is(r.type, 'application/json')
  assert.equal(JSON.parse(r.text), { error: message })
}

test('health live and ready: 200 with an empty body', async () => {
  for (const path of [
    '/v2/health/live',
    '/v2/health/ready',
    '/v2/models/mnist_mlp/ready',
    '/v2/models/mnist_mlp/versions/1/ready',
  ]) {
    const r = await call(path)
    assert.is(r.status, 200, path)
    assert.is(r.text, '', path)
  }
})

test('model ready: 400 with an empty body for an unknown model or version', async () => {
  for (const path of ['/v2/models/nope/ready', '/v2/models/mnist_mlp/versions/2/ready']) {
    const r = await call(path)
    assert.is(r.status, 400, path)
    assert.is(r.text, '', path)
  }
})

test('server metadata: Triton 2.34.0 (23.05) and its extensions', async () => {
  const r = await call('/v2')
  assert.is(r.status, 200)
  assert.equal(JSON.parse(r.text), {
    name: 'triton',
    version: '2.34.0',
    extensions: [
      'classification',
      'sequence',
      'model_repository',
      'model_repository(unload_dependents)',
      'schedule_policy',
      'model_configuration',
      'system_shared_memory',
      'cuda_shared_memory',
      'binary_tensor_data',
      'parameters',
      'statistics',
      'trace',
      'logging',
    ],
  })
})

test('model metadata: platform, versions, shapes with the -1 batch dimension', async () => {
  const expected = {
    name: 'mnist_mlp',
    versions: ['1'],
    platform: 'onnxruntime_onnx',
    inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 784] }],
    outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 10] }],
  }
  assert.equal(JSON.parse((await call('/v2/models/mnist_mlp')).text), expected)
  assert.equal(JSON.parse((await call('/v2/models/mnist_mlp/versions/1')).text), expected)
})

test('model config: the normalised ModelConfig as JSON (KIND_AUTO without a GPU is 2 CPU instances)', async () => {
  const r = await call('/v2/models/mnist_mlp/config')
  assert.is(r.status, 200)
  const config = JSON.parse(r.text)
  assert.is(config.name, 'mnist_mlp')
  assert.is(config.platform, 'onnxruntime_onnx')
  assert.is(config.backend, 'onnxruntime')
  assert.is(config.max_batch_size, 64)
  assert.equal(config.version_policy, { latest: { num_versions: 1 } })
  assert.equal(config.input, [
    {
      name: 'input',
      data_type: 'TYPE_FP32',
      format: 'FORMAT_NONE',
      dims: [784],
      is_shape_tensor: false,
      allow_ragged_batch: false,
      optional: false,
    },
  ])
  assert.equal(config.output, [
    { name: 'probabilities', data_type: 'TYPE_FP32', dims: [10], label_filename: '', is_shape_tensor: false },
  ])
  assert.is(config.dynamic_batching.max_queue_delay_microseconds, 0)
  assert.equal(
    config.instance_group.map((g: { kind: string; count: number }) => [g.kind, g.count]),
    [['KIND_CPU', 2]],
  )
  assert.is(config.default_model_filename, 'model.onnx')
})

test('repository index: POST lists every model; {"ready":true} filters; GET is 405', async () => {
  const r = await post('/v2/repository/index', '')
  assert.is(r.status, 200)
  assert.equal(JSON.parse(r.text), [{ name: 'mnist_mlp', version: '1', state: 'READY' }])
  assert.equal(JSON.parse((await post('/v2/repository/index', { ready: true })).text), [
    { name: 'mnist_mlp', version: '1', state: 'READY' },
  ])
  const get = await call('/v2/repository/index')
  assert.is(get.status, 405)
  assert.equal(JSON.parse(get.text), { error: 'Method Not Allowed' })
})

test("a model still loading answers like 23.05's LOADING state: not ready, no available versions", async () => {
  // The services are up and the model loads 60 s later: long enough to look, stopped before then.
  await withLoadingStandin(60_000, async (loading) => {
    const at = (path: string, init?: RequestInit) => fetch(loading.httpUrl + path, init)
    for (const path of ['/v2/health/ready', '/v2/models/mnist_mlp/ready']) assert.is((await at(path)).status, 400, path)
    const metadata = await at('/v2/models/mnist_mlp')
    assert.is(metadata.status, 400)
    // core r23.05: model_lifecycle.cc GetModel, prefixed by model_repository_manager.cc.
    assert.equal(await metadata.json(), { error: "Request for unknown model: 'mnist_mlp' has no available versions" })
    const version = await at('/v2/models/mnist_mlp/versions/1')
    assert.equal(await version.json(), {
      error: "Request for unknown model: 'mnist_mlp' version 1 is not at ready state",
    })
    const index = await at('/v2/repository/index', { method: 'POST', body: '{}' })
    assert.equal(await index.json(), [{ name: 'mnist_mlp', version: '1', state: 'LOADING' }])
  })
})

test('batched infer: [n,784] gives [n,10] probabilities equal to ONNX Runtime on the same file', async () => {
  const n = 5
  const r = await post('/v2/models/mnist_mlp/infer', { id: 'batch-5', ...inferBody([n, 784], rows(n)) })
  assert.is(r.status, 200, r.text)
  assert.is(r.type, 'application/json')
  const body = JSON.parse(r.text)
  assert.equal(Object.keys(body), ['id', 'model_name', 'model_version', 'outputs'])
  assert.is(body.id, 'batch-5')
  assert.is(body.model_name, 'mnist_mlp')
  assert.is(body.model_version, '1')
  assert.is(body.outputs.length, 1)
  const out = body.outputs[0]
  assert.equal([out.name, out.datatype, out.shape], ['probabilities', 'FP32', [n, 10]])
  assert.is(out.data.length, n * 10)
  for (let i = 0; i < n; i++) {
    const row: number[] = out.data.slice(i * 10, i * 10 + 10)
    assert.ok(row.every((p) => p >= 0 && p <= 1))
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `row ${i} sums to 1`)
  }
  const session = await ort.InferenceSession.create('models/mnist_mlp/1/model.onnx')
  const direct = await session.run({ input: new ort.Tensor('float32', Float32Array.from(rows(n)), [n, 784]) })
  assert.equal(out.data, Array.from(direct.probabilities!.data as Float32Array))
})

test('infer without an id answers without one; nested data is accepted like Triton', async () => {
  const nested = heldout.inputs.slice(0, 2).map((row) => Array.from(row))
  const body = JSON.parse((await post('/v2/models/mnist_mlp/infer', inferBody([2, 784], nested))).text)
  assert.not.ok('id' in body)
  assert.equal(body.outputs[0].shape, [2, 10])
})

test('binary_data_output: JSON header then raw little-endian floats, Inference-Header-Content-Length set', async () => {
  const r = await fetch(`${triton.httpUrl}/v2/models/mnist_mlp/infer`, {
    method: 'POST',
    body: JSON.stringify({ ...inferBody([1, 784], rows(1)), parameters: { binary_data_output: true } }),
  })
  assert.is(r.status, 200)
  assert.is(r.headers.get('content-type'), 'application/octet-stream')
  const bytes = Buffer.from(await r.arrayBuffer())
  const headerLength = Number(r.headers.get('inference-header-content-length'))
  const header = JSON.parse(bytes.subarray(0, headerLength).toString())
  assert.equal(header.outputs[0].parameters, { binary_data_size: 40 })
  assert.is(bytes.length, headerLength + 40)
  const floats = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset + headerLength, bytes.byteOffset + headerLength + 40),
  )
  assert.ok(Math.abs(floats.reduce((a, b) => a + b, 0) - 1) < 1e-5)
})

test('binary input (binary_data_size + Inference-Header-Content-Length) answers as the same input in JSON', async () => {
  const pixels = Float32Array.from(rows(2))
  const header = JSON.stringify({
    inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 784], parameters: { binary_data_size: pixels.byteLength } }],
  })
  const r = await fetch(`${triton.httpUrl}/v2/models/mnist_mlp/infer`, {
    method: 'POST',
    headers: {
      'Inference-Header-Content-Length': String(Buffer.byteLength(header)),
      'Content-Type': 'application/octet-stream',
    },
    body: Buffer.concat([Buffer.from(header), Buffer.from(pixels.buffer)]),
  })
  assert.is(r.status, 200)
  const binary = (await r.json()) as { outputs: { data: number[] }[] }
  const json = JSON.parse((await post('/v2/models/mnist_mlp/infer', inferBody([2, 784], rows(2)))).text)
  assert.equal(binary.outputs[0]!.data, json.outputs[0].data)
  const short = JSON.stringify({
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 784], parameters: { binary_data_size: 3000 } }],
  })
  const mismatch = await call('/v2/models/mnist_mlp/infer', {
    method: 'POST',
    headers: { 'Inference-Header-Content-Length': String(short.length) },
    body: Buffer.concat([Buffer.from(short), Buffer.alloc(3000)]),
  })
  assert.is(mismatch.status, 400)
  assert.equal(JSON.parse(mismatch.text), {
    error: "input byte size mismatch for input 'input' for model 'mnist_mlp'. Expected 3136, got 3000",
  })
  await expectError(
    post('/v2/models/mnist_mlp/infer', {
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 784], parameters: { binary_data_size: 3136 } }],
    }),
    "must specify valid 'Infer-Header-Content-Length' in request header and 'binary_data_size' when passing inputs in binary data format",
  )
})

test('unknown model: 400 {"error":"Request for unknown model: \'nope\' is not found"}', async () => {
  await expectError(
    post('/v2/models/nope/infer', inferBody([1, 784], rows(1))),
    "Request for unknown model: 'nope' is not found",
  )
  await expectError(call('/v2/models/nope'), "Request for unknown model: 'nope' is not found")
  await expectError(call('/v2/models/nope/config'), "Request for unknown model: 'nope' is not found")
  await expectError(
    post('/v2/models/mnist_mlp/versions/7/infer', inferBody([1, 784], rows(1))),
    "Request for unknown model: 'mnist_mlp' version 7 is not found",
  )
})

test('wrong shape: core Normalize message with the full expected shape', async () => {
  await expectError(
    post('/v2/models/mnist_mlp/infer', inferBody([1, 783], rows(1).slice(0, 783))),
    "unexpected shape for input 'input' for model 'mnist_mlp'. Expected [-1,784], got [1,783]",
  )
  await expectError(
    post('/v2/models/mnist_mlp/infer', inferBody([1, 28, 28], rows(1))),
    "unexpected shape for input 'input' for model 'mnist_mlp'. Expected [-1,784], got [1,28,28]",
  )
  // Without the batch dimension the first dimension is read as the batch size, as in Triton.
  await expectError(
    post('/v2/models/mnist_mlp/infer', inferBody([784], rows(1))),
    "inference request batch-size must be <= 64 for 'mnist_mlp'",
  )
  await expectError(
    post('/v2/models/mnist_mlp/infer', inferBody([65, 784], Array.from({ length: 65 }, () => rows(1)).flat())),
    "inference request batch-size must be <= 64 for 'mnist_mlp'",
  )
})

test("data not matching its shape: the HTTP layer's parse message", async () => {
  await expectError(
    post('/v2/models/mnist_mlp/infer', inferBody([1, 784], rows(1).slice(0, 700))),
    "Unable to parse 'data': Shape does not match true shape of 'data' field",
  )
  await expectError(
    post('/v2/models/mnist_mlp/infer', inferBody([1, 784], [...rows(1), 0.5])),
    "Unable to parse 'data': Shape does not match true shape of 'data' field",
  )
})

test('wrong datatype: parsed as sent, then rejected against the config', async () => {
  await expectError(
    post(
      '/v2/models/mnist_mlp/infer',
      inferBody(
        [1, 784],
        rows(1).map(() => 1),
        'INT32',
      ),
    ),
    "inference input data-type is 'INT32', model expects 'FP32' for 'mnist_mlp'",
  )
  await expectError(
    post('/v2/models/mnist_mlp/infer', inferBody([1, 784], rows(1), 'INT32')),
    "Unable to parse 'data': attempt to access JSON non-signed-integer as signed-integer",
  )
  await expectError(
    post('/v2/models/mnist_mlp/infer', inferBody([1, 784], rows(1), 'FP16')),
    'receiving FP16 data via JSON is not supported. Please use the binary data format for input input',
  )
})

test("malformed JSON: RapidJSON's message and offset", async () => {
  await expectError(
    post('/v2/models/mnist_mlp/infer', '{"inputs": [}'),
    'failed to parse the request JSON buffer: Invalid value. at 12',
  )
  await expectError(
    post('/v2/models/mnist_mlp/infer', '{inputs'),
    'failed to parse the request JSON buffer: Missing a name for object member. at 1',
  )
  await expectError(
    post('/v2/models/mnist_mlp/infer', ''),
    'failed to parse the request JSON buffer: The document is empty. at 0',
  )
  await expectError(
    post('/v2/models/mnist_mlp/infer', '{}'),
    "Unable to parse 'inputs': attempt to access non-existing object member 'inputs'",
  )
})

test('wrong input or output names: core messages', async () => {
  await expectError(
    post('/v2/models/mnist_mlp/infer', {
      inputs: [{ name: 'pixels', datatype: 'FP32', shape: [1, 784], data: rows(1) }],
    }),
    "unexpected inference input 'pixels' for model 'mnist_mlp'",
  )
  await expectError(
    post('/v2/models/mnist_mlp/infer', { ...inferBody([1, 784], rows(1)), outputs: [{ name: 'logits' }] }),
    "unexpected inference output 'logits' for model 'mnist_mlp'",
  )
})

test('wrong method: 405 {"error":"Method Not Allowed"}; unknown path: 400 with an empty body', async () => {
  const get = await call('/v2/models/mnist_mlp/infer')
  assert.is(get.status, 405)
  assert.equal(JSON.parse(get.text), { error: 'Method Not Allowed' })
  assert.is((await call('/v2/health/ready', { method: 'POST' })).status, 405)
  for (const path of ['/', '/v2/nothing', '/v1/models/mnist_mlp', '/v2/models/mnist_mlp/versions/x']) {
    const r = await call(path)
    assert.is(r.status, 400, path)
    assert.is(r.text, '', path)
  }
})

test('statistics extension: counts and ns durations per model', async () => {
  const before = JSON.parse((await call('/v2/models/mnist_mlp/stats')).text).model_stats[0]
  await post('/v2/models/mnist_mlp/infer', inferBody([3, 784], rows(3)))
  const after = JSON.parse((await call('/v2/models/mnist_mlp/stats')).text).model_stats[0]
  assert.is(after.name, 'mnist_mlp')
  assert.is(after.version, '1')
  assert.is(after.inference_count - before.inference_count, 3)
  assert.is(after.execution_count - before.execution_count, 1)
  assert.is(after.inference_stats.success.count - before.inference_stats.success.count, 1)
  assert.ok(after.inference_stats.success.ns > before.inference_stats.success.ns)
  assert.ok(after.batch_stats.some((b: { batch_size: number }) => b.batch_size === 3))
  const all = JSON.parse((await call('/v2/models/stats')).text)
  assert.equal(
    all.model_stats.map((s: { name: string }) => s.name),
    ['mnist_mlp'],
  )
})

test.run()
