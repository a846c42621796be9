// Step 10: Alertmanager, where Prometheus sends its alerts (by this container's name, see
// 03-prometheus), so that a dead Triton reaches a person instead of a Prometheus page nobody
// watches. Its config is typed code (prometheus/alertmanager.ts) with the classroom timing of
// prometheus/alert-timing.ts, checked by amtool before anything changes. With ALERT_WEBHOOK_URL
// the alerts are posted to a webhook; the URL is a secret and only ever travels in the config file,
// which reaches the container the way every secret does (lib/engine/secret-files.ts): copied in before it
// starts, mode 0400, owned by the user the container runs as, so that user alone can read it.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { alertTiming, duration } from '../prometheus/alert-timing.ts'
import { describeWebhook, WEBHOOK_FILE, WEBHOOK_OFF, webhookChoice } from './lib/prometheus/alert-webhook.ts'
import {
  type AlertmanagerStatus,
  ALERTMANAGER_CONFIG_PATH,
  ALERTMANAGER_CONTAINER_PORT,
  ALERTMANAGER_DATA_DIR,
  ALERTMANAGER_USER,
  fetchStatus,
} from './lib/prometheus/alertmanager.ts'
import { crypto } from './lib/step/builtins.ts'
import { step } from './lib/step/cli.ts'
import { warnIfExposed } from './lib/step/exposure.ts'
import { assertDistinctPorts, loadConfig, url } from './lib/step/config.ts'
import { ensureContainer } from './lib/engine/containers.ts'
import { ensureEngine } from './lib/engine/cli.ts'
import { ensureImage } from './lib/engine/images.ts'
import { ensureNetwork } from './lib/engine/networks.ts'
import { waitForHttp } from './lib/engine/readiness.ts'
import { fail } from './lib/step/fail.ts'
import { t } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { stateDir } from './lib/state/secrets.ts'
import { pullEnv, pullFlags, pullSettings } from './lib/engine/pull-settings.ts'
import { checkMemory, runTool, type ToolRun } from './lib/engine/tool.ts'

/**
 * The config holds the webhook URL, so amtool never reads it from a file others could read: a
 * local amtool (running as us) gets a 0600 copy in the state folder, deleted after; the image's
 * amtool (running as nobody) gets it on stdin.
 */
async function checkConfig(text: string, image: string): Promise<void> {
  const memory = checkMemory('amtool', image, text)
  if (memory.passed()) {
    log.ok(t('amtool check-config: valid (passed before, unchanged since)'))
    return
  }
  const copy = join(stateDir(), `.alertmanager-check.${process.pid}.yml`)
  writeFileSync(copy, text, { mode: 0o600 })
  let result: ToolRun
  try {
    result = await runTool({
      name: 'amtool',
      image,
      pathInImage: '/bin/amtool',
      localArgs: ['check-config', copy],
      imageArgs: ['check-config'],
      imageInput: text,
    })
  } finally {
    rmSync(copy, { force: true })
  }
  if (result.exitCode !== 0) {
    throw fail(
      t('amtool rejects the Alertmanager config:\n{output}', { output: result.output }),
      t(
        'fix ALERTMANAGER_CONFIG (your file) or the typed config in ' +
          'prometheus/alertmanager.ts; nothing was changed',
      ),
    )
  }
  memory.remember()
  log.ok(t('amtool check-config: valid ({where})', { where: result.where }))
}

/** Your own alertmanager.yml, or a clear stop before anything is touched. */
function readOwnConfig(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw fail(
      t('cannot read ALERTMANAGER_CONFIG={path} ({code})', {
        path,
        code: (error as NodeJS.ErrnoException).code ?? (error as Error).message,
      }),
      t('point it at a readable alertmanager.yml, or unset it for the generated config'),
      2,
    )
  }
}

