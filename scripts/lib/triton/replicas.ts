// Triton replicas as 02-triton waits for and shows them: each replica ready (server, then model),
// a stopped container ending the wait with its log, and one line per replica once they serve.
import { waitForHttp } from '../engine/readiness.ts'
import { tr } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { formatTable } from '../output/table.ts'
import { type Config, type TritonReplica, url } from '../step/config.ts'

/** Waits until a replica's server, then its model, say they are ready; a stopped container ends the wait. */
export async function waitReady(config: Config, replica: TritonReplica, models: string, timeoutS: number) {
  const http = url(config, replica.httpPort)
  const wait = { timeoutMs: timeoutS * 1000, container: replica.name }
  await waitForHttp(`${http}/v2/health/ready`, {
    ...wait,
    what: tr(`waiting for ${replica.name} to be ready`, `等待 ${replica.name} 就绪`),
    fix: tr(
      `read its log (\`docker logs ${replica.name}\`): a model that fails to load keeps Triton unready`,
      `查看它的日志（\`docker logs ${replica.name}\`）：模型加载失败会使 Triton 一直未就绪`,
    ),
  })
  await waitForHttp(`${http}/v2/models/${config.model}/ready`, {
    ...wait,
    what: tr(`waiting for model ${config.model} on ${replica.name}`, `等待 ${replica.name} 上的模型 ${config.model}`),
    fix: tr(
      `check that ${models}/${config.model} is a valid model (\`docker logs ${replica.name}\`)`,
      `请检查 ${models}/${config.model} 是否为有效模型（\`docker logs ${replica.name}\`）`,
    ),
  })
}

/** Says where the ready replicas are reached: one line for one, a table for several. */
export function logReady(config: Config): void {
  const { replicas, container } = config.triton
  const [first] = replicas
  if (replicas.length === 1 && first) {
    log.ok(
      tr(
        `Triton is ready: ${url(config, first.httpPort)} (HTTP), ${url(config, first.metricsPort)}/metrics, ` +
          `model ${config.model} loaded`,
        `Triton 已就绪：${url(config, first.httpPort)}（HTTP），${url(config, first.metricsPort)}/metrics，` +
          `模型 ${config.model} 已加载`,
      ),
    )
    return
  }
  log.ok(
    tr(
      `${replicas.length} Triton replicas are ready, model ${config.model} loaded in each, ` +
        `one name on the network: ${container}`,
      `${replicas.length} 个 Triton 副本已就绪，每个都已加载模型 ${config.model}，` + `网络上的统一名称：${container}`,
    ),
  )
  const rows = [
    ['REPLICA', 'HTTP', 'GRPC', 'METRICS'],
    ...replicas.map((r) => [
      r.name,
      url(config, r.httpPort),
      String(r.grpcPort),
      `${url(config, r.metricsPort)}/metrics`,
    ]),
  ]
  log.raw(formatTable(rows))
}
