// The two listeners of tritonserver: the KServe v2 HTTP API (routes, bodies, status codes and
// error messages of server src/http_server.cc r23.05) and the metrics endpoint (GET only, path
// `/metrics/?`, Prometheus text).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { configJson } from './config.ts'
import { rapidJsonError } from './json-error.ts'
import { renderMetrics, type CpuMonitor, type MetricsOptions } from './metrics.ts'
import {
  allocate,
  now,
  protocolType,
  TritonError,
  type InferInput,
  type InferOutput,
  type LoadedModel,
  type ModelLoad,
  type ProtocolType,
  type TensorData,
} from './model.ts'

export const TRITON_VERSION = '2.34.0'
const EXTENSIONS = [
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
]

const SERVER_RE = /^\/v2(?:\/health\/(live|ready))?$/
const MODEL_RE = /^\/v2\/models\/([^/]+)(?:\/versions\/([0-9]+))?(?:\/(infer|ready|config|stats|trace\/setting))?$/
const REPOSITORY_RE = /^\/v2\/repository(?:\/([^/]+))?\/(index|models\/([^/]+)\/(load|unload))$/
const METRICS_RE = /^\/metrics\/?$/

/** Every model version found in the repository, loaded or not, as the repository manager sees it. */
export class Repository {
  /** Replaced as a whole when models finish loading after the services started. */
  constructor(public loads: ModelLoad[]) {}

  get ready(): LoadedModel[] {
    return this.loads.flatMap((l) => (l.model ? [l.model] : []))
  }

  /** core ModelRepositoryManager::GetModel, with its messages. */
  get(name: string, version: string | undefined): LoadedModel {
    const entries = this.loads.filter((l) => l.name === name)
    if (entries.length === 0) throw new TritonError(`Request for unknown model: '${name}' is not found`)
    if (version === undefined) {
      const newest = entries.filter((l) => l.model).sort((a, b) => b.version - a.version)[0]
      if (!newest) throw new TritonError(`Request for unknown model: '${name}' has no available versions`)
      return newest.model!
    }
    const entry = entries.find((l) => l.version === Number(version))
    if (!entry) throw new TritonError(`Request for unknown model: '${name}' version ${Number(version)} is not found`)
    if (!entry.model)
      throw new TritonError(`Request for unknown model: '${name}' version ${Number(version)} is not at ready state`)
    return entry.model
  }

  isReady(name: string, version: string | undefined): boolean {
    try {
      this.get(name, version)
      return true
    } catch {
      return false
    }
  }
}

export interface HttpOptions {
  strictReadiness: boolean
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function send(
  res: ServerResponse,
  status: number,
  body?: string | Buffer,
  headers: Record<string, string | number> = {},
): void {
  const payload = body ?? ''
  res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(payload) })
  res.end(payload)
}
const json = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, JSON.stringify(value), { 'Content-Type': 'application/json' })
const error = (res: ServerResponse, message: string, status = 400) => json(res, status, { error: message })
const methodNotAllowed = (res: ServerResponse) => error(res, 'Method Not Allowed', 405)

/** Parses a JSON body, answering a bad one with TritonJson's parse message. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    const problem = rapidJsonError(text)
    if (!problem) throw error
    throw new TritonError(`failed to parse the request JSON buffer: ${problem.message} at ${problem.offset}`)
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** TritonJson's typed accessors and their messages, wrapped like RETURN_MSG_IF_ERR. */
function member(obj: unknown, name: string, kind: 'array' | 'string', context: string): unknown {
  if (!isObject(obj) || !(name in obj))
    throw new TritonError(`${context}: attempt to access non-existing object member '${name}'`)
  const v = obj[name]
  if (kind === 'array' && !Array.isArray(v))
    throw new TritonError(`${context}: attempt to access JSON non-array as array`)
  if (kind === 'string' && typeof v !== 'string')
    throw new TritonError(`${context}: attempt to access JSON non-string as string`)
  return v
}

const BYTE_SIZES: Record<string, number> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  FP16: 2,
  BF16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
}

