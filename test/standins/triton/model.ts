// A loaded model: ONNX Runtime sessions on CPU (one per instance, like Triton's onnxruntime
// backend), Triton's request checks (core InferenceRequest::Normalize) with its messages, and a
// scheduler: the dynamic batcher gathers what queued while every instance was busy into one
// execution of up to max_batch_size; without dynamic_batching each request runs alone.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { InferenceSession, Tensor } from 'onnxruntime-node'
import { autoComplete, DATA_TYPES, readModelConfig, type ModelConfig, type TensorConfig } from './config.ts'
import { ModelStats } from './stats.ts'

export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[]

export type ProtocolType = (typeof DATA_TYPES)[keyof typeof DATA_TYPES]

/** The ONNX Runtime tensor type and a constructor for each protocol datatype JSON can carry. */
const ORT_TYPES: Partial<Record<ProtocolType, { ort: Tensor.Type; make: (n: number) => TensorData }>> = {
  BOOL: { ort: 'bool', make: (n) => new Uint8Array(n) },
  UINT8: { ort: 'uint8', make: (n) => new Uint8Array(n) },
  UINT16: { ort: 'uint16', make: (n) => new Uint16Array(n) },
  UINT32: { ort: 'uint32', make: (n) => new Uint32Array(n) },
  UINT64: { ort: 'uint64', make: (n) => new BigUint64Array(n) },
  INT8: { ort: 'int8', make: (n) => new Int8Array(n) },
  INT16: { ort: 'int16', make: (n) => new Int16Array(n) },
  INT32: { ort: 'int32', make: (n) => new Int32Array(n) },
  INT64: { ort: 'int64', make: (n) => new BigInt64Array(n) },
  FP32: { ort: 'float32', make: (n) => new Float32Array(n) },
  FP64: { ort: 'float64', make: (n) => new Float64Array(n) },
  BYTES: { ort: 'string', make: (n) => new Array<string>(n).fill('') },
}

export function allocate(datatype: ProtocolType, count: number): TensorData | undefined {
  return ORT_TYPES[datatype]?.make(count)
}

export const protocolType = (t: TensorConfig): ProtocolType => DATA_TYPES[t.dataType]

/** An error Triton reports to the client (HTTP 400, `{"error": message}`). */
export class TritonError extends Error {}

export interface InferInput {
  name: string
  datatype: string
  shape: number[]
  data: TensorData
}
export interface InferOutput {
  name: string
  datatype: ProtocolType
  shape: number[]
  data: TensorData
}

interface Pending {
  inputs: InferInput[]
  outputs: string[]
  batch: number
  requestStart: number
  queueStart: number
  resolve: (outputs: InferOutput[]) => void
  reject: (error: Error) => void
}

export const now = () => Number(process.hrtime.bigint())

export class LoadedModel {
  readonly stats: ModelStats
  private queue: Pending[] = []
  private idle: InferenceSession[]
  private drainScheduled = false
  private delayTimer: NodeJS.Timeout | undefined

  constructor(
    readonly config: ModelConfig,
    readonly version: number,
    sessions: InferenceSession[],
    summaryQuantiles: readonly [number, number][] | undefined,
  ) {
    this.idle = [...sessions]
    this.stats = new ModelStats(summaryQuantiles)
  }

  /** Checks a request as core's Normalize does, then queues it; resolves with its outputs. */
  infer(inputs: InferInput[], requestedOutputs: string[], requestStart: number): Promise<InferOutput[]> {
    const { config } = this
    const model = config.name
    for (const name of requestedOutputs) {
      if (!config.outputs.some((o) => o.name === name))
        throw new TritonError(`unexpected inference output '${name}' for model '${model}'`)
    }
    if (inputs.length !== config.inputs.length) {
      throw new TritonError(
        `expected ${config.inputs.length} inputs but got ${inputs.length} inputs for model '${model}'`,
      )
    }
    let batch = 0
    for (const input of inputs) {
      if (!config.inputs.some((c) => c.name === input.name))
        throw new TritonError(`unexpected inference input '${input.name}' for model '${model}'`)
      if (config.maxBatchSize === 0) continue
      if (input.shape.length === 0)
        throw new TritonError(`input '${input.name}' has no shape but model requires batch dimension for '${model}'`)
      if (batch === 0) batch = input.shape[0]!
      else if (input.shape[0] !== batch)
        throw new TritonError(`input '${input.name}' batch size does not match other inputs for '${model}'`)
    }
    if (batch > config.maxBatchSize)
      throw new TritonError(`inference request batch-size must be <= ${config.maxBatchSize} for '${model}'`)
    for (const input of inputs) {
      const expected = config.inputs.find((c) => c.name === input.name)!
      if (input.datatype !== protocolType(expected)) {
        throw new TritonError(
          `inference input data-type is '${input.datatype}', model expects '${protocolType(expected)}' for '${model}'`,
        )
      }
      const shape = config.maxBatchSize > 0 ? input.shape.slice(1) : input.shape
      const matches = shape.length === expected.dims.length && expected.dims.every((d, i) => d === -1 || d === shape[i])
      if (!matches) {
        const full = config.maxBatchSize > 0 ? [-1, ...expected.dims] : expected.dims
        throw new TritonError(
          `unexpected shape for input '${input.name}' for model '${model}'. Expected [${full.join(',')}], got [${input.shape.join(',')}]`,
        )
      }
      const elements = input.shape.reduce((a, b) => a * b, 1)
      if (!Array.isArray(input.data) && input.data.length !== elements) {
        const size = input.data.BYTES_PER_ELEMENT
        throw new TritonError(
          `input byte size mismatch for input '${input.name}' for model '${model}'. ` +
            `Expected ${elements * size}, got ${input.data.length * size}`,
        )
      }
    }
    const outputs = requestedOutputs.length ? requestedOutputs : config.outputs.map((o) => o.name)
    return new Promise((resolve, reject) => {
      this.queue.push({ inputs, outputs, batch: Math.max(1, batch), requestStart, queueStart: now(), resolve, reject })
      this.scheduleDrain()
    })
  }

