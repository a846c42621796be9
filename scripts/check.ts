// make check: grades a stack a student built by hand, the tutorial's steps as a checklist: each
// check ✔, ⚠ (works, but teaches something) or ✖ with its cause and fix, or "not reached" when
// an earlier check it needs failed. It finds the stack by the tutorial's names (or the same
// variables the steps read), so a `make all` stack is checked alike. Read only: `docker network
// ls` and `docker container inspect`, GETs to Triton, Prometheus and Grafana; nothing created,
// started, reloaded or written, not even the state folder. Exits 0 only when nothing failed.
import { writeFileSync } from 'node:fs'
import { step } from './lib/step/cli.ts'
import { loadConfig } from './lib/step/config.ts'
import { fail } from './lib/step/fail.ts'
import { t } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { Checklist, failed, passed } from './lib/check/checklist.ts'
import { networkExists, tutorialRun } from './lib/check/containers.ts'
import { CREDENTIAL_ENV } from './lib/check/credentials.ts'
import { grafanaChecks } from './lib/check/grafana.ts'
import { grafanaApiChecks } from './lib/check/grafana-api.ts'
import { junitXml } from './lib/check/junit.ts'
import { configChecks, prometheusChecks, prometheusFacts } from './lib/check/prometheus.ts'
import { tritonChecks } from './lib/check/triton.ts'
import { verifyChecks } from './lib/check/verify.ts'
import { ensureEngine } from './lib/engine/cli.ts'

await step(
  {
    name: 'check',
    summary: t('Check a stack built by hand, step by step, as the tutorial builds it (read only)'),
    replaces:
      'docker network inspect ai-monitor-net; docker ps; curl http://localhost:8002/metrics; ' +
      'curl http://localhost:9090/api/v1/targets; curl -H "Authorization: Bearer glsa_****" http://localhost:3000/api/search',
    env: {
      'NETWORK, *_CONTAINER': t('names of the stack (ai-monitor-net, triton, prometheus, grafana)'),
      MODEL: t('model that must be ready (mnist_mlp)'),
      ...CREDENTIAL_ENV,
    },
    // It changes nothing, not even the state folder: no outcome is kept, no lock taken.
    record: false,
    flags: {
      step: {
        type: 'number',
        help: t("check the tutorial's steps up to this one"),
        default: 7,
        min: 1,
        max: 7,
        integer: true,
      },
      json: { type: 'boolean', help: t('print the checks as JSON on stdout') },
      junit: {
        type: 'string',
        help: t('also write the checks as JUnit XML to this file'),
      },
    },
  },
  async (flags) => {
    const config = loadConfig()
    const list = new Checklist(flags.step, !flags.json)
    await ensureEngine()
    await list.run(1, 'network.exists', t('network {network} exists', { network: config.network }), [], async () =>
      (await networkExists(config.network))
        ? passed(t('the containers find each other by name on it'))
        : failed(
            t('there is no network {network}', { network: config.network }),
            t('`{network}`, then run the containers with `--network {network2}`', {
              network: tutorialRun(config).network,
              network2: config.network,
            }),
          ),
    )
    const triton = await tritonChecks(list, config)
    if (list.upTo >= 3) {
      const facts = await prometheusFacts(config)
      const target = await configChecks(list, config, facts, triton)
      await prometheusChecks(list, config, facts, target)
    }
    if (list.upTo >= 5) {
      const access = await grafanaChecks(list, config)
      const found = await grafanaApiChecks(list, config, access)
      await verifyChecks(list, config, access, found)
    }
    const { checks } = list
    if (flags.junit) writeFileSync(flags.junit, junitXml(checks))
    if (flags.json) process.stdout.write(`${JSON.stringify({ ok: list.ok, checks }, null, 2)}\n`)
    const count = (s: string) => checks.filter((c) => c.status === s).length
    if (!list.ok)
      throw fail(
        t('{count} of {checksLength} checks failed, {count2} not reached', {
          count: count('fail'),
          checksLength: checks.length,
          count2: count('skip'),
        }),
        t('fix the first ✖ above, then run `make check` again'),
      )
    log.ok(
      t('all {checksLength} checks passed{count}', {
        checksLength: checks.length,
        count: count('warn') ? t(', {count} with something to learn (⚠)', { count: count('warn') }) : '',
      }),
    )
  },
)
