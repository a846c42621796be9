// A model's config.pbtxt read the way Triton 23.05 reads it: unknown fields rejected (protobuf
// does), platform/backend filled in from each other, instance groups and version policy
// normalised, then served as JSON by `/v2/models/{m}/config` with the defaults Triton prints.
import { parsePbtxt, PbParseError, type PbMessage, type PbScalar, type PbValue } from './pbtxt.ts'

/** Protocol datatype (KServe v2 `datatype`) of each config `data_type`. */
export const DATA_TYPES = {
  TYPE_BOOL: 'BOOL',
  TYPE_UINT8: 'UINT8',
  TYPE_UINT16: 'UINT16',
  TYPE_UINT32: 'UINT32',
  TYPE_UINT64: 'UINT64',
  TYPE_INT8: 'INT8',
  TYPE_INT16: 'INT16',
  TYPE_INT32: 'INT32',
  TYPE_INT64: 'INT64',
  TYPE_FP16: 'FP16',
  TYPE_FP32: 'FP32',
  TYPE_FP64: 'FP64',
  TYPE_STRING: 'BYTES',
  TYPE_BF16: 'BF16',
} as const
export type ConfigDataType = keyof typeof DATA_TYPES

export interface TensorConfig {
  name: string
  dataType: ConfigDataType
  dims: number[]
  /** Kept verbatim for the config JSON. */
  extra: {
    format?: string
    reshape?: number[]
    isShapeTensor: boolean
    allowRaggedBatch: boolean
    optional: boolean
    labelFilename: string
  }
}

export interface InstanceGroup {
  name: string
  kind: 'KIND_CPU' | 'KIND_GPU' | 'KIND_AUTO' | 'KIND_MODEL'
  count: number
}

export interface ModelConfig {
  name: string
  platform: string
  backend: string
  maxBatchSize: number
  inputs: TensorConfig[]
  outputs: TensorConfig[]
  dynamicBatching?: { maxQueueDelayUs: number; preferredBatchSizes: number[] }
  instanceGroups: InstanceGroup[]
  defaultModelFilename: string
  latestVersions?: number
  specificVersions?: number[]
  parameters: Record<string, string>
  metricTags: Record<string, string>
}

/** A config Triton would refuse: `message` is what Triton logs for it. */
export class ConfigError extends Error {}

const MODEL_CONFIG_FIELDS = new Set([
  'name',
  'platform',
  'backend',
  'runtime',
  'version_policy',
  'max_batch_size',
  'input',
  'output',
  'batch_input',
  'batch_output',
  'optimization',
  'dynamic_batching',
  'sequence_batching',
  'ensemble_scheduling',
  'instance_group',
  'default_model_filename',
  'cc_model_filenames',
  'metric_tags',
  'parameters',
  'model_warmup',
  'model_operations',
  'model_transaction_policy',
  'model_repository_agents',
  'response_cache',
])
const INPUT_FIELDS = new Set([
  'name',
  'data_type',
  'format',
  'dims',
  'reshape',
  'is_shape_tensor',
  'allow_ragged_batch',
  'optional',
])
const OUTPUT_FIELDS = new Set(['name', 'data_type', 'dims', 'reshape', 'label_filename', 'is_shape_tensor'])
const INSTANCE_GROUP_FIELDS = new Set([
  'name',
  'kind',
  'count',
  'rate_limiter',
  'gpus',
  'secondary_devices',
  'profile',
  'passive',
  'host_policy',
])

function checkFields(msg: PbMessage, allowed: Set<string>, type: string): void {
  for (const name of msg.fields.keys()) {
    if (!allowed.has(name)) throw new ConfigError(`Message type "inference.${type}" has no field named "${name}".`)
  }
}

const isMessage = (v: PbValue | undefined): v is PbMessage => v?.kind === 'message'
const last = (msg: PbMessage, field: string) => msg.fields.get(field)?.at(-1)

