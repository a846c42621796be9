// What can be known about a Triton model repository without starting Triton, checked before a
// running Triton is touched: the model's folder, its config.pbtxt (the top-level name, platform or
// backend, default_model_filename), a numeric version folder, and in the version Triton would load
// (the highest, its default policy) the file that backend opens — for ONNX, one that starts like a
// protobuf ModelProto. Anything subtler (shapes, GPU instance groups) shows when Triton loads it,
// and 02-triton keeps the old container until the new one is ready.
import { existsSync, openSync, readdirSync, readFileSync, readSync, closeSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fail, type StepError } from '../step/fail.ts'
import { t } from '../output/i18n.ts'

/** The file (or folder) each backend opens in a version folder when config.pbtxt names none. */
const DEFAULT_FILES: Record<string, string> = {
  onnxruntime_onnx: 'model.onnx',
  onnxruntime: 'model.onnx',
  tensorrt_plan: 'model.plan',
  tensorrt: 'model.plan',
  pytorch_libtorch: 'model.pt',
  pytorch: 'model.pt',
  tensorflow_savedmodel: 'model.savedmodel',
  tensorflow_graphdef: 'model.graphdef',
  python: 'model.py',
  openvino: 'model.xml',
}

/** config.pbtxt's top-level text fields: nested messages and lists (inputs, outputs…) are left out. */
function topLevelFields(text: string): Record<string, string> {
  let depth = 0
  let top = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '\\') i++
      else if (c === '"') quoted = false
      if (depth === 0) top += c
      continue
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++
      continue
    }
    if (c === '"') quoted = true
    if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') depth = Math.max(0, depth - 1)
    else if (depth === 0) top += c
  }
  const fields: Record<string, string> = {}
  for (const m of top.matchAll(/\b(\w+)\s*:\s*"([^"]*)"/g)) fields[m[1]!] ??= m[2]!
  return fields
}

/** Whether the first bytes can open a protobuf message: a field number >= 1 with a wire type in use. */
function looksLikeProtobuf(path: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(1)
    if (readSync(fd, head, 0, 1, 0) !== 1) return false
    const wireType = head[0]! & 7
    return head[0]! >> 3 >= 1 && [0, 1, 2, 5].includes(wireType)
  } finally {
    closeSync(fd)
  }
}

/** Why `model` in `repository` cannot load, or undefined when nothing checkable is wrong. */
export function modelProblem(repository: string, model: string): StepError | undefined {
  const folder = join(repository, model)
  const config = join(folder, 'config.pbtxt')
  const bad = (cause: string, fix?: string) =>
    fail(
      t('{folder} cannot be served: {cause}', { folder, cause }),
      fix ??
        t(
          'fix the model folder (`make model` rewrites mnist_mlp), or pass --models ' +
            '<folder> with a valid repository',
        ),
    )
  if (!existsSync(config)) {
    return fail(
      t('{repository} has no model "{model}" (no {model}/config.pbtxt)', { repository, model }),
      t('run from the project folder, pass --models <folder>, or set MODEL to a model in that folder'),
    )
  }
  const fields = topLevelFields(readFileSync(config, 'utf8'))
  if (fields.name !== undefined && fields.name !== model) {
    return bad(
      t('config.pbtxt names the model "{name}", but its folder is "{model}" (Triton refuses that)', {
        name: fields.name,
        model,
      }),
    )
  }
  const versions = readdirSync(folder)
    .filter((f) => /^\d+$/.test(f) && statSync(join(folder, f)).isDirectory())
    .map(Number)
    .sort((a, b) => b - a)
  if (versions.length === 0) {
    return bad(t('it has no version folder (1/, 2/, …)'))
  }
  const kind = fields.platform ?? fields.backend
  const file = fields.default_model_filename ?? (kind ? DEFAULT_FILES[kind] : undefined)
  if (!file) return undefined
  const path = join(folder, String(versions[0]), file)
  if (!existsSync(path)) {
    return bad(t('version {versions} has no {file}', { versions: String(versions[0]), file }))
  }
  if (file.endsWith('.onnx') && statSync(path).isFile() && !looksLikeProtobuf(path)) {
    return bad(t('{versions}/{file} is not an ONNX model', { versions: String(versions[0]), file }))
  }
  return undefined
}