  /** The hand-off to the scheduler thread in Triton: the next turn of the event loop. */
  private scheduleDrain(): void {
    if (this.drainScheduled) return
    this.drainScheduled = true
    setImmediate(() => {
      this.drainScheduled = false
      this.drain()
    })
  }

  private drain(): void {
    const { config } = this
    const dyn = config.dynamicBatching
    while (this.idle.length && this.queue.length) {
      const head = this.queue[0]!
      const sameShape = (p: Pending) =>
        p.inputs.every((input) => {
          const other = head.inputs.find((h) => h.name === input.name)
          return other !== undefined && other.shape.slice(1).join() === input.shape.slice(1).join()
        })
      let take = 1
      if (dyn) {
        let size = head.batch
        while (take < this.queue.length) {
          const candidate = this.queue[take]!
          if (size + candidate.batch > config.maxBatchSize || !sameShape(candidate)) break
          size += candidate.batch
          take++
        }
        const waitedUs = (now() - head.queueStart) / 1000
        if (size < config.maxBatchSize && waitedUs < dyn.maxQueueDelayUs) {
          clearTimeout(this.delayTimer)
          this.delayTimer = setTimeout(() => this.drain(), Math.ceil((dyn.maxQueueDelayUs - waitedUs) / 1000))
          return
        }
      }
      const batch = this.queue.splice(0, take)
      const session = this.idle.pop()!
      void this.execute(session, batch).finally(() => {
        this.idle.push(session)
        if (this.queue.length) this.scheduleDrain()
      })
    }
  }

  private async execute(session: InferenceSession, batch: Pending[]): Promise<void> {
    const ort = await loadOrt()
    const { config } = this
    const computeStart = now()
    const batched = config.maxBatchSize > 0
    const total = batch.reduce((n, p) => n + p.batch, 0)
    const feeds: Record<string, Tensor> = {}
    for (const inputConfig of config.inputs) {
      const type = ORT_TYPES[protocolType(inputConfig)]!
      const parts = batch.map((p) => p.inputs.find((i) => i.name === inputConfig.name)!)
      const shape = batched ? [total, ...parts[0]!.shape.slice(1)] : parts[0]!.shape
      let data: TensorData
      if (parts.length === 1) {
        data = parts[0]!.data
      } else {
        data = type.make(parts.reduce((n, p) => n + p.data.length, 0))
        let offset = 0
        for (const part of parts) {
          if (Array.isArray(data)) data.splice(offset, part.data.length, ...(part.data as string[]))
          else (data as Float32Array).set(part.data as Float32Array, offset)
          offset += part.data.length
        }
      }
      feeds[inputConfig.name] = new ort.Tensor(type.ort, data as Float32Array, shape)
    }
    const computeInputEnd = now()
    const wanted = [...new Set(batch.flatMap((p) => p.outputs))]
    let results: InferenceSession.ReturnType
    try {
      results = await session.run(feeds, wanted)
    } catch (error) {
      // The onnxruntime backend answers every request of a failed execution with the error and
      // reports them as failures; no execution or inference is counted.
      const message = `onnx runtime error 2: ${(error as Error).message}`
      for (const p of batch) {
        this.stats.recordFailure(p.requestStart, now())
        p.reject(new TritonError(message))
      }
      return
    }
    const computeOutputStart = now()
    const answers = batch.map(() => [] as InferOutput[])
    for (const name of wanted) {
      const tensor = results[name]!
      const outputConfig = config.outputs.find((o) => o.name === name)!
      const dims = tensor.dims as number[]
      const rowSize = batched ? dims.slice(1).reduce((a, b) => a * b, 1) : tensor.data.length
      let row = 0
      batch.forEach((p, i) => {
        if (!p.outputs.includes(name)) return
        const shape = batched ? [p.batch, ...dims.slice(1)] : dims
        const data = (tensor.data as Float32Array).slice(row * rowSize, (row + p.batch) * rowSize)
        answers[i]!.push({ name, datatype: protocolType(outputConfig), shape, data })
        row += p.batch
      })
    }
    const computeEnd = now()
    this.stats.recordExecution(total, computeStart, computeInputEnd, computeOutputStart, computeEnd)
    batch.forEach((p, i) => {
      // Per-request order matches the request's `outputs` (or the config's) like Triton's response.
      const ordered = p.outputs.map((name) => answers[i]!.find((o) => o.name === name)!)
      this.stats.recordSuccess({
        requestStart: p.requestStart,
        queueStart: p.queueStart,
        computeStart,
        computeInputEnd,
        computeOutputStart,
        computeEnd,
        requestEnd: now(),
      })
      p.resolve(ordered)
    })
  }
}

