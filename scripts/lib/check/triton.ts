// Step 2 of the tutorial: Triton runs on the network with 8000-8002 published, says it is ready,
// serves the model, and exposes its nv_inference_* metrics; on a GPU or on the CPU.
import type { Config } from '../step/config.ts'
import { tr } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { metric } from '../triton/metrics.ts'
import { TRITON_PORTS } from '../triton/names.ts'
import { type Checklist, failed, passed } from './checklist.ts'
import { type Container, inspect, containerChecks, publishedUrl } from './containers.ts'

/** A GET from this machine: the status and body, or why nothing answered. */
export async function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; text: string } | string> {
  log.request({ url })
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    return { status: response.status, text: await response.text() }
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
  await list.run(2, 'triton.ports', tr('8000-8002 published', '发布了 8000-8002'), ['triton.container'], async () => {
    for (const key of Object.keys(TRITON_PORTS) as (keyof typeof TRITON_PORTS)[])
      urls[key] = publishedUrl(container!, TRITON_PORTS[key])
    const missing = Object.entries(TRITON_PORTS).filter(([key]) => !urls[key as keyof typeof TRITON_PORTS])
    if (missing.length)
      return failed(
        tr(
          `${name} does not publish ${missing.map(([, p]) => p).join(', ')}: curl on this machine cannot reach them`,
          `${name} 没有发布 ${missing.map(([, p]) => p).join('、')}：本机的 curl 无法访问它们`,
        ),
        tr(
          `run it again with \`${missing.map(([, p]) => `-p ${p}:${p}`).join(' ')}\` (a container's ports cannot be added later)`,
          `用 \`${missing.map(([, p]) => `-p ${p}:${p}`).join(' ')}\` 重新运行它（容器的端口无法事后添加）`,
        ),
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
    tr(`ready, ${config.model} ready`, `就绪，${config.model} 就绪`),
    ['triton.ports', 'triton.network'],
    async () => {
      const server = await httpGet(`${urls.http}/v2/health/ready`)
      if (typeof server === 'string' || server.status !== 200)
        return failed(
          tr(
            `${urls.http}/v2/health/ready answers ${typeof server === 'string' ? server : server.status}`,
            `${urls.http}/v2/health/ready 返回 ${typeof server === 'string' ? server : server.status}`,
          ),
          tr(
            `read \`docker logs ${name}\`: a model that fails to load keeps Triton unready`,
            `查看 \`docker logs ${name}\`：模型加载失败时 Triton 不会就绪`,
          ),
        )
      const model = await httpGet(`${urls.http}/v2/models/${encodeURIComponent(config.model)}/ready`)
      if (typeof model === 'string' || model.status !== 200)
        return failed(
          tr(`Triton is ready but model ${config.model} is not`, `Triton 已就绪，但模型 ${config.model} 未就绪`),
          tr(
            `mount the model repository: \`-v $PWD/models:/models\` with models/${config.model}/config.pbtxt and 1/model.onnx; ` +
              `\`docker logs ${name}\` says why it did not load (MODEL names another model)`,
            `挂载模型仓库：\`-v $PWD/models:/models\`，其中有 models/${config.model}/config.pbtxt 和 1/model.onnx；` +
              `\`docker logs ${name}\` 会说明加载失败的原因（MODEL 可指定其他模型）`,
          ),
        )
      return passed(tr(`/v2/health/ready 200, ${config.model} ready`, `/v2/health/ready 200，${config.model} 已就绪`))
    },
  )
  let scrape = ''
  await list.run(
    2,
    'triton.metrics',
    tr(':8002/metrics has nv_inference_*', ':8002/metrics 含 nv_inference_*'),
    ['triton.ports', 'triton.network'],
    async () => {
      const answer = await httpGet(`${urls.metrics}/metrics`)
      scrape = typeof answer === 'string' ? '' : answer.text
      const said = typeof answer === 'string' ? answer : answer.status
      const inference = families(scrape).filter((f) => f.startsWith('nv_inference_'))
      if (!inference.includes(metric.success) || !inference.includes(metric.requestDuration))
        return failed(
          tr(
            `${urls.metrics}/metrics answers ${said} without ${metric.success} and ${metric.requestDuration}`,
            `${urls.metrics}/metrics 返回 ${said}，没有 ${metric.success} 和 ${metric.requestDuration}`,
          ),
          tr(
            'Triton exposes them once a model is loaded: check `triton.ready` above and `docker logs`',
            '模型加载后 Triton 才会暴露它们：检查上面的就绪项和 `docker logs`',
          ),
        )
      return passed(tr(`${inference.length} nv_inference_* families`, `${inference.length} 个 nv_inference_* 指标族`))
    },
  )
  await list.run(2, 'triton.device', tr('GPU or CPU', 'GPU 还是 CPU'), ['triton.metrics'], async () => {
    const gpus = new Set([...scrape.matchAll(/^nv_gpu_utilization\{[^}]*gpu_uuid="([^"]+)"/gm)].map((m) => m[1]))
    return passed(
      gpus.size
        ? tr(`on ${gpus.size} GPU(s): the GPU panel has data`, `运行在 ${gpus.size} 个 GPU 上：GPU 面板有数据`)
        : tr(
            'on the CPU (no nv_gpu_* metrics): the GPU Utilization panel stays empty, the others work',
            '运行在 CPU 上（没有 nv_gpu_* 指标）：GPU 利用率面板为空，其他面板正常',
          ),
    )
  })
  return container
}
