// What can be known about a Triton model repository without starting Triton, checked before a
// running Triton is touched: the model's folder, its config.pbtxt (the top-level name, platform or
// backend, default_model_filename), a numeric version folder, and in the version Triton would load
// (the highest, its default policy) the file that backend opens — for ONNX, one that starts like a
// protobuf ModelProto. Anything subtler (shapes, GPU instance groups) shows when Triton loads it,
// and 02-triton keeps the old container until the new one is ready.
import { existsSync, openSync, readdirSync, readFileSync, readSync, closeSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fail, type StepError } from '../step/fail.ts'
import { tr } from '../output/i18n.ts'

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
  const bad = (cause: string, zhCause: string, fix?: string) =>
    fail(
      tr(`${folder} cannot be served: ${cause}`, `${folder} 无法被加载：${zhCause}`),
      fix ??
        tr(
          'fix the model folder (`make model` rewrites mnist_mlp), or pass --models <folder> with a valid repository',
          '修正模型目录（`make model` 会重新生成 mnist_mlp），或用 --models <目录> 指定有效的模型仓库',
        ),
    )
  if (!existsSync(config)) {
    return fail(
      tr(
        `${repository} has no model "${model}" (no ${model}/config.pbtxt)`,
        `${repository} 中没有模型 "${model}"（缺少 ${model}/config.pbtxt）`,
      ),
      tr(
        'run from the project folder, pass --models <folder>, or set MODEL to a model in that folder',
        '请在项目目录中运行，或传入 --models <目录>，或把 MODEL 设为该目录中的模型',
      ),
    )
  }
  const fields = topLevelFields(readFileSync(config, 'utf8'))
  if (fields.name !== undefined && fields.name !== model) {
    return bad(
      `config.pbtxt names the model "${fields.name}", but its folder is "${model}" (Triton refuses that)`,
      `config.pbtxt 中的模型名是 "${fields.name}"，而目录名是 "${model}"（Triton 不接受）`,
    )
  }
  const versions = readdirSync(folder)
    .filter((f) => /^\d+$/.test(f) && statSync(join(folder, f)).isDirectory())
    .map(Number)
    .sort((a, b) => b - a)
  if (versions.length === 0) {
    return bad('it has no version folder (1/, 2/, …)', '没有版本目录（1/、2/ 等）')
  }
  const kind = fields.platform ?? fields.backend
  const file = fields.default_model_filename ?? (kind ? DEFAULT_FILES[kind] : undefined)
  if (!file) return undefined
  const path = join(folder, String(versions[0]), file)
  if (!existsSync(path)) {
    return bad(`version ${versions[0]} has no ${file}`, `版本 ${versions[0]} 中没有 ${file}`)
  }
  if (file.endsWith('.onnx') && statSync(path).isFile() && !looksLikeProtobuf(path)) {
    return bad(`${versions[0]}/${file} is not an ONNX model`, `${versions[0]}/${file} 不是 ONNX 模型`)
  }
  return undefined
}
