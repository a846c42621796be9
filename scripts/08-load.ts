// Step 8: inference load on the served model, replacing the tutorial's loop that started one
// Python process per request. Keep-alive connections; closed loop by default, or open loop at a
// fixed --rate where latency counts from each request's intended send time, so a server that
// falls behind shows up as latency instead of being hidden by the client waiting (wrk2 style).
// The loop itself, and why its numbers are honest, is lib/triton/load-run.ts; the plan, tensors,
// request, statistics, progress and report are its neighbours lib/triton/load-*.ts.
import chalk from 'chalk'
import { step } from './lib/step/cli.ts'
import { loadConfig } from './lib/step/config.ts'
import { fail, type StepError } from './lib/step/fail.ts'
import { loadHeldout } from './lib/triton/heldout.ts'
import { tr } from './lib/output/i18n.ts'
import { encodeRequest } from './lib/triton/keepalive.ts'
import { endpoint, modelMetadata, waitModelReady } from './lib/triton/kserve.ts'
import { infer } from './lib/triton/load-infer.ts'
import { DEFAULT_REQUESTS, loadEndpoints, MAX_REQUESTS, makePlan } from './lib/triton/load-plan.ts'
import { report, replicaReport } from './lib/triton/load-print.ts'
import { showProgress } from './lib/triton/load-progress.ts'
import { LOAD_REPORT_FILE, type LoadReport, saveLoadReport } from './lib/triton/load-report.ts'
import { runLoad, Tally, Target } from './lib/triton/load-run.ts'
import { summarize } from './lib/triton/load-stats.ts'
import { digitInput, scoresOutput } from './lib/triton/load-tensors.ts'
import { log } from './lib/output/log.ts'

const READY_TIMEOUT_MS = 30_000

