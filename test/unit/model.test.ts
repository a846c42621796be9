// The committed model is what Triton 23.05 will load: run it with ONNX Runtime on the held-out
// digits, and check config.pbtxt against the graph it describes.
import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { InferenceSession, Tensor } from 'onnxruntime-node'
import { decodeModel, FLOAT } from '../../models/onnx.ts'
import { loadHeldout } from '../../scripts/lib/triton/heldout.ts'

const MODEL = 'models/mnist_mlp/1/model.onnx'
const bytes = readFileSync(MODEL)
const onnx = decodeModel(bytes)
const config = readFileSync('models/mnist_mlp/config.pbtxt', 'utf8').replace(/#.*$/gm, '')
const heldout = loadHeldout()
const session = await InferenceSession.create(MODEL, { executionProviders: ['cpu'] })

function argmax(values: ArrayLike<number>, offset: number, length: number): number {
  let best = 0
  for (let i = 1; i < length; i++) if (values[offset + i]! > values[offset + best]!) best = i
  return best
}

async function run(rows: Float32Array[]): Promise<Float32Array> {
  const batch = new Float32Array(rows.length * 784)
  for (const [n, row] of rows.entries()) batch.set(row, n * 784)
  const result = await session.run({ input: new Tensor('float32', batch, [rows.length, 784]) })
  const output = result.probabilities
  assert.ok(output, 'output "probabilities" present')
  assert.equal(output.dims, [rows.length, 10])
  return output.data as Float32Array
}

/** `input [ { name: "x" data_type: T dims: [ 1 ] } ]` → fields of each tensor, for name/type/dims. */
function tensors(kind: 'input' | 'output') {
  const block = config.match(new RegExp(`^${kind}\\s*\\[([\\s\\S]*?)^\\]`, 'm'))?.[1]
  assert.ok(block, `config.pbtxt has an ${kind} block`)
  return [...block.matchAll(/\{([\s\S]*?)\}/g)].map(([, body]) => ({
    name: body!.match(/name:\s*"([^"]+)"/)?.[1],
    dataType: body!.match(/data_type:\s*(\w+)/)?.[1],
    dims: body!
      .match(/dims:\s*\[([^\]]*)\]/)?.[1]
      ?.split(',')
      .map((d) => Number(d.trim())),
  }))
}

test('held-out accuracy is at least 95% (the digits never seen in training)', async () => {
  let correct = 0
  const batchSize = 100
  for (let start = 0; start < heldout.count; start += batchSize) {
    const rows = heldout.inputs.slice(start, start + batchSize)
    const probs = await run(rows)
    rows.forEach((_, n) => {
      if (argmax(probs, n * 10, 10) === heldout.labels[start + n]) correct++
    })
  }
  const accuracy = correct / heldout.count
  assert.ok(heldout.count >= 100, `held-out set has ${heldout.count} digits`)
  assert.ok(accuracy >= 0.95, `accuracy ${accuracy}`)
})

test('a batch of several digits gives one softmax row per digit', async () => {
  const probs = await run(heldout.inputs.slice(0, 7))
  for (let n = 0; n < 7; n++) {
    const sum = probs.slice(n * 10, n * 10 + 10).reduce((a, b) => a + b, 0)
    assert.ok(Math.abs(sum - 1) < 1e-4, `row ${n} sums to ${sum}`)
  }
})

test('opset <= 17 and IR version <= 8, so Triton 23.05 (ONNX Runtime 1.15) loads it', () => {
  assert.ok(onnx.ir_version >= 3 && onnx.ir_version <= 8, `ir_version ${onnx.ir_version}`)
  const opset = onnx.opset_import.find((o) => o.domain === '')
  assert.ok(opset && opset.version <= 17, `opset ${opset?.version}`)
  assert.equal(
    onnx.graph.node.map((n) => n.op_type),
    ['Gemm', 'Relu', 'Gemm', 'Softmax'],
  )
})

test('config.pbtxt names the model, platform and batching Triton needs', () => {
  assert.match(config, /^name:\s*"mnist_mlp"/m)
  assert.match(config, /^platform:\s*"onnxruntime_onnx"/m)
  const maxBatch = Number(config.match(/^max_batch_size:\s*(\d+)/m)?.[1])
  assert.ok(maxBatch > 0, `max_batch_size ${maxBatch}`)
  assert.match(config, /^dynamic_batching\s*\{/m)
  assert.not.match(config, /KIND_GPU/, 'KIND_GPU would stop Triton on a machine without GPUs')
})

for (const kind of ['input', 'output'] as const) {
  test(`config.pbtxt ${kind} matches the ONNX graph ${kind} (name, FP32, dims without batch)`, () => {
    const graph = onnx.graph[kind]
    const declared = tensors(kind)
    assert.is(declared.length, graph.length)
    graph.forEach((info, i) => {
      const tensor = info.type.tensor_type
      assert.is(declared[i]!.name, info.name)
      assert.is(tensor.elem_type, FLOAT)
      assert.is(declared[i]!.dataType, 'TYPE_FP32')
      const [batch, ...dims] = tensor.shape.dim
      assert.ok(batch?.dim_param, 'first graph dimension is a symbolic batch')
      assert.equal(
        declared[i]!.dims,
        dims.map((d) => d.dim_value),
      )
    })
  })
}

test.run()