/** ReadDataFromJson: flattens nested arrays into a typed buffer of exactly `count` elements. */
function readJsonData(name: string, datatype: string, data: unknown[], count: number): TensorData {
  if (datatype === 'FP16' || datatype === 'BF16') {
    throw new TritonError(
      `receiving ${datatype} data via JSON is not supported. Please use the binary data format for input ${name}`,
    )
  }
  const out = allocate(datatype as ProtocolType, count)
  if (!out) throw new TritonError(`invalid datatype for input ${name}`)
  const mismatch = "Unable to parse 'data': Shape does not match true shape of 'data' field"
  let n = 0
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(visit)
      return
    }
    if (n >= count) throw new TritonError(mismatch)
    const bad = (what: string) => new TritonError(`Unable to parse 'data': attempt to access JSON ${what}`)
    if (datatype === 'BOOL') {
      if (typeof v !== 'boolean') throw bad('non-boolean as boolean')
      ;(out as Uint8Array)[n] = v ? 1 : 0
    } else if (datatype === 'BYTES') {
      if (typeof v !== 'string') throw bad('non-string as string')
      ;(out as string[])[n] = v
    } else if (datatype === 'FP32' || datatype === 'FP64') {
      if (typeof v !== 'number') throw bad('non-number as double')
      ;(out as Float64Array)[n] = v
    } else if (datatype.startsWith('U')) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad('non-unsigned-integer as unsigned-integer')
      if (out instanceof BigUint64Array) out[n] = BigInt(v)
      else (out as Uint32Array)[n] = v
    } else {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw bad('non-signed-integer as signed-integer')
      if (out instanceof BigInt64Array) out[n] = BigInt(v)
      else (out as Int32Array)[n] = v
    }
    n++
  }
  visit(data)
  if (n !== count) throw new TritonError(mismatch)
  return out
}

/** Raw little-endian bytes (binary tensor extension) into a typed buffer. */
function readBinaryData(name: string, datatype: string, bytes: Buffer): TensorData {
  if (datatype === 'BYTES') {
    const items: string[] = []
    for (let o = 0; o + 4 <= bytes.length; ) {
      const len = bytes.readUInt32LE(o)
      items.push(bytes.subarray(o + 4, o + 4 + len).toString('utf8'))
      o += 4 + len
    }
    return items
  }
  const size = BYTE_SIZES[datatype] ?? 1
  const out = allocate(datatype as ProtocolType, Math.floor(bytes.length / size))
  if (!out) throw new TritonError(`invalid datatype for input ${name}`)
  new Uint8Array((out as Uint8Array).buffer).set(bytes.subarray(0, (out as Uint8Array).byteLength))
  return out
}

function outputBytes(o: InferOutput): Buffer {
  if (Array.isArray(o.data)) {
    return Buffer.concat(
      o.data.map((s) => {
        const b = Buffer.from(s, 'utf8')
        const len = Buffer.alloc(4)
        len.writeUInt32LE(b.length)
        return Buffer.concat([len, b])
      }),
    )
  }
  const view = o.data as Uint8Array
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength)
}

function jsonData(o: InferOutput): unknown[] {
  if (o.datatype === 'BOOL') return Array.from(o.data as Uint8Array, (v) => v !== 0)
  if (Array.isArray(o.data)) return o.data
  return Array.from(o.data as Float32Array, (v) => Number(v))
}

interface ParsedInfer {
  id?: string
  inputs: InferInput[]
  outputs: { name: string; binary: boolean }[]
  binaryDefault: boolean
}

