// Triton's HTTP API (KServe v2): what a step asks before sending inferences — is the server
// there, does it know the model, is the model ready, what tensors does it take — each failure
// turned into a cause and a fix. Works the same against Triton 23.05 and the test stand-in.
import { fail, StepError } from '../step/fail.ts'
import { tr } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { waitFor } from '../step/poll.ts'

export interface TensorMetadata {
  name: string
  datatype: string
  shape: number[]
}
export interface ModelMetadata {
  name: string
  platform?: string
  inputs: TensorMetadata[]
  outputs: TensorMetadata[]
}

const REQUEST_TIMEOUT_MS = 5000

export const endpoint = (base: string, path: string) => base.replace(/\/+$/, '') + path

const startTriton = () =>
  tr(
    'start Triton with `make triton`, or point --url at its HTTP port (TRITON_HTTP_PORT)',
    '用 `make triton` 启动 Triton，或用 --url 指向它的 HTTP 端口（TRITON_HTTP_PORT）',
  )

/** The reason a request never got an answer, in words: `connection refused`, `timed out`. */
export function networkCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  const code = cause?.code ?? (error as { code?: string }).code
  if ((error as Error).name === 'TimeoutError' || code === 'UND_ERR_CONNECT_TIMEOUT') return tr('timed out', '超时')
  if (code === 'ECONNREFUSED') return tr('connection refused', '连接被拒绝')
  if (code === 'ECONNRESET') return tr('connection reset', '连接被重置')
  if (code === 'ESELFCONNECT')
    return tr('nothing listens (the connection reached itself)', '无服务监听（连接连到了自身）')
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return tr('host name not found', '找不到主机名')
  return cause?.message ?? code ?? (error as Error).message
}

async function request(base: string, path: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const url = endpoint(base, path)
  log.request({ method: init.method, url, body: typeof init.body === 'string' ? init.body : undefined })
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    return { status: response.status, text: await response.text() }
  } catch (error) {
    throw fail(
      tr(
        `cannot reach Triton at ${base}: ${networkCause(error)}`,
        `无法连接 ${base} 上的 Triton：${networkCause(error)}`,
      ),
      startTriton(),
    )
  }
}

/** Triton's `{"error": "..."}` body, or the raw text when it is something else. */
function errorText(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown }
    if (typeof parsed.error === 'string') return parsed.error
  } catch {
    /* not JSON: quote the text itself */
  }
  return text.trim().slice(0, 200) || tr('empty body', '空响应体')
}

/** Names of the models in the server's repository (loaded, loading or failed); undefined when it will not say. */
async function repositoryModels(base: string): Promise<string[] | undefined> {
  try {
    const { status, text } = await request(base, '/v2/repository/index', { method: 'POST', body: '{}' })
    if (status !== 200) return undefined
    const index = JSON.parse(text) as unknown
    if (!Array.isArray(index)) return undefined
    return index.map((m: { name?: unknown }) => String(m?.name))
  } catch {
    return undefined
  }
}

function tensors(list: unknown): list is TensorMetadata[] {
  return (
    Array.isArray(list) &&
    list.every(
      (t: Partial<TensorMetadata> | null) =>
        typeof t?.name === 'string' && typeof t.datatype === 'string' && Array.isArray(t.shape),
    )
  )
}

/** GET /v2/models/<model>: fails with the server's own words when the model is unknown. */
export async function modelMetadata(base: string, model: string): Promise<ModelMetadata> {
  const path = `/v2/models/${encodeURIComponent(model)}`
  const { status, text } = await request(base, path)
  if (status === 200) {
    // Another server on that port (Grafana's web app answers 200 to any path) is reported below.
    let parsed: Partial<ModelMetadata> | null = null
    try {
      parsed = JSON.parse(text) as Partial<ModelMetadata> | null
    } catch {
      /* not Triton's JSON */
    }
    if (tensors(parsed?.inputs) && tensors(parsed?.outputs)) return parsed as ModelMetadata
  }
  if (status === 400 || status === 404) {
    const known = (await repositoryModels(base)) ?? []
    throw fail(
      tr(
        `Triton at ${base} does not serve model "${model}": ${errorText(text)}`,
        `${base} 上的 Triton 没有模型 "${model}"：${errorText(text)}`,
      ),
      known.length
        ? tr(
            `pass --model with one it serves (${known.join(', ')}) or set MODEL`,
            `用 --model 指定它已有的模型（${known.join(', ')}），或设置 MODEL`,
          )
        : tr(
            'pass --model <name> or set MODEL; the models are the folders of models/',
            '用 --model <名称> 或设置 MODEL；模型即 models/ 下的目录',
          ),
    )
  }
  throw fail(
    tr(
      `${base} answered ${status} to GET ${path}: ${errorText(text)}`,
      `${base} 对 GET ${path} 返回 ${status}：${errorText(text)}`,
    ),
    tr(
      "check that --url is Triton's HTTP port (8000 by default), not gRPC or metrics",
      '确认 --url 是 Triton 的 HTTP 端口（默认 8000），而不是 gRPC 或 metrics 端口',
    ),
  )
}

/**
 * Polls GET /v2/models/<model>/ready until 200, before anything else is asked of the model: one that
 * is still loading has no metadata yet (Triton 23.05 answers 400 "… has no available versions").
 * Ends at once, for modelMetadata to name the cause, when the repository does not list the model;
 * a server that cannot be reached fails at once too.
 */
export async function waitModelReady(base: string, model: string, timeoutMs: number, container: string): Promise<void> {
  const path = `/v2/models/${encodeURIComponent(model)}/ready`
  const probe = async (): Promise<'ready' | 'unknown' | StepError | false> => {
    try {
      if ((await request(base, path)).status === 200) return 'ready'
    } catch (error) {
      if (error instanceof StepError) return error
      throw error
    }
    const known = await repositoryModels(base)
    return known !== undefined && !known.includes(model) && 'unknown'
  }
  const outcome = await waitFor(probe, {
    what: tr(`model ${model} ready`, `模型 ${model} 就绪`),
    timeoutMs,
    onTimeout: () =>
      fail(
        tr(
          `model "${model}" is not ready on ${base} after ${timeoutMs / 1000} s`,
          `${base} 上的模型 "${model}" ${timeoutMs / 1000} 秒后仍未就绪`,
        ),
        tr(
          `read why it did not load: \`docker logs ${container}\``,
          `查看未能加载的原因：\`docker logs ${container}\``,
        ),
      ),
  })
  if (outcome instanceof StepError) throw outcome
}