function scalarOf(msg: PbMessage, field: string, type: string): PbScalar | undefined {
  const value = last(msg, field)
  if (value === undefined) return undefined
  if (isMessage(value)) throw new ConfigError(`Non-message type "${type}.${field}" cannot be a message.`)
  return value
}
function str(msg: PbMessage, field: string, type: string): string {
  const v = scalarOf(msg, field, type)
  if (v === undefined) return ''
  if (v.kind !== 'string') throw new ConfigError(`Expected string for field "${field}" of "inference.${type}".`)
  return v.value
}
function int(msg: PbMessage, field: string, type: string): number {
  const v = scalarOf(msg, field, type)
  if (v === undefined) return 0
  if (v.kind !== 'number' || !Number.isInteger(v.value))
    throw new ConfigError(`Expected integer, got: ${v.kind === 'string' ? `"${v.value}"` : String(v.value)}`)
  return v.value
}
function bool(msg: PbMessage, field: string, type: string): boolean {
  const v = scalarOf(msg, field, type)
  if (v === undefined) return false
  if (v.kind === 'ident' && (v.value === 'true' || v.value === 'True' || v.value === 't')) return true
  if (v.kind === 'ident' && (v.value === 'false' || v.value === 'False' || v.value === 'f')) return false
  if (v.kind === 'number' && (v.value === 0 || v.value === 1)) return v.value === 1
  throw new ConfigError(`Invalid value for boolean field "${field}". Value: "${'value' in v ? v.value : ''}".`)
}
function enumOf<T extends string>(msg: PbMessage, field: string, type: string, values: readonly T[], fallback: T): T {
  const v = scalarOf(msg, field, type)
  if (v === undefined) return fallback
  if (v.kind !== 'ident' || !values.includes(v.value as T)) {
    throw new ConfigError(`Unknown enumeration value of "${'value' in v ? v.value : ''}" for field "${field}".`)
  }
  return v.value as T
}
function ints(msg: PbMessage, field: string): number[] {
  return (msg.fields.get(field) ?? []).map((v) => {
    if (v.kind !== 'number' || !Number.isInteger(v.value))
      throw new ConfigError(`Expected integer, got: ${isMessage(v) ? '{' : String(v.value)}`)
    return v.value
  })
}
function messages(msg: PbMessage, field: string, type: string): PbMessage[] {
  return (msg.fields.get(field) ?? []).map((v) => {
    if (!isMessage(v)) throw new ConfigError(`Expected "{", found "${String(v.value)}" in field "${type}.${field}".`)
    return v
  })
}
/** `parameters { key: "k" value: { string_value: "v" } }` and `metric_tags { key: … value: … }` maps. */
function stringMap(msg: PbMessage, field: string, nested: boolean): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of messages(msg, field, 'ModelConfig')) {
    const key = str(entry, 'key', field)
    const value = last(entry, 'value')
    out[key] =
      nested && isMessage(value)
        ? str(value, 'string_value', 'ModelParameter')
        : isMessage(value)
          ? ''
          : String(value?.value ?? '')
  }
  return out
}

const DATA_TYPE_NAMES = Object.keys(DATA_TYPES) as ConfigDataType[]

function tensor(msg: PbMessage, kind: 'input' | 'output', model: string): TensorConfig {
  const type = kind === 'input' ? 'ModelInput' : 'ModelOutput'
  checkFields(msg, kind === 'input' ? INPUT_FIELDS : OUTPUT_FIELDS, type)
  const name = str(msg, 'name', type)
  const reshapeMsg = last(msg, 'reshape')
  const dataType = enumOf(msg, 'data_type', type, [...DATA_TYPE_NAMES, 'TYPE_INVALID'], 'TYPE_INVALID')
  if (dataType === 'TYPE_INVALID')
    throw new ConfigError(`model '${model}' must specify 'data_type' for ${kind} '${name}'`)
  return {
    name,
    dataType,
    dims: ints(msg, 'dims'),
    extra: {
      format:
        kind === 'input'
          ? enumOf(msg, 'format', type, ['FORMAT_NONE', 'FORMAT_NHWC', 'FORMAT_NCHW'], 'FORMAT_NONE')
          : undefined,
      reshape: isMessage(reshapeMsg) ? ints(reshapeMsg, 'shape') : undefined,
      isShapeTensor: bool(msg, 'is_shape_tensor', type),
      allowRaggedBatch: kind === 'input' ? bool(msg, 'allow_ragged_batch', type) : false,
      optional: kind === 'input' ? bool(msg, 'optional', type) : false,
      labelFilename: kind === 'output' ? str(msg, 'label_filename', type) : '',
    },
  }
}

/**
 * Parses and normalises one model's config.pbtxt text. `directory` is the model's directory
 * name, which Triton uses when `name` is omitted and requires `name` to equal otherwise.
 */