/** HTTPAPIServer::EVBufferToInfer + ParseJsonTritonIO: header JSON, then any binary tensors. */
function parseInfer(body: Buffer, headerLength: string | undefined, model: string): ParsedInfer {
  let jsonLength = body.length
  if (headerLength !== undefined) {
    const parsed = Number.parseInt(headerLength, 10)
    if (!Number.isFinite(parsed) || parsed < 0 || parsed > body.length) {
      throw new TritonError(`inference header size should be in range (0, ${body.length}), got: ${headerLength}`)
    }
    jsonLength = parsed
  }
  const request = parseJson(body.subarray(0, jsonLength).toString('utf8'))
  let offset = jsonLength
  let id: string | undefined
  if (isObject(request) && 'id' in request) {
    if (typeof request.id !== 'string')
      throw new TritonError("Unable to parse 'id': attempt to access JSON non-string as string")
    id = request.id
  }
  const inputs: InferInput[] = []
  for (const input of member(request, 'inputs', 'array', "Unable to parse 'inputs'") as unknown[]) {
    const params = isObject(input) && isObject(input.parameters) ? input.parameters : {}
    const set = [isObject(input) && 'data' in input, 'binary_data_size' in params, 'shared_memory_region' in params]
    if (set.filter(Boolean).length !== 1) {
      const names = ["'data'", "'binary_data_size'", "'shared_memory_region'"].filter((_, i) => set[i])
      throw new TritonError(
        "Input must set only one of the following fields: 'data', 'binary_data_size' in 'parameters', " +
          "'shared_memory_region' in 'parameters'. But" +
          (names.length ? ` set ${names.join(' ')}` : ' no field is set'),
      )
    }
    const name = member(input, 'name', 'string', "Unable to parse 'name'") as string
    const datatype = member(input, 'datatype', 'string', "Unable to parse 'datatype'") as string
    const shape = (member(input, 'shape', 'array', "Unable to parse 'shape'") as unknown[]).map((d) => {
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 0)
        throw new TritonError(
          "Unable to parse 'shape': attempt to access JSON non-unsigned-integer as unsigned-integer",
        )
      return d
    })
    if (shared(params))
      throw new TritonError(`Unable to find shared memory region: '${String(params.shared_memory_region)}'`)
    const count = shape.reduce((a, b) => a * b, 1)
    let data: TensorData
    if ('binary_data_size' in params) {
      const size = params.binary_data_size
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 0)
        throw new TritonError(
          "Unable to parse 'binary_data_size': attempt to access JSON non-unsigned-integer as unsigned-integer",
        )
      if (headerLength === undefined) {
        throw new TritonError(
          "must specify valid 'Infer-Header-Content-Length' in request header and 'binary_data_size' " +
            'when passing inputs in binary data format',
        )
      }
      if (offset + size > body.length) {
        throw new TritonError(
          `unexpected size for input '${name}', expecting ${offset + size - body.length} additional bytes for model '${model}'`,
        )
      }
      data = readBinaryData(name, datatype, body.subarray(offset, offset + size))
      offset += size
    } else {
      data =
        count === 0
          ? (allocate(datatype as ProtocolType, 0) ?? [])
          : readJsonData(name, datatype, member(input, 'data', 'array', "Unable to parse 'data'") as unknown[], count)
    }
    inputs.push({ name, datatype, shape, data })
  }
  if (offset !== body.length) throw new TritonError(`unexpected additional input data for model '${model}'`)
  const requestParams = isObject(request) && isObject(request.parameters) ? request.parameters : {}
  const outputs: ParsedInfer['outputs'] = []
  if (isObject(request) && 'outputs' in request) {
    for (const output of member(request, 'outputs', 'array', "Unable to parse 'outputs'") as unknown[]) {
      const name = member(output, 'name', 'string', "Unable to parse 'name'") as string
      const params = isObject(output) && isObject(output.parameters) ? output.parameters : {}
      if (shared(params))
        throw new TritonError(`Unable to find shared memory region: '${String(params.shared_memory_region)}'`)
      if ('classification' in params)
        throw new TritonError('classification outputs are not supported by the Triton stand-in')
      outputs.push({ name, binary: params.binary_data === true })
    }
  }
  return { id, inputs, outputs, binaryDefault: requestParams.binary_data_output === true }
}

const shared = (params: Record<string, unknown>) => 'shared_memory_region' in params

async function handleInfer(
  req: IncomingMessage,
  res: ServerResponse,
  repo: Repository,
  name: string,
  version: string | undefined,
): Promise<void> {
  const model = repo.get(name, version)
  const body = await readBody(req)
  const header = req.headers['inference-header-content-length']
  const parsed = parseInfer(body, Array.isArray(header) ? header[0] : header, name)
  const requestStart = now()
  const outputs = await model.infer(
    parsed.inputs,
    parsed.outputs.map((o) => o.name),
    requestStart,
  )
  const binaryOf = (o: InferOutput) => parsed.outputs.find((r) => r.name === o.name)?.binary ?? parsed.binaryDefault
  const binaries: Buffer[] = []
  const response = {
    ...(parsed.id !== undefined ? { id: parsed.id } : {}),
    model_name: model.config.name,
    model_version: String(model.version),
    outputs: outputs.map((o) => {
      const entry = { name: o.name, datatype: o.datatype, shape: o.shape }
      if (!binaryOf(o)) return { ...entry, data: jsonData(o) }
      const bytes = outputBytes(o)
      binaries.push(bytes)
      return { ...entry, parameters: { binary_data_size: bytes.length } }
    }),
  }
  const text = JSON.stringify(response)
  if (binaries.length === 0) return send(res, 200, text, { 'Content-Type': 'application/json' })
  send(res, 200, Buffer.concat([Buffer.from(text), ...binaries]), {
    'Content-Type': 'application/octet-stream',
    'Inference-Header-Content-Length': Buffer.byteLength(text),
  })
}

function modelMetadata(model: LoadedModel, repo: Repository): unknown {
  const { config } = model
  const batch = config.maxBatchSize > 0 ? [-1] : []
  const tensor = (t: (typeof config.inputs)[number]) => ({
    name: t.name,
    datatype: protocolType(t),
    shape: [...batch, ...t.dims],
  })
  return {
    name: config.name,
    versions: repo.loads.filter((l) => l.name === config.name && l.model).map((l) => String(l.version)),
    platform: config.platform,
    inputs: config.inputs.map(tensor),
    outputs: config.outputs.map(tensor),
  }
}