await step(
  {
    name: '10-alertmanager',
    lock: true,
    summary: t('Alertmanager receiving the alerts of Prometheus, with a webhook when ALERT_WEBHOOK_URL is set'),
    replaces:
      'docker run -d --name alertmanager --network ai-monitor-net -p 9093:9093 ' +
      '-v $PWD/alertmanager.yml:/etc/alertmanager/alertmanager.yml prom/alertmanager && curl http://localhost:9093/-/ready',
    env: {
      ALERTMANAGER_IMAGE: t('Alertmanager image (prom/alertmanager:v0.28.1)'),
      ALERTMANAGER_CONTAINER: t('container name, where Prometheus sends alerts (alertmanager)'),
      ALERTMANAGER_PORT: t('host port (9093)'),
      ALERT_WEBHOOK_URL: t(
        'http(s) URL alerts are posted to; kept in the state folder ({WEBHOOK_FILE}), ' +
          'shown masked; {WEBHOOK_OFF} removes it',
        { WEBHOOK_FILE, WEBHOOK_OFF },
      ),
      ALERTMANAGER_CONFIG: t(
        'your own alertmanager.yml instead of the generated one (e-mail, Slack…); checked by amtool',
      ),
      STATE_DIR: t('state folder (.state)'),
      BIND_ADDRESS: t('host address the port is published on (127.0.0.1)'),
      ...pullEnv,
    },
    flags: {
      timeout: {
        type: 'number',
        help: t('seconds to wait for /-/ready'),
        default: 60,
        min: 1,
      },
      ...pullFlags,
    },
  },
  async (flags) => {
    const config = loadConfig()
    assertDistinctPorts(config)
    warnIfExposed(config)
    const am = config.alertmanager
    // The typed config and its YAML rendering are loaded here, not at start: `--help` needs neither.
    const { alertmanagerConfig, alertmanagerYaml, RECEIVERS } = await import('../prometheus/alertmanager.ts')
    const hints = { nameVariable: 'ALERTMANAGER_CONTAINER', imageVariable: 'ALERTMANAGER_IMAGE' }
    // Every input is checked before anything changes: the variables, then the config by amtool.
    const own = am.configFile
    if (own && process.env.ALERT_WEBHOOK_URL?.trim()) {
      throw fail(
        t('ALERTMANAGER_CONFIG and ALERT_WEBHOOK_URL are both set: your own config decides where alerts go'),
        t('put the webhook in your alertmanager.yml and unset ALERT_WEBHOOK_URL, or unset ALERTMANAGER_CONFIG'),
        2,
      )
    }
    const webhook = own ? undefined : webhookChoice()
    const text = own ? readOwnConfig(resolve(own)) : alertmanagerYaml(alertmanagerConfig({ webhookUrl: webhook?.url }))
    await ensureEngine()
    await ensureImage(am.image, hints, pullSettings(flags['pull-stall-timeout']))
    await checkConfig(text, am.image)

    // Read at start: a changed config recreates the container. Its hash, never its content, goes in a
    // label (inspect shows labels); a token in the URL leaves nothing there to guess from.
    const configHash = crypto().createHash('sha256').update(text).digest('hex').slice(0, 16)
    await ensureNetwork(config.network)
    const base = url(config, am.port)
    const ready = () =>
      waitForHttp(`${base}/-/ready`, {
        what: t('waiting for Alertmanager to be ready'),
        timeoutMs: flags.timeout * 1000,
        container: am.container,
      })
    const { action } = await ensureContainer(
      {
        name: am.container,
        image: am.image,
        network: config.network,
        user: `${ALERTMANAGER_USER.uid}:${ALERTMANAGER_USER.gid}`,
        args: [
          `--config.file=${ALERTMANAGER_CONFIG_PATH}`,
          `--storage.path=${ALERTMANAGER_DATA_DIR}`,
          // One Alertmanager, no cluster: without this it gossips on 9094 and waits for peers.
          '--cluster.listen-address=',
          // Links in notifications (the payload's externalURL) lead to this machine's port.
          `--web.external-url=${base}`,
        ],
        secrets: [{ path: ALERTMANAGER_CONFIG_PATH, value: text, ...ALERTMANAGER_USER }],
        ports: [
          {
            address: config.bind,
            host: am.port,
            container: ALERTMANAGER_CONTAINER_PORT,
            variable: 'ALERTMANAGER_PORT',
          },
        ],
        labels: { 'io.triton-monitoring.alertmanager-config': configHash },
        hints,
      },
      // A replacement that never gets ready (a config amtool passed but Alertmanager refuses) gives the old one back.
      { ready },
    )
    // Stored (or forgotten) last, once Alertmanager runs with it: a failure above leaves the state as it was.
    webhook?.commit()
    if (webhook?.origin === 'removed') {
      log.change(t('webhook removed ({WEBHOOK_FILE} deleted)', { WEBHOOK_FILE }))
    }
    if (action === 'created' || action === 'recreated')
      log.info(
        t('config {ALERTMANAGER_CONFIG_PATH} copied into the container (mode 0400, uid {uid}), not mounted', {
          ALERTMANAGER_CONFIG_PATH,
          uid: ALERTMANAGER_USER.uid,
        }),
      )
    // Only for the closing line: Alertmanager is ready, and the version is a detail.
    const status: AlertmanagerStatus = await fetchStatus(base).catch(() => ({}))
    const version = status.versionInfo?.version ?? '?'
    const timing = t('group_wait {duration}, group_interval {duration2}', {
      duration: duration(alertTiming.groupWait),
      duration2: duration(alertTiming.groupInterval),
    })
    const receiver = own
      ? t('receivers from {own}', { own })
      : webhook?.url
        ? t('receiver {webhook} → {describeWebhook} ({timing})', {
            webhook: RECEIVERS.webhook,
            describeWebhook: describeWebhook(webhook.url),
            timing,
          })
        : t('no webhook: alerts show in `make alerts` and in Grafana (set ' + 'ALERT_WEBHOOK_URL to have them posted)')
    log.ok(t('Alertmanager {version} is ready at {base}: {receiver}', { version, base, receiver }))
  },
)
