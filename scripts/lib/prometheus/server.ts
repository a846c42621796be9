// The Prometheus container as 03-prometheus checks it: the config promtool accepts before anything
// starts, a reload of a kept container, the wait for the Triton targets (named when it fails) and
// the rules it loaded. The diagnosis lives here, beside the service; the step only calls it.
import { join } from 'node:path'
import { waitTrouble } from '../engine/readiness.ts'
import { runTool } from '../engine/tool.ts'
import { tr } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import type { Config } from '../step/config.ts'
import { fail } from '../step/fail.ts'
import { waitFor } from '../step/poll.ts'
import { prometheusApi, type Target, TRITON_JOB, targetTable } from './api.ts'
import { CONFIG_IN_CONTAINER } from './files.ts'

/** promtool's verdict on the rendered folder, before any container changes. */
export async function checkConfig(dir: string, image: string): Promise<void> {
  const result = await runTool({
    name: 'promtool',
    image,
    pathInImage: '/bin/promtool',
    localArgs: ['check', 'config', join(dir, 'prometheus.yml')],
    imageArgs: ['check', 'config', `${CONFIG_IN_CONTAINER}/prometheus.yml`],
    mounts: [{ type: 'bind', source: dir, target: CONFIG_IN_CONTAINER, readOnly: true }],
  })
  if (result.exitCode !== 0) {
    throw fail(
      tr(`promtool rejects the generated config:\n${result.output}`, `promtool 拒绝了生成的配置：\n${result.output}`),
      tr(
        'fix the typed config in prometheus/ (config.ts, rules.ts); nothing was started',
        '请修改 prometheus/ 中的类型化配置（config.ts、rules.ts）；没有启动任何容器',
      ),
    )
  }
  log.ok(tr(`promtool check config: valid (${result.where})`, `promtool check config：有效（${result.where}）`))
}

/** Makes a running Prometheus read its files again (`--web.enable-lifecycle`), keeping its data. */
export async function reload(base: string, container: string): Promise<void> {
  log.request({ method: 'POST', url: `${base}/-/reload` })
  const answer = await fetch(`${base}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) }).then(
    async (r) => (r.ok ? undefined : `HTTP ${r.status}: ${(await r.text()).trim().slice(0, 300)}`),
    (e: Error) => e.message,
  )
  if (answer !== undefined) {
    throw fail(
      tr(
        `Prometheus at ${base} did not reload its configuration: ${answer}`,
        `${base} 上的 Prometheus 未能重新加载配置：${answer}`,
      ),
      tr(
        `read \`docker logs ${container}\`; \`docker rm -f ${container}\` and \`make prometheus\` start it afresh`,
        `查看 \`docker logs ${container}\`；\`docker rm -f ${container}\` 后运行 \`make prometheus\` 可重新启动它`,
      ),
    )
  }
}

/**
 * Waits until Prometheus scrapes exactly the `expected` Triton targets and each is up. A dead
 * engine, or a Prometheus or first Triton that stopped, ends the wait at once, named.
 */
export async function waitForTritonTargets(config: Config, base: string, expected: string[], timeoutS: number) {
  const { prometheus } = config
  const first = config.triton.container
  const what =
    expected.length === 1
      ? tr(`the triton target (${expected[0]})`, `triton 目标（${expected[0]}）`)
      : tr(`${expected.length} triton targets`, `${expected.length} 个 triton 目标`)
  let targets: Target[] = []
  const triton = () => targets.filter((t) => t.labels.job === TRITON_JOB)
  // A Prometheus that does not answer is "not yet" here, so the checks below can name why.
  const allUp = async () => {
    const data = await prometheusApi<{ activeTargets: Target[] }>(base, 'targets', { state: 'active' }, 3000).catch(
      () => undefined,
    )
    targets = data?.activeTargets ?? targets
    const up = new Set(triton().flatMap((t) => (t.health === 'up' ? [t.labels.instance] : [])))
    return triton().length === expected.length && expected.every((e) => up.has(e))
  }
  const outcome = await waitFor(
    async () =>
      ((await allUp()) && 'up') ||
      (await waitTrouble(
        prometheus.container,
        base,
        tr(`read \`docker logs ${prometheus.container}\``, `查看 \`docker logs ${prometheus.container}\``),
      )) ||
      (await waitTrouble(
        first,
        `http://${expected[0]}/metrics`,
        tr('start it with `make triton`', '用 `make triton` 启动它'),
      )) ||
      false,
    {
      what: tr(`waiting for ${what} to be up`, `等待${what}变为 up`),
      timeoutMs: timeoutS * 1000,
      intervalMs: 1000,
      onTimeout: () =>
        fail(
          tr(
            `${what} not up after ${timeoutS}s:\n${targetTable(targets)}`,
            `${timeoutS} 秒后${what}仍不是 up：\n${targetTable(targets)}`,
          ),
          tr(
            `check that Triton runs on network ${config.network} (\`make triton\` starts every replica it lists; ` +
              `\`docker logs ${first}\`)`,
            `请确认 Triton 运行在网络 ${config.network} 上（\`make triton\` 会启动列出的每个副本；` +
              `\`docker logs ${first}\`）`,
          ),
        ),
    },
  )
  if (outcome !== 'up') throw outcome
  log.raw(targetTable(targets))
  return what
}

/** How many rules Prometheus loaded; a Prometheus that cannot list them is a failure, named. */
export async function loadedRules(base: string, container: string): Promise<number> {
  const rules = await prometheusApi<{ groups?: { rules?: unknown[] }[] }>(base, 'rules', {}, 3000).catch(
    (e: Error) => e.message,
  )
  const groups = typeof rules === 'object' ? rules?.groups : undefined
  if (!Array.isArray(groups)) {
    throw fail(
      tr(
        `Prometheus at ${base} did not list its rules: ${JSON.stringify(rules).slice(0, 120)}`,
        `${base} 上的 Prometheus 没有列出其规则：${JSON.stringify(rules).slice(0, 120)}`,
      ),
      tr(
        `read \`docker logs ${container}\`; check that PROMETHEUS_PORT is this Prometheus's port`,
        `查看 \`docker logs ${container}\`；确认 PROMETHEUS_PORT 是此 Prometheus 的端口`,
      ),
    )
  }
  return groups.reduce((n, g) => n + (g.rules?.length ?? 0), 0)
}
