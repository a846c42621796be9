// The model's tensors as 08-load uses them: the input that takes one digit, the output with the
// class scores (both read from the model's metadata, refused with a fix when they do not fit),
// and the digit a KServe v2 answer picked.
import { fail } from '../step/fail.ts'
import { t } from '../output/i18n.ts'
import { CLASSES, PIXELS } from './heldout.ts'
import type { TensorMetadata } from './kserve.ts'
import type { Outcome } from './load-run.ts'

/** The input that takes one 28×28 digit: FP32 with 784 values once the batch dimension is 1. */
export function digitInput(model: string, inputs: TensorMetadata[]): { name: string; shape: number[] } {
  const input = inputs[0]
  const shape = input?.shape.map((d) => (d === -1 ? 1 : d)) ?? []
  if (inputs.length !== 1 || input?.datatype !== 'FP32' || shape.reduce((a, b) => a * b, 1) !== PIXELS) {
    throw fail(
      t('model "{model}" takes {describe}, not one FP32 digit of {PIXELS} pixels', {
        model,
        describe: describe(inputs),
        PIXELS,
      }),
      t('pass --model with the MNIST model (mnist_mlp), or run `make model`'),
    )
  }
  return { name: input.name, shape }
}

export function scoresOutput(model: string, outputs: TensorMetadata[]): string {
  const scores = outputs.find((o) => o.shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1) === CLASSES)
  if (!scores) {
    throw fail(
      t('model "{model}" has no output with {CLASSES} class scores (it has {describe})', {
        model,
        CLASSES,
        describe: describe(outputs),
      }),
      t('pass --model with the MNIST model (mnist_mlp), or run `make model`'),
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
      detail: t('no {CLASSES}-number "{output}" in {text}', { CLASSES, output, text: text.slice(0, 120) }),
    }
  }
  const scores = data as number[]
  return scores.indexOf(Math.max(...scores))
}