export function readModelConfig(text: string, directory: string): ModelConfig {
  let root: PbMessage
  try {
    root = parsePbtxt(text)
  } catch (error) {
    if (error instanceof PbParseError)
      throw new ConfigError(`Error parsing text-format inference.ModelConfig: ${error.message}`)
    throw error
  }
  checkFields(root, MODEL_CONFIG_FIELDS, 'ModelConfig')
  const name = str(root, 'name', 'ModelConfig') || directory
  if (name !== directory)
    throw new ConfigError(
      `unexpected directory name '${directory}' for model '${name}', directory name must equal model name`,
    )
  let platform = str(root, 'platform', 'ModelConfig')
  let backend = str(root, 'backend', 'ModelConfig')
  if (platform === 'onnxruntime_onnx' && !backend) backend = 'onnxruntime'
  if (backend === 'onnxruntime' && !platform) platform = 'onnxruntime_onnx'
  if (!platform && !backend) throw new ConfigError(`unexpected platform type '' for ${name}`)
  if (backend !== 'onnxruntime' || platform !== 'onnxruntime_onnx') {
    throw new ConfigError(
      `unable to find backend '${backend || platform}' for model '${name}': this Triton stand-in serves only onnxruntime_onnx models`,
    )
  }
  const maxBatchSize = int(root, 'max_batch_size', 'ModelConfig')
  if (maxBatchSize < 0) throw new ConfigError(`'max_batch_size' must be non-negative value for ${name}`)
  const inputs = messages(root, 'input', 'ModelConfig').map((m) => tensor(m, 'input', name))
  const outputs = messages(root, 'output', 'ModelConfig').map((m) => tensor(m, 'output', name))
  for (const t of [...inputs, ...outputs]) {
    for (const d of t.dims) {
      if (d < -1 || d === 0)
        throw new ConfigError(`dimension must be integer >= 1, or -1 to indicate a variable-size dimension for ${name}`)
    }
  }

  const dyn = last(root, 'dynamic_batching')
  let dynamicBatching: ModelConfig['dynamicBatching']
  if (dyn !== undefined) {
    if (!isMessage(dyn)) throw new ConfigError('Expected "{" for field "dynamic_batching".')
    // Unspecified preferred sizes become [max_batch_size] (core NormalizeModelConfig).
    const preferred = ints(dyn, 'preferred_batch_size')
    dynamicBatching = {
      maxQueueDelayUs: int(dyn, 'max_queue_delay_microseconds', 'ModelDynamicBatching'),
      preferredBatchSizes: preferred.length || maxBatchSize === 0 ? preferred : [maxBatchSize],
    }
    for (const size of preferred) {
      if (size <= 0) throw new ConfigError(`dynamic batching preferred size must be positive for ${name}`)
      if (size > maxBatchSize)
        throw new ConfigError(`dynamic batching preferred size must be <= max batch size for ${name}`)
    }
  }

  const groupMsgs = messages(root, 'instance_group', 'ModelConfig')
  // No instance_group means one KIND_AUTO group named after the model; KIND_AUTO with no GPU
  // becomes KIND_CPU; an omitted count is 2 for onnxruntime (core NormalizeInstanceGroup).
  const instanceGroups: InstanceGroup[] = (groupMsgs.length ? groupMsgs : [undefined]).map((g, i) => {
    if (g) checkFields(g, INSTANCE_GROUP_FIELDS, 'ModelInstanceGroup')
    const kind = g
      ? enumOf(
          g,
          'kind',
          'ModelInstanceGroup',
          ['KIND_AUTO', 'KIND_GPU', 'KIND_CPU', 'KIND_MODEL'] as const,
          'KIND_AUTO',
        )
      : 'KIND_AUTO'
    const groupName = (g && str(g, 'name', 'ModelInstanceGroup')) || (g ? `${name}_${i}` : name)
    if (kind === 'KIND_GPU')
      throw new ConfigError(`instance group ${groupName} of model ${name} has kind KIND_GPU but no GPUs are available`)
    const count = (g && int(g, 'count', 'ModelInstanceGroup')) || 2
    return { name: groupName, kind: kind === 'KIND_AUTO' ? 'KIND_CPU' : kind, count }
  })

  const policy = last(root, 'version_policy')
  let latestVersions: number | undefined = 1
  let specificVersions: number[] | undefined
  if (isMessage(policy)) {
    const latest = last(policy, 'latest')
    const specific = last(policy, 'specific')
    if (isMessage(specific)) {
      specificVersions = ints(specific, 'versions')
      latestVersions = undefined
    } else if (policy.fields.has('all')) latestVersions = undefined
    else if (isMessage(latest)) latestVersions = int(latest, 'num_versions', 'ModelVersionPolicy.Latest') || 1
  }

  return {
    name,
    platform,
    backend,
    maxBatchSize,
    inputs,
    outputs,
    dynamicBatching,
    instanceGroups,
    defaultModelFilename: str(root, 'default_model_filename', 'ModelConfig') || 'model.onnx',
    latestVersions,
    specificVersions,
    parameters: stringMap(root, 'parameters', true),
    metricTags: stringMap(root, 'metric_tags', false),
  }
}