function modelStats(model: LoadedModel): unknown {
  const s = model.stats
  const zero = { count: 0, ns: 0 }
  return {
    name: model.config.name,
    version: String(model.version),
    last_inference: s.lastInferenceMs,
    inference_count: s.inferenceCount,
    execution_count: s.executionCount,
    inference_stats: {
      success: s.success,
      fail: s.fail,
      queue: s.queue,
      compute_input: s.computeInput,
      compute_infer: s.computeInfer,
      compute_output: s.computeOutput,
      cache_hit: zero,
      cache_miss: zero,
    },
    batch_stats: [...s.batchStats.entries()]
      .sort(([a], [b]) => a - b)
      .map(([size, b]) => ({
        batch_size: size,
        compute_input: b.computeInput,
        compute_infer: b.computeInfer,
        compute_output: b.computeOutput,
      })),
  }
}

async function route(req: IncomingMessage, res: ServerResponse, repo: Repository, options: HttpOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!
  const method = req.method ?? 'GET'
  let m = SERVER_RE.exec(path)
  if (m) {
    if (method !== 'GET') return methodNotAllowed(res)
    const kind = m[1]
    if (kind === undefined) return json(res, 200, { name: 'triton', version: TRITON_VERSION, extensions: EXTENSIONS })
    const ready = kind === 'live' || !options.strictReadiness || repo.loads.every((l) => l.model)
    return send(res, ready ? 200 : 400)
  }
  m = MODEL_RE.exec(path)
  if (m) {
    const [, name = '', version, kind] = m
    if (kind === 'infer') {
      if (method !== 'POST') return methodNotAllowed(res)
      return handleInfer(req, res, repo, name, version)
    }
    if (kind === 'trace/setting') return error(res, 'trace settings are not supported by the Triton stand-in')
    if (method !== 'GET') return methodNotAllowed(res)
    if (kind === 'ready') return send(res, repo.isReady(name, version) ? 200 : 400)
    if (kind === 'config') return json(res, 200, configJson(repo.get(name, version).config))
    if (kind === 'stats') return json(res, 200, { model_stats: [modelStats(repo.get(name, version))] })
    if (name === 'stats' && version === undefined) return json(res, 200, { model_stats: repo.ready.map(modelStats) })
    return json(res, 200, modelMetadata(repo.get(name, version), repo))
  }
  m = REPOSITORY_RE.exec(path)
  if (m) {
    if (method !== 'POST') return methodNotAllowed(res)
    if (m[1] !== undefined) return error(res, "'repository_name' specification is not supported")
    if (m[2] !== 'index') return error(res, 'explicit model load / unload is not allowed if polling is enabled')
    const body = (await readBody(req)).toString('utf8')
    let readyOnly = false
    if (body.length > 0) {
      const request = parseJson(body)
      if (isObject(request) && 'ready' in request) {
        if (typeof request.ready !== 'boolean') throw new TritonError('attempt to access JSON non-boolean as boolean')
        readyOnly = request.ready
      }
    }
    return json(
      res,
      200,
      repo.loads
        .filter((l) => !readyOnly || l.model)
        .sort((a, b) => a.name.localeCompare(b.name) || a.version - b.version)
        .map((l) => ({
          name: l.name,
          version: String(l.version),
          state: l.model ? 'READY' : l.loading ? 'LOADING' : 'UNAVAILABLE',
          ...(l.reason ? { reason: l.reason } : {}),
        })),
    )
  }
  // Any other path: 400 with an empty body, as evhtp's default handler answers.
  send(res, 400)
}

export function createHttpService(repo: Repository, options: HttpOptions): Server {
  return createServer((req, res) => {
    route(req, res, repo, options).catch((e: unknown) => {
      if (res.headersSent) return res.destroy()
      error(res, e instanceof TritonError ? e.message : `internal error: ${(e as Error).message}`)
    })
  })
}

export function createMetricsService(repo: Repository, cpu: CpuMonitor | undefined, options: MetricsOptions): Server {
  return createServer((req, res) => {
    if (req.method !== 'GET') return send(res, 405, JSON.stringify({ error: 'Method Not Allowed' }))
    const headers = { 'Content-Type': 'text/plain; charset=utf-8' }
    if (!METRICS_RE.test((req.url ?? '/').split('?')[0]!)) return send(res, 400, '', headers)
    const models = repo.ready.map((m) => ({
      name: m.config.name,
      version: m.version,
      tags: m.config.metricTags,
      stats: m.stats,
    }))
    send(res, 200, renderMetrics(models, cpu?.sample, options), headers)
  })
}
