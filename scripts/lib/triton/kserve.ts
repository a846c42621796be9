// Triton's HTTP API (KServe v2): what a step asks before sending inferences — is the server
// there, does it know the model, is the model ready, what tensors does it take — each failure
// turned into a cause and a fix. Works the same against Triton 23.05 and the test stand-in.
import { fail, StepError } from '../step/fail.ts'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { waitFor } from '../step/poll.ts'
import { httpRequest } from '../step/http.ts'

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

const startTriton = () => t('start Triton with `make triton`, or point --url at its HTTP port (TRITON_HTTP_PORT)')

/** The reason a request never got an answer, in words: `connection refused`, `timed out`. */
export function networkCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  const code = cause?.code ?? (error as { code?: string }).code
  if ((error as Error).name === 'TimeoutError') return t('timed out')
  if (code === 'ECONNREFUSED') return t('connection refused')
  if (code === 'ECONNRESET') return t('connection reset')
  if (code === 'ESELFCONNECT') return t('nothing listens (the connection reached itself)')
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return t('host name not found')
  return cause?.message ?? code ?? (error as Error).message
}

async function request(
  base: string,
  path: string,
  init: { method?: string; body?: string } = {},
): Promise<{ status: number; text: string }> {
  const url = endpoint(base, path)
  log.request({ method: init.method, url, body: init.body })
  try {
    const { status, text } = await httpRequest(url, { ...init, timeoutMs: REQUEST_TIMEOUT_MS })
    return { status, text }
  } catch (error) {
    throw fail(
      t('cannot reach Triton at {base}: {networkCause}', { base, networkCause: networkCause(error) }),
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
  return text.trim().slice(0, 200) || t('empty body')
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
      t('Triton at {base} does not serve model "{model}": {errorText}', { base, model, errorText: errorText(text) }),
      known.length
        ? t('pass --model with one it serves ({known}) or set MODEL', { known: known.join(', ') })
        : t('pass --model <name> or set MODEL; the models are the folders of models/'),
    )
  }
  throw fail(
    t('{base} answered {status} to GET {path}: {errorText}', { base, status, path, errorText: errorText(text) }),
    t("check that --url is Triton's HTTP port (8000 by default), not gRPC or metrics"),
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
    what: t('model {model} ready', { model }),
    timeoutMs,
    onTimeout: () =>
      fail(
        t('model "{model}" is not ready on {base} after {timeoutMs} s', { model, base, timeoutMs: timeoutMs / 1000 }),
        t('read why it did not load: `docker logs {container}`', { container }),
      ),
  })
  if (outcome instanceof StepError) throw outcome
}
