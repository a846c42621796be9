// The model's tensors as 08-load uses them: the input that takes one digit, the output with the
// class scores (both read from the model's metadata, refused with a fix when they do not fit),
// and the digit a KServe v2 answer picked.
import { fail } from '../step/fail.ts'
import { tr } from '../output/i18n.ts'
import { CLASSES, PIXELS } from './heldout.ts'
import type { TensorMetadata } from './kserve.ts'
import type { Outcome } from './load-run.ts'

/** The input that takes one 28×28 digit: FP32 with 784 values once the batch dimension is 1. */
export function digitInput(model: string, inputs: TensorMetadata[]): { name: string; shape: number[] } {
  const input = inputs[0]
  const shape = input?.shape.map((d) => (d === -1 ? 1 : d)) ?? []
  if (inputs.length !== 1 || input?.datatype !== 'FP32' || shape.reduce((a, b) => a * b, 1) !== PIXELS) {
    throw fail(
      tr(
        `model "${model}" takes ${describe(inputs)}, not one FP32 digit of ${PIXELS} pixels`,
        `模型 "${model}" 的输入是 ${describe(inputs)}，不是一个 ${PIXELS} 像素的 FP32 数字`,
      ),
      tr(
        'pass --model with the MNIST model (mnist_mlp), or run `make model`',
        '用 --model 指定 MNIST 模型（mnist_mlp），或运行 `make model`',
      ),
    )
  }
  return { name: input.name, shape }
}

export function scoresOutput(model: string, outputs: TensorMetadata[]): string {
  const scores = outputs.find((o) => o.shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1) === CLASSES)
  if (!scores) {
    throw fail(
      tr(
        `model "${model}" has no output with ${CLASSES} class scores (it has ${describe(outputs)})`,
        `模型 "${model}" 没有 ${CLASSES} 个类别分数的输出（实际为 ${describe(outputs)}）`,
      ),
      tr(
        'pass --model with the MNIST model (mnist_mlp), or run `make model`',
        '用 --model 指定 MNIST 模型（mnist_mlp），或运行 `make model`',
      ),
    )
  }
  return scores.name
}

function describe(tensors: TensorMetadata[]): string {
  return tensors.map((t) => `${t.name} [${t.shape}] ${t.datatype}`).join(', ') || '—'
}

/** The digit the model picked, from a KServe v2 response; anything else is a wrong output. */
export function predicted(text: string, output: string): number | Outcome {
  let data: unknown
  try {
    const parsed = JSON.parse(text) as { outputs?: { name?: string; data?: unknown }[] }
    data = parsed.outputs?.find((o) => o.name === output)?.data
  } catch {
    /* reported below */
  }
  if (!Array.isArray(data) || data.length !== CLASSES || !data.every((v) => typeof v === 'number')) {
    return {
      ok: false,
      kind: 'wrong output',
      detail: tr(
        `no ${CLASSES}-number "${output}" in ${text.slice(0, 120)}`,
        `响应中没有 ${CLASSES} 个数的 "${output}"：${text.slice(0, 120)}`,
      ),
    }
  }
  const scores = data as number[]
  return scores.indexOf(Math.max(...scores))
}
