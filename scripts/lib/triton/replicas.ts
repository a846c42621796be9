// Triton replicas as 02-triton waits for and shows them: each replica ready (server, then model),
// a stopped container ending the wait with its log, and one line per replica once they serve.
import { waitForHttp } from '../engine/readiness.ts'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { formatTable } from '../output/table.ts'
import { type Config, type TritonReplica, url } from '../step/config.ts'

/** Waits until a replica's server, then its model, say they are ready; a stopped container ends the wait. */
export async function waitReady(config: Config, replica: TritonReplica, models: string, timeoutS: number) {
  const http = url(config, replica.httpPort)
  const wait = { timeoutMs: timeoutS * 1000, container: replica.name }
  await waitForHttp(`${http}/v2/health/ready`, {
    ...wait,
    what: t('waiting for {name} to be ready', { name: replica.name }),
    fix: t('read its log (`docker logs {name}`): a model that fails to load keeps Triton unready', {
      name: replica.name,
    }),
  })
  await waitForHttp(`${http}/v2/models/${config.model}/ready`, {
    ...wait,
    what: t('waiting for model {model} on {name}', { model: config.model, name: replica.name }),
    fix: t('check that {models}/{model} is a valid model (`docker logs {name}`)', {
      models,
      model: config.model,
      name: replica.name,
    }),
  })
}

/** Says where the ready replicas are reached: one line for one, a table for several. */
export function logReady(config: Config): void {
  const { replicas, container } = config.triton
  const [first] = replicas
  if (replicas.length === 1 && first) {
    log.ok(
      t('Triton is ready: {url} (HTTP), {url2}/metrics, model {model} loaded', {
        url: url(config, first.httpPort),
        url2: url(config, first.metricsPort),
        model: config.model,
      }),
    )
    return
  }
  log.ok(
    t(
      '{replicasLength} Triton replicas are ready, model {model} loaded in each, one ' +
        'name on the network: {container}',
      { replicasLength: replicas.length, model: config.model, container },
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
