// The digits `make model` kept out of training: what the load step sends, and how it knows
// whether the served model answers correctly.
import { readFileSync } from 'node:fs'
import { fail } from '../step/fail.ts'
import { t } from '../output/i18n.ts'

export const HELDOUT_PATH = 'models/heldout.json'
/** An MNIST digit: SIDE × SIDE grey pixels, one of CLASSES labels (what the model takes and tells). */
export const SIDE = 28
export const PIXELS = SIDE * SIDE
export const CLASSES = 10

export interface Heldout {
  count: number
  labels: number[]
  /** One 784-value row per digit, pixels scaled to 0..1 as the model expects. */
  inputs: Float32Array[]
}

export function loadHeldout(path = HELDOUT_PATH): Heldout {
  const regenerate = t('run `make model` to write {path} again', { path })
  let parsed: { count?: unknown; labels?: unknown; pixels?: unknown }
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw fail(
      t('cannot read the held-out digits {path}: {message}', { path, message: (error as Error).message }),
      regenerate,
    )
  }
  const { count, labels, pixels } = parsed
  const bytes = typeof pixels === 'string' ? Buffer.from(pixels, 'base64') : undefined
  const valid =
    typeof count === 'number' &&
    count > 0 &&
    Array.isArray(labels) &&
    labels.length === count &&
    labels.every((l) => Number.isInteger(l) && l >= 0 && l <= 9) &&
    bytes?.length === count * PIXELS
  if (!valid || !bytes) {
    throw fail(
      t('{path} is not a held-out set (count, labels, {PIXELS} base64 pixels per digit)', { path, PIXELS }),
      regenerate,
    )
  }
  const inputs = Array.from({ length: count }, (_, n) =>
    Float32Array.from(bytes.subarray(n * PIXELS, (n + 1) * PIXELS), (v) => v / 255),
  )
  return { count, labels: labels as number[], inputs }
}
