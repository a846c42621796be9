// Step 8: inference load on the served model, replacing the tutorial's loop that started one
// Python process per request. Keep-alive connections; closed loop by default, or open loop at a
// fixed --rate where latency counts from each request's intended send time, so a server that
// falls behind shows up as latency instead of being hidden by the client waiting (wrk2 style).
// The loop itself, and why its numbers are honest, is lib/triton/load-run.ts; the plan, tensors,
// request, statistics, progress and report are its neighbours lib/triton/load-*.ts.
import { color } from './lib/output/color.ts'
import { step } from './lib/step/cli.ts'
import { loadConfig } from './lib/step/config.ts'
import { fail, type StepError } from './lib/step/fail.ts'
import { loadHeldout } from './lib/triton/heldout.ts'
import { t } from './lib/output/i18n.ts'
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
    summary: t('Inference load on the model, with latency and accuracy'),
    replaces: 'for i in {1..100}; do python3 client_infer.py > /dev/null; done',
    env: {
      TRITON_HTTP_PORT: t('Triton HTTP port for the default --url (8000)'),
      TRITON_REPLICAS: t('replicas the default --url spreads over, each on its own port (1)'),
      MODEL: t('model for the default --model (mnist_mlp)'),
    },
    flags: {
      url: {
        type: 'string',
        help: t(
          'Triton HTTP endpoint, or several separated by commas, sent to in turn ' +
            '(default: every replica, http://127.0.0.1:$TRITON_HTTP_PORT first)',
        ),
      },
      model: {
        type: 'string',
        help: t('model to call (default $MODEL or mnist_mlp)'),
      },
      concurrency: {
        type: 'number',
        help: t('connections sending at once'),
        default: 4,
        min: 1,
        max: 1024,
        integer: true,
      },
      rate: {
        type: 'number',
        help: t('open loop: requests per second on a fixed schedule'),
        min: 0.01,
        max: 1_000_000,
      },
      requests: {
        type: 'number',
        help: t('how many requests (default {DEFAULT_REQUESTS} unless --duration)', { DEFAULT_REQUESTS }),
        min: 1,
        max: MAX_REQUESTS,
        integer: true,
      },
      duration: {
        type: 'number',
        help: t('stop sending after this many seconds'),
        min: 0.01,
        max: 3600,
      },
      timeout: {
        type: 'number',
        help: t('seconds before one request counts as timed out'),
        default: 10,
        min: 0.01,
        max: 600,
      },
      json: {
        type: 'boolean',
        help: t('print the result as one JSON object on stdout'),
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
      t('model {model} is ready at {endpoints}', { model, endpoints: endpoints.map((t) => t.url).join(t(', ')) }) +
        color.dim(`  ${input.name} [${input.shape}] FP32 → ${output}`),
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
      ? t('for {duration} s', { duration: String(flags.duration) })
      : t('{count} requests', { count: plan.count })
    const schedule = plan.rate ? t(', {rate}/s on schedule', { rate: plan.rate }) : ''
    const spread =
      endpoints.length > 1
        ? t(', round robin over {endpointsLength} replicas', { endpointsLength: endpoints.length })
        : ''
    log.info(
      t('sending {amount}, {concurrency} at once{schedule}{spread}', {
        amount,
        concurrency: flags.concurrency,
        schedule,
        spread,
      }),
    )
    log.request({
      method: 'POST',
      url: inferUrls[0]!.href,
      body: bodies[0],
      note: t('one held-out digit each, over {concurrency} keep-alive connections{perReplica}', {
        concurrency: flags.concurrency,
        perReplica: endpoints.length > 1 ? t(' per replica, to each replica in turn') : '',
      }),
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
    const run = await runLoad(replicas, flags.concurrency, plan, (replica, connection, index) => {
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
        t(
          "accuracy {accuracy}% is far below the trained model's: Triton may serve " +
            'another model — run `make model` and restart it with `make triton`',
          { accuracy: (result.accuracy * 100).toFixed(1) },
        ),
      )
    }
    if (result.dropped > 0) {
      log.warn(
        t(
          '{dropped} requests due before the end were never sent: this client could not ' +
            'keep --rate {rate} with --concurrency {concurrency} (each connection sends ' +
            'one request at a time); raise --concurrency',
          { dropped: result.dropped, rate: String(plan.rate), concurrency: flags.concurrency },
        ),
      )
    }

    const gaveUp = replicas.filter((t) => t.gaveUp)
    for (const replica of gaveUp) {
      log.error(
        t(
          'Triton at {origin} stopped accepting connections ({detail}, {inRow} times in ' +
            'a row with growing pauses, after {ok} answered)',
          {
            origin: replica.url.origin,
            detail: replica.gaveUp!.detail,
            inRow: replica.gaveUp!.inRow,
            ok: replica.tally.ok,
          },
        ),
      )
    }
    const [first] = gaveUp
    if (first) {
      const container = endpoints[replicas.indexOf(first)]!.container
      throw fail(
        gaveUp.length === replicas.length
          ? t('no Triton accepts connections any more: the load stopped')
          : t(
              '{gaveUpLength} of {replicasLength} replicas stopped accepting connections: ' +
                'the others took their turns',
              { gaveUpLength: gaveUp.length, replicasLength: replicas.length },
            ),
        t(
          'check that it still runs (`docker ps -a --filter name={container}`, ' +
            '`docker logs {container}`) and start it again with `make triton`',
          { container },
        ),
      )
    }
    if (result.errors > 0) {
      const [kind, { detail }] = [...all.errors].sort((a, b) => b[1].count - a[1].count)[0]!
      throw fail(
        t('{errors} of {requests} requests failed, most with {kind}: {detail}', {
          errors: result.errors,
          requests: result.requests,
          kind,
          detail,
        }),
        kind.startsWith('HTTP') || kind === 'wrong output'
          ? t("read Triton's log (`docker logs {container}`) and check models/{model}/config.pbtxt", {
              container: config.triton.container,
              model,
            })
          : t(
              'Triton stopped answering: check it is still running (`make triton`), or lower ' +
                '--concurrency / raise --timeout',
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
    log.info(t('result kept for `make report` ({LOAD_REPORT_FILE} in the state folder)', { LOAD_REPORT_FILE }))
  } catch (error) {
    const { cause_, fix } = error as StepError
    log.warn(t('the result is not kept for `make report`: {cause_}', { cause_: cause_ ?? error }))
    if (fix) log.info(fix)
  }
}
