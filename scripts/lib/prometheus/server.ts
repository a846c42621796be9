// The Prometheus container as 03-prometheus checks it: the config promtool accepts before anything
// starts, a reload of a kept container, the wait for the Triton targets (named when it fails) and
// the rules it loaded. The diagnosis lives here, beside the service; the step only calls it.
import { join } from 'node:path'
import { waitTrouble } from '../engine/readiness.ts'
import { checkMemory, runTool } from '../engine/tool.ts'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { httpRequest } from '../step/http.ts'
import type { Config } from '../step/config.ts'
import { fail } from '../step/fail.ts'
import { waitFor } from '../step/poll.ts'
import { prometheusApi, type Target, TRITON_JOB, targetTable } from './api.ts'
import { CONFIG_IN_CONTAINER } from './files.ts'

/** promtool's verdict on the rendered folder, before any container changes. */
/** promtool's verdict on the files rendered into `dir` (`rendered`: their texts, as written). */
export async function checkConfig(dir: string, image: string, rendered: Record<string, string>): Promise<void> {
  const memory = checkMemory('promtool', image, JSON.stringify(rendered))
  if (memory.passed()) {
    log.ok(t('promtool check config: valid (passed before, unchanged since)'))
    return
  }
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
      t('promtool rejects the generated config:\n{output}', { output: result.output }),
      t('fix the typed config in prometheus/ (config.ts, rules.ts); nothing was started'),
    )
  }
  memory.remember()
  log.ok(t('promtool check config: valid ({where})', { where: result.where }))
}

/** Makes a running Prometheus read its files again (`--web.enable-lifecycle`), keeping its data. */
export async function reload(base: string, container: string): Promise<void> {
  log.request({ method: 'POST', url: `${base}/-/reload` })
  const answer = await httpRequest(`${base}/-/reload`, { method: 'POST', timeoutMs: 10_000 }).then(
    (r) => (r.ok ? undefined : `HTTP ${r.status}: ${r.text.trim().slice(0, 300)}`),
    (e: Error) => e.message,
  )
  if (answer !== undefined) {
    throw fail(
      t('Prometheus at {base} did not reload its configuration: {answer}', { base, answer }),
      t('read `docker logs {container}`; `docker rm -f {container}` and `make prometheus` start it afresh', {
        container,
      }),
    )
  }
}

/**
 * Waits until Prometheus scrapes exactly the `expected` Triton targets and each is up. A dead
 * engine, or a Prometheus or first Triton that stopped, ends the wait at once, named.
 */
export async function waitForTritonTargets(
  config: Config,
  base: string,
  listed: () => string[],
  timeoutS: number,
): Promise<string> {
  const { prometheus } = config
  const first = config.triton.container
  let expected = listed()
  const describe = () =>
    expected.length === 1
      ? t('the triton target ({expected})', { expected: String(expected[0]) })
      : t('{expectedLength} triton targets', { expectedLength: expected.length })
  const what = describe()
  let targets: Target[] = []
  const triton = () => targets.filter((t) => t.labels.job === TRITON_JOB)
  // A Prometheus that does not answer is "not yet" here, so the checks below can name why.
  const allUp = async () => {
    // Read again at every look: 02-triton rewrites the list while this waits (make up runs both at once).
    expected = listed()
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
        t('read `docker logs {container}`', { container: prometheus.container }),
      )) ||
      (await waitTrouble(first, `http://${expected[0]}/metrics`, t('start it with `make triton`'))) ||
      false,
    {
      what: t('waiting for {what} to be up', { what }),
      timeoutMs: timeoutS * 1000,
      intervalMs: 1000,
      onTimeout: () =>
        fail(
          t('{what} not up after {timeoutS}s:\n{targetTable}', {
            what: describe(),
            timeoutS,
            targetTable: targetTable(targets),
          }),
          t(
            'check that Triton runs on network {network} (`make triton` starts every ' +
              'replica it lists; `docker logs {first}`)',
            { network: config.network, first },
          ),
        ),
    },
  )
  if (outcome !== 'up') throw outcome
  log.raw(targetTable(targets))
  return describe()
}

/** How many rules Prometheus loaded; a Prometheus that cannot list them is a failure, named. */
export async function loadedRules(base: string, container: string): Promise<number> {
  const rules = await prometheusApi<{ groups?: { rules?: unknown[] }[] }>(base, 'rules', {}, 3000).catch(
    (e: Error) => e.message,
  )
  const groups = typeof rules === 'object' ? rules?.groups : undefined
  if (!Array.isArray(groups)) {
    throw fail(
      t('Prometheus at {base} did not list its rules: {rules}', { base, rules: JSON.stringify(rules).slice(0, 120) }),
      t("read `docker logs {container}`; check that PROMETHEUS_PORT is this Prometheus's port", { container }),
    )
  }
  return groups.reduce((n, g) => n + (g.rules?.length ?? 0), 0)
}