/** The `/config` JSON: ModelConfig as Triton serialises it, defaults printed, int64s as numbers. */
export function configJson(config: ModelConfig): Record<string, unknown> {
  const io = (t: TensorConfig, kind: 'input' | 'output') => ({
    name: t.name,
    data_type: t.dataType,
    ...(kind === 'input' ? { format: t.extra.format } : {}),
    dims: t.dims,
    ...(t.extra.reshape ? { reshape: { shape: t.extra.reshape } } : {}),
    ...(kind === 'output' ? { label_filename: t.extra.labelFilename } : {}),
    is_shape_tensor: t.extra.isShapeTensor,
    ...(kind === 'input' ? { allow_ragged_batch: t.extra.allowRaggedBatch, optional: t.extra.optional } : {}),
  })
  const versionPolicy = config.specificVersions
    ? { specific: { versions: config.specificVersions } }
    : config.latestVersions !== undefined
      ? { latest: { num_versions: config.latestVersions } }
      : { all: {} }
  return {
    name: config.name,
    platform: config.platform,
    backend: config.backend,
    version_policy: versionPolicy,
    max_batch_size: config.maxBatchSize,
    input: config.inputs.map((t) => io(t, 'input')),
    output: config.outputs.map((t) => io(t, 'output')),
    batch_input: [],
    batch_output: [],
    optimization: {
      priority: 'PRIORITY_DEFAULT',
      input_pinned_memory: { enable: true },
      output_pinned_memory: { enable: true },
      gather_kernel_buffer_threshold: 0,
      eager_batching: false,
    },
    ...(config.dynamicBatching
      ? {
          dynamic_batching: {
            preferred_batch_size: config.dynamicBatching.preferredBatchSizes,
            max_queue_delay_microseconds: config.dynamicBatching.maxQueueDelayUs,
            preserve_ordering: false,
            priority_levels: 0,
            default_priority_level: 0,
            priority_queue_policy: {},
          },
        }
      : {}),
    instance_group: config.instanceGroups.map((g) => ({
      name: g.name,
      kind: g.kind,
      count: g.count,
      gpus: [],
      secondary_devices: [],
      profile: [],
      passive: false,
      host_policy: '',
    })),
    default_model_filename: config.defaultModelFilename,
    cc_model_filenames: {},
    metric_tags: config.metricTags,
    parameters: Object.fromEntries(Object.entries(config.parameters).map(([k, v]) => [k, { string_value: v }])),
    model_warmup: [],
  }
}

/** What ONNX Runtime reports about a graph input or output. */
export interface TensorMetadata {
  name: string
  type: string
  shape: readonly (number | string)[]
}

const ORT_TO_CONFIG: Record<string, ConfigDataType> = {
  float32: 'TYPE_FP32',
  float64: 'TYPE_FP64',
  float16: 'TYPE_FP16',
  int8: 'TYPE_INT8',
  uint8: 'TYPE_UINT8',
  int16: 'TYPE_INT16',
  uint16: 'TYPE_UINT16',
  int32: 'TYPE_INT32',
  uint32: 'TYPE_UINT32',
  int64: 'TYPE_INT64',
  uint64: 'TYPE_UINT64',
  bool: 'TYPE_BOOL',
  string: 'TYPE_STRING',
}
/** The onnxruntime backend's max_batch_size when it autofills one (--backend-config default-max-batch-size). */
const DEFAULT_MAX_BATCH_SIZE = 4

/**
 * The onnxruntime backend's auto-complete for a config without inputs and outputs (or without a
 * config.pbtxt): tensors from the graph, and when every tensor's first dimension is dynamic,
 * max_batch_size 4 with dynamic batching.
 */
export function autoComplete(
  config: ModelConfig,
  inputs: readonly TensorMetadata[],
  outputs: readonly TensorMetadata[],
): ModelConfig {
  if (config.inputs.length > 0 || config.outputs.length > 0) return config
  const dynamic = (d: number | string | undefined) => typeof d === 'string' || d === -1
  const batching =
    config.maxBatchSize === 0 && [...inputs, ...outputs].every((t) => t.shape.length > 0 && dynamic(t.shape[0]))
  const maxBatchSize = batching ? DEFAULT_MAX_BATCH_SIZE : config.maxBatchSize
  const tensor = (t: TensorMetadata): TensorConfig => {
    const dataType = ORT_TO_CONFIG[t.type]
    if (!dataType)
      throw new ConfigError(`unsupported datatype ${t.type} for tensor '${t.name}' of model '${config.name}'`)
    return {
      name: t.name,
      dataType,
      dims: (maxBatchSize > 0 ? t.shape.slice(1) : t.shape).map((d) => (typeof d === 'number' ? d : -1)),
      extra: {
        format: 'FORMAT_NONE',
        isShapeTensor: false,
        allowRaggedBatch: false,
        optional: false,
        labelFilename: '',
      },
    }
  }
  return {
    ...config,
    maxBatchSize,
    inputs: inputs.map(tensor),
    outputs: outputs.map(tensor),
    dynamicBatching:
      config.dynamicBatching ??
      (batching ? { maxQueueDelayUs: 0, preferredBatchSizes: [DEFAULT_MAX_BATCH_SIZE] } : undefined),
  }
}
