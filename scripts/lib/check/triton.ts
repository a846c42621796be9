// Step 2 of the tutorial: Triton runs on the network with 8000-8002 published, says it is ready,
// serves the model, and exposes its nv_inference_* metrics; on a GPU or on the CPU.
import type { Config } from '../step/config.ts'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { httpRequest } from '../step/http.ts'
import { metric } from '../triton/metrics.ts'
import { TRITON_PORTS } from '../triton/names.ts'
import { type Checklist, failed, passed } from './checklist.ts'
import { type Container, inspect, containerChecks, publishedUrl } from './containers.ts'

/** A GET from this machine: the status and body, or why nothing answered. */
export async function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; text: string } | string> {
  log.request({ url })
  try {
    const { status, text } = await httpRequest(url, { timeoutMs })
    return { status, text }
  } catch (error) {
    return (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message
  }
}

/** The metric families a scrape exposes, by their `# TYPE` lines. */
const families = (text: string) => [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!)

export async function tritonChecks(list: Checklist, config: Config): Promise<Container | undefined> {
  const name = config.triton.container
  const container = await inspect(name)
  const urls: Partial<Record<keyof typeof TRITON_PORTS, string>> = {}
  await containerChecks(list, 2, 'triton', container, config)
  await list.run(2, 'triton.ports', t('8000-8002 published'), ['triton.container'], async () => {
    for (const key of Object.keys(TRITON_PORTS) as (keyof typeof TRITON_PORTS)[])
      urls[key] = publishedUrl(container!, TRITON_PORTS[key])
    const missing = Object.entries(TRITON_PORTS).filter(([key]) => !urls[key as keyof typeof TRITON_PORTS])
    if (missing.length)
      return failed(
        t('{name} does not publish {missing}: curl on this machine cannot reach them', {
          name,
          missing: missing.map(([, p]) => p).join(t(', ')),
        }),
        t("run it again with `{missing}` (a container's ports cannot be added later)", {
          missing: missing.map(([, p]) => `-p ${p}:${p}`).join(' '),
        }),
      )
    return passed(
      Object.values(TRITON_PORTS)
        .map((p, i) => `${p} → ${Object.values(urls)[i]}`)
        .join(', '),
    )
  })
  await list.run(
    2,
    'triton.ready',
    t('ready, {model} ready', { model: config.model }),
    ['triton.ports', 'triton.network'],
    async () => {
      const server = await httpGet(`${urls.http}/v2/health/ready`)
      if (typeof server === 'string' || server.status !== 200)
        return failed(
          t('{http}/v2/health/ready answers {value}', {
            http: String(urls.http),
            value: typeof server === 'string' ? server : server.status,
          }),
          t('read `docker logs {name}`: a model that fails to load keeps Triton unready', { name }),
        )
      const model = await httpGet(`${urls.http}/v2/models/${encodeURIComponent(config.model)}/ready`)
      if (typeof model === 'string' || model.status !== 200)
        return failed(
          t('Triton is ready but model {model} is not', { model: config.model }),
          t(
            'mount the model repository: `-v $PWD/models:/models` with ' +
              'models/{model}/config.pbtxt and 1/model.onnx; `docker logs {name}` says why ' +
              'it did not load (MODEL names another model)',
            { model: config.model, name },
          ),
        )
      return passed(t('/v2/health/ready 200, {model} ready', { model: config.model }))
    },
  )
  let scrape = ''
  await list.run(
    2,
    'triton.metrics',
    t(':8002/metrics has nv_inference_*'),
    ['triton.ports', 'triton.network'],
    async () => {
      const answer = await httpGet(`${urls.metrics}/metrics`)
      scrape = typeof answer === 'string' ? '' : answer.text
      const said = typeof answer === 'string' ? answer : answer.status
      const inference = families(scrape).filter((f) => f.startsWith('nv_inference_'))
      if (!inference.includes(metric.success) || !inference.includes(metric.requestDuration))
        return failed(
          t('{metrics}/metrics answers {said} without {success} and {requestDuration}', {
            metrics: String(urls.metrics),
            said,
            success: metric.success,
            requestDuration: metric.requestDuration,
          }),
          t('Triton exposes them once a model is loaded: check `triton.ready` above and `docker logs`'),
        )
      return passed(t('{inferenceLength} nv_inference_* families', { inferenceLength: inference.length }))
    },
  )
  await list.run(2, 'triton.device', t('GPU or CPU'), ['triton.metrics'], async () => {
    const gpus = new Set([...scrape.matchAll(/^nv_gpu_utilization\{[^}]*gpu_uuid="([^"]+)"/gm)].map((m) => m[1]))
    return passed(
      gpus.size
        ? t('on {gpusSize} GPU(s): the GPU panel has data', { gpusSize: gpus.size })
        : t('on the CPU (no nv_gpu_* metrics): the GPU Utilization panel stays empty, the others work'),
    )
  })
  return container
}