await step(
  {
    name: '08-load',
    summary: tr('Inference load on the model, with latency and accuracy', '向模型发送推理负载，报告延迟与准确率'),
    replaces: 'for i in {1..100}; do python3 client_infer.py > /dev/null; done',
    env: {
      TRITON_HTTP_PORT: tr(
        'Triton HTTP port for the default --url (8000)',
        '默认 --url 使用的 Triton HTTP 端口（8000）',
      ),
      TRITON_REPLICAS: tr(
        'replicas the default --url spreads over, each on its own port (1)',
        '默认 --url 分发到的副本数，每个副本有自己的端口（1）',
      ),
      MODEL: tr('model for the default --model (mnist_mlp)', '默认 --model 使用的模型（mnist_mlp）'),
    },
    flags: {
      url: {
        type: 'string',
        help: tr(
          'Triton HTTP endpoint, or several separated by commas, sent to in turn ' +
            '(default: every replica, http://127.0.0.1:$TRITON_HTTP_PORT first)',
          'Triton HTTP 地址，或用逗号分隔的多个地址（轮流发送）（默认：每个副本，第一个为 http://127.0.0.1:$TRITON_HTTP_PORT）',
        ),
      },
      model: {
        type: 'string',
        help: tr('model to call (default $MODEL or mnist_mlp)', '调用的模型（默认 $MODEL 或 mnist_mlp）'),
      },
      concurrency: {
        type: 'number',
        help: tr('connections sending at once', '同时发送的连接数'),
        default: 4,
        min: 1,
        max: 1024,
        integer: true,
      },
      rate: {
        type: 'number',
        help: tr('open loop: requests per second on a fixed schedule', '开环：按固定时间表每秒发送的请求数'),
        min: 0.01,
        max: 1_000_000,
      },
      requests: {
        type: 'number',
        help: tr(
          `how many requests (default ${DEFAULT_REQUESTS} unless --duration)`,
          `请求数（未给 --duration 时默认 ${DEFAULT_REQUESTS}）`,
        ),
        min: 1,
        max: MAX_REQUESTS,
        integer: true,
      },
      duration: {
        type: 'number',
        help: tr('stop sending after this many seconds', '发送这么多秒后停止'),
        min: 0.01,
        max: 3600,
      },
      timeout: {
        type: 'number',
        help: tr('seconds before one request counts as timed out', '单个请求超时秒数'),
        default: 10,
        min: 0.01,
        max: 600,
      },
      json: {
        type: 'boolean',
        help: tr('print the result as one JSON object on stdout', '在标准输出打印一个 JSON 结果'),
      },
    },
  },
  async (flags) => {
    const config = loadConfig()
    const endpoints = loadEndpoints(config, flags.url)
    const model = flags.model ?? config.model
    const heldout = loadHeldout()

    // Ready first: Triton 23.05 answers metadata for a model still loading as an unknown model.
    for (const e of endpoints) await waitModelReady(e.url, model, READY_TIMEOUT_MS, e.container)
    const metadata = await modelMetadata(endpoints[0]!.url, model)
    const input = digitInput(model, metadata.inputs)
    const output = scoresOutput(model, metadata.outputs)
    log.ok(
      tr(
        `model ${model} is ready at ${endpoints.map((t) => t.url).join(', ')}`,
        `模型 ${model} 已在 ${endpoints.map((t) => t.url).join('、')} 就绪`,
      ) + chalk.dim(`  ${input.name} [${input.shape}] FP32 → ${output}`),
    )

    const bodies = heldout.inputs.map((pixels) =>
      JSON.stringify({
        inputs: [{ name: input.name, shape: input.shape, datatype: 'FP32', data: Array.from(pixels) }],
        outputs: [{ name: output }],
      }),
    )
    const inferUrls = endpoints.map((t) => new URL(endpoint(t.url, `/v2/models/${encodeURIComponent(model)}/infer`)))
    const requests = inferUrls.map((inferUrl) =>
      bodies.map((body) => encodeRequest(inferUrl, 'POST', { 'Content-Type': 'application/json' }, Buffer.from(body))),
    )
    const plan = makePlan(flags)
    const amount = plan.durationMs
      ? tr(`for ${flags.duration} s`, ` ${flags.duration} 秒`)
      : tr(`${plan.count} requests`, ` ${plan.count} 个请求`)
    const schedule = plan.rate ? tr(`, ${plan.rate}/s on schedule`, `，按计划每秒 ${plan.rate} 个`) : ''
    const spread =
      endpoints.length > 1
        ? tr(`, round robin over ${endpoints.length} replicas`, `，轮询分发到 ${endpoints.length} 个副本`)
        : ''
    log.info(
      tr(
        `sending ${amount}, ${flags.concurrency} at once${schedule}${spread}`,
        `发送${amount}，并发 ${flags.concurrency}${schedule}${spread}`,
      ),
    )
    log.request({
      method: 'POST',
      url: inferUrls[0]!.href,
      body: bodies[0],
      note: tr(
        `one held-out digit each, over ${flags.concurrency} keep-alive connections` +
          (endpoints.length > 1 ? ' per replica, to each replica in turn' : ''),
        `每个请求一个留出数字，使用 ${flags.concurrency} 个长连接` +
          (endpoints.length > 1 ? '（每个副本），轮流发往各副本' : ''),
      ),
    })

    const startedAt = new Date().toISOString()
    // Like a round-robin load balancer with keep-alive upstreams: request i goes to replica
    // i mod N, on the sending worker's own connection to it (opened on first use).
    const replicas = endpoints.map(
      (t, i) => new Target(t.name, inferUrls[i]!, requests[i]!, flags.concurrency, flags.timeout * 1000),
    )
    // Two sums every redraw, not a merge that copies every latency so far ten times a second.
    const progress = showProgress(plan, performance.now(), () => ({
      ok: replicas.reduce((n, t) => n + t.tally.ok, 0),
      failed: replicas.reduce((n, t) => n + t.tally.failed, 0),
    }))
    const run = await runLoad(replicas, flags.concurrency, plan, async (replica, connection, index) => {
      const digit = index % heldout.count
      return infer(connection, replica.requests[digit]!, output, heldout.labels[digit]!, flags.timeout)
    })
    progress.stop()

    const all = Tally.merge(replicas.map((t) => t.tally))
    const result = {
      model,
      started: startedAt,
      ...summarize(all, run.elapsedMs),
      dropped: run.dropped,
      replicas: replicas.map((replica, i) => {
        const { histogram: _, ...line } = summarize(replica.tally, run.elapsedMs)
        return { name: replica.name, url: endpoints[i]!.url, ...line }
      }),
    }
    report(result, all)
    if (replicas.length > 1) log.raw(replicaReport(result.replicas))
    keepForReport(result)
    if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`)
    if (result.accuracy !== null && result.accuracy < 0.9) {
      log.warn(
        tr(
          `accuracy ${(result.accuracy * 100).toFixed(1)}% is far below the trained model's: ` +
            'Triton may serve another model — run `make model` and restart it with `make triton`',
          `准确率 ${(result.accuracy * 100).toFixed(1)}% 远低于训练结果：` +
            'Triton 可能加载了别的模型——运行 `make model` 后用 `make triton` 重启',
        ),
      )
    }
    if (result.dropped > 0) {
      log.warn(
        tr(
          `${result.dropped} requests due before the end were never sent: this client could not keep --rate ${plan.rate} ` +
            `with --concurrency ${flags.concurrency} (each connection sends one request at a time); raise --concurrency`,
          `${result.dropped} 个按计划应发送的请求在结束前未发出：此客户端在 --concurrency ${flags.concurrency} 下` +
            `跟不上 --rate ${plan.rate}（每个连接一次只发一个请求）；请提高 --concurrency`,
        ),
      )
    }

    const gaveUp = replicas.filter((t) => t.gaveUp)
    for (const replica of gaveUp) {
      log.error(
        tr(
          `Triton at ${replica.url.origin} stopped accepting connections (${replica.gaveUp!.detail}, ` +
            `${replica.gaveUp!.inRow} times in a row with growing pauses, after ${replica.tally.ok} answered)`,
          `${replica.url.origin} 上的 Triton 不再接受连接（${replica.gaveUp!.detail}，间隔递增地连续 ` +
            `${replica.gaveUp!.inRow} 次，此前 ${replica.tally.ok} 个请求已应答）`,
        ),
      )
    }
    const [first] = gaveUp
    if (first) {
      const container = endpoints[replicas.indexOf(first)]!.container
      throw fail(
        gaveUp.length === replicas.length
          ? tr('no Triton accepts connections any more: the load stopped', '没有 Triton 再接受连接：负载已停止')
          : tr(
              `${gaveUp.length} of ${replicas.length} replicas stopped accepting connections: the others took their turns`,
              `${replicas.length} 个副本中有 ${gaveUp.length} 个不再接受连接：其余副本接替了它们的请求`,
            ),
        tr(
          `check that it still runs (\`docker ps -a --filter name=${container}\`, ` +
            `\`docker logs ${container}\`) and start it again with \`make triton\``,
          `确认它仍在运行（\`docker ps -a --filter name=${container}\`，` +
            `\`docker logs ${container}\`），然后用 \`make triton\` 重新启动`,
        ),
      )
    }
    if (result.errors > 0) {
      const [kind, { detail }] = [...all.errors].sort((a, b) => b[1].count - a[1].count)[0]!
      throw fail(
        tr(
          `${result.errors} of ${result.requests} requests failed, most with ${kind}: ${detail}`,
          `${result.requests} 个请求中 ${result.errors} 个失败，主要是 ${kind}：${detail}`,
        ),
        kind.startsWith('HTTP') || kind === 'wrong output'
          ? tr(
              `read Triton's log (\`docker logs ${config.triton.container}\`) and check models/${model}/config.pbtxt`,
              `查看 Triton 日志（\`docker logs ${config.triton.container}\`）并检查 models/${model}/config.pbtxt`,
            )
          : tr(
              `Triton stopped answering: check it is still running (\`make triton\`), or lower --concurrency / raise --timeout`,
              `Triton 不再响应：确认它仍在运行（\`make triton\`），或降低 --concurrency / 提高 --timeout`,
            ),
      )
    }
  },
)

/**
 * Kept for `make report`, whatever the outcome (a run with failures is worth showing); a state
 * folder it cannot use is a warning, not the load's failure.
 */
function keepForReport(result: LoadReport): void {
  try {
    saveLoadReport(result)
    log.info(
      tr(
        `result kept for \`make report\` (${LOAD_REPORT_FILE} in the state folder)`,
        `结果已保存（状态目录中的 ${LOAD_REPORT_FILE}），供 \`make report\` 使用`,
      ),
    )
  } catch (error) {
    const { cause_, fix } = error as StepError
    log.warn(
      tr(
        `the result is not kept for \`make report\`: ${cause_ ?? error}`,
        `结果未能保存，\`make report\` 将看不到它：${cause_ ?? error}`,
      ),
    )
    if (fix) log.info(fix)
  }
}
