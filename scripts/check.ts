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
import { tr } from './lib/output/i18n.ts'
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
    summary: tr(
      'Check a stack built by hand, step by step, as the tutorial builds it (read only)',
      '逐步检查按教程手动搭建的服务（只读）',
    ),
    replaces:
      'docker network inspect ai-monitor-net; docker ps; curl http://localhost:8002/metrics; ' +
      'curl http://localhost:9090/api/v1/targets; curl -H "Authorization: Bearer glsa_****" http://localhost:3000/api/search',
    env: {
      'NETWORK, *_CONTAINER': tr(
        'names of the stack (ai-monitor-net, triton, prometheus, grafana)',
        '服务的名称（ai-monitor-net、triton、prometheus、grafana）',
      ),
      MODEL: tr('model that must be ready (mnist_mlp)', '必须就绪的模型（mnist_mlp）'),
      ...CREDENTIAL_ENV,
    },
    // It changes nothing, not even the state folder: no outcome is kept, no lock taken.
    record: false,
    flags: {
      step: {
        type: 'number',
        help: tr("check the tutorial's steps up to this one", '只检查到教程的第几步'),
        default: 7,
        min: 1,
        max: 7,
        integer: true,
      },
      json: { type: 'boolean', help: tr('print the checks as JSON on stdout', '在标准输出打印 JSON 格式的检查结果') },
      junit: {
        type: 'string',
        help: tr('also write the checks as JUnit XML to this file', '同时把检查结果以 JUnit XML 写入此文件'),
      },
    },
  },
  async (flags) => {
    const config = loadConfig()
    const list = new Checklist(flags.step, !flags.json)
    await ensureEngine()
    await list.run(
      1,
      'network.exists',
      tr(`network ${config.network} exists`, `网络 ${config.network} 存在`),
      [],
      async () =>
        (await networkExists(config.network))
          ? passed(tr('the containers find each other by name on it', '容器在其上可按名称互相访问'))
          : failed(
              tr(`there is no network ${config.network}`, `没有网络 ${config.network}`),
              tr(
                `\`${tutorialRun(config).network}\`, then run the containers with \`--network ${config.network}\``,
                `\`${tutorialRun(config).network}\`，然后用 \`--network ${config.network}\` 运行容器`,
              ),
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
        tr(
          `${count('fail')} of ${checks.length} checks failed, ${count('skip')} not reached`,
          `${checks.length} 项检查中 ${count('fail')} 项失败，${count('skip')} 项未到达`,
        ),
        tr('fix the first ✖ above, then run `make check` again', '修复上面第一个 ✖，然后再次运行 `make check`'),
      )
    log.ok(
      tr(
        `all ${checks.length} checks passed${count('warn') ? `, ${count('warn')} with something to learn (⚠)` : ''}`,
        `${checks.length} 项检查全部通过${count('warn') ? `，其中 ${count('warn')} 项值得注意（⚠）` : ''}`,
      ),
    )
  },
)