let ortModule: Promise<typeof import('onnxruntime-node')> | undefined
/** Loaded on first use so the CLI answers `--help` and flag errors without the native addon. */
export function loadOrt(): Promise<typeof import('onnxruntime-node')> {
  ortModule ??= import('onnxruntime-node')
  return ortModule
}

export interface ModelLoad {
  name: string
  version: number
  /** Loaded model, or the reason it could not be loaded (Triton's UNAVAILABLE state). */
  model?: LoadedModel
  reason: string
  /** Still loading (Triton's LOADING state): known to the repository, no version available yet. */
  loading?: boolean
}

/** Numeric version subdirectories that hold the model file, newest first. */
function versionsOf(dir: string, config: ModelConfig): number[] {
  const all = readdirSync(dir)
    .filter((entry) => /^\d+$/.test(entry) && statSync(join(dir, entry)).isDirectory())
    .map(Number)
    .sort((a, b) => b - a)
  if (config.specificVersions) return all.filter((v) => config.specificVersions!.includes(v))
  return config.latestVersions === undefined ? all : all.slice(0, config.latestVersions)
}

/**
 * Loads one model directory as Triton would: config, then each version's ONNX file with one
 * session per instance, checking the config's tensors against the graph.
 */
export async function loadModelDir(
  dir: string,
  name: string,
  summaryQuantiles: readonly [number, number][] | undefined,
): Promise<ModelLoad[]> {
  let config: ModelConfig
  try {
    // No config.pbtxt: the repository manager lets the onnxruntime backend auto-complete one.
    const file = join(dir, 'config.pbtxt')
    config = readModelConfig(existsSync(file) ? readFileSync(file, 'utf8') : 'backend: "onnxruntime"', name)
  } catch (error) {
    return [{ name, version: 1, reason: (error as Error).message }]
  }
  const versions = versionsOf(dir, config)
  if (versions.length === 0)
    return [
      {
        name,
        version: 1,
        reason: `at least one version must be available under the version policy of model '${name}'`,
      },
    ]
  const ort = await loadOrt()
  const threads = (key: string) => Math.max(0, Number(config.parameters[key] ?? 0) || 0)
  return Promise.all(
    versions.map(async (version): Promise<ModelLoad> => {
      const file = join(dir, String(version), config.defaultModelFilename)
      try {
        const count = config.instanceGroups.reduce((n, g) => n + g.count, 0)
        const sessions = await Promise.all(
          Array.from({ length: count }, () =>
            ort.InferenceSession.create(file, {
              executionProviders: ['cpu'],
              ...(threads('intra_op_thread_count') ? { intraOpNumThreads: threads('intra_op_thread_count') } : {}),
              ...(threads('inter_op_thread_count') ? { interOpNumThreads: threads('inter_op_thread_count') } : {}),
            }),
          ),
        )
        const session = sessions[0]!
        const tensors = (list: readonly InferenceSession.ValueMetadata[]) =>
          list.map((m) => ({ name: m.name, type: m.isTensor ? m.type : 'sequence', shape: m.isTensor ? m.shape : [] }))
        const completed = autoComplete(config, tensors(session.inputMetadata), tensors(session.outputMetadata))
        for (const [kind, configured, actual] of [
          ['input', completed.inputs, session.inputNames],
          ['output', completed.outputs, session.outputNames],
        ] as const) {
          for (const t of configured) {
            if (!actual.includes(t.name))
              throw new Error(`unexpected inference ${kind} '${t.name}', allowed ${kind}s are: ${actual.join(', ')}`)
          }
        }
        return { name, version, model: new LoadedModel(completed, version, sessions, summaryQuantiles), reason: '' }
      } catch (error) {
        const message = (error as Error).message
        return {
          name,
          version,
          reason: message.startsWith('unexpected')
            ? message
            : `load failed for model '${name}': version ${version} is at UNAVAILABLE state: Internal: onnx runtime error 6: ${message};`,
        }
      }
    }),
  )
}
