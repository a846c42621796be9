// Throw-away Triton model repositories for stand-in tests: a copy of the real mnist_mlp, and a
// model whose execution fails inside ONNX Runtime — the only kind of failure Triton 23.05 counts
// in nv_inference_request_failure (requests it rejects before the backend are not counted).
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeModel, floatTensor, floatValueInfo } from '../../models/onnx.ts'

const MODELS = fileURLToPath(new URL('../../models/', import.meta.url))

export interface TempRepository {
  dir: string
  remove(): void
}

export function tempRepository(): TempRepository {
  const dir = mkdtempSync(join(tmpdir(), 'triton-repo-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** The project's mnist_mlp under `name`; without its config.pbtxt when `config` is false. */
export function addMnist(repo: string, name = 'mnist_mlp', config = true): void {
  cpSync(join(MODELS, 'mnist_mlp', '1'), join(repo, name, '1'), { recursive: true })
  if (config) cpSync(join(MODELS, 'mnist_mlp', 'config.pbtxt'), join(repo, name, 'config.pbtxt'))
}

export function addModel(repo: string, name: string, config: string, onnx?: Uint8Array): void {
  mkdirSync(join(repo, name, '1'), { recursive: true })
  writeFileSync(join(repo, name, 'config.pbtxt'), config)
  if (onnx) writeFileSync(join(repo, name, '1', 'model.onnx'), onnx)
}

/**
 * `y = x · W` with W of shape [4, 2] and x of shape [batch, k], k left dynamic in both the graph
 * and the config: Triton accepts any k, ONNX Runtime fails the execution unless k = 4.
 */
export function addFragileModel(repo: string, name: string): void {
  const onnx = encodeModel({
    ir_version: 7,
    producer_name: 'triton-monitoring-tests',
    opset_import: [{ domain: '', version: 13 }],
    graph: {
      name,
      node: [{ input: ['x', 'W'], output: ['y'], name: 'matmul', op_type: 'MatMul' }],
      initializer: [floatTensor('W', [4, 2], [1, 0, 0, 1, 1, 0, 0, 1])],
      input: [floatValueInfo('x', ['batch', 'k'])],
      output: [floatValueInfo('y', ['batch', 2])],
    },
  })
  addModel(
    repo,
    name,
    `name: "${name}"
backend: "onnxruntime"
max_batch_size: 8
input [ { name: "x", data_type: TYPE_FP32, dims: [ -1 ] } ]
output [ { name: "y", data_type: TYPE_FP32, dims: [ 2 ] } ]
instance_group [ { count: 1, kind: KIND_CPU } ]
`,
    onnx,
  )
}
