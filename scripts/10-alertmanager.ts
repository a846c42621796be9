// Step 10: Alertmanager, where Prometheus sends its alerts (by this container's name, see
// 03-prometheus), so that a dead Triton reaches a person instead of a Prometheus page nobody
// watches. Its config is typed code (prometheus/alertmanager.ts) with the classroom timing of
// prometheus/alert-timing.ts, checked by amtool before anything changes. With ALERT_WEBHOOK_URL
// the alerts are posted to a webhook; the URL is a secret and only ever travels in the config file,
// which reaches the container the way every secret does (lib/engine/secret-files.ts): copied in before it
// starts, mode 0400, owned by the user the container runs as, so that user alone can read it.
import { createHash } from 'node:crypto'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { alertmanagerConfig, alertmanagerYaml, RECEIVERS } from '../prometheus/alertmanager.ts'
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
import { step } from './lib/step/cli.ts'
import { warnIfExposed } from './lib/step/exposure.ts'
import { assertDistinctPorts, loadConfig, url } from './lib/step/config.ts'
import { ensureContainer } from './lib/engine/containers.ts'
import { ensureEngine } from './lib/engine/cli.ts'
import { ensureImage } from './lib/engine/images.ts'
import { ensureNetwork } from './lib/engine/networks.ts'
import { waitForHttp } from './lib/engine/readiness.ts'
import { fail } from './lib/step/fail.ts'
import { tr } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { stateDir } from './lib/state/secrets.ts'
import { pullEnv, pullFlags, pullSettings } from './lib/engine/pull.ts'
import { runTool, type ToolRun } from './lib/engine/tool.ts'

/**
 * The config holds the webhook URL, so amtool never reads it from a file others could read: a
 * local amtool (running as us) gets a 0600 copy in the state folder, deleted after; the image's
 * amtool (running as nobody) gets it on stdin.
 */
async function checkConfig(text: string, image: string): Promise<void> {
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
      tr(
        `amtool rejects the Alertmanager config:\n${result.output}`,
        `amtool 拒绝了 Alertmanager 配置：\n${result.output}`,
      ),
      tr(
        'fix ALERTMANAGER_CONFIG (your file) or the typed config in prometheus/alertmanager.ts; nothing was changed',
        '请修改 ALERTMANAGER_CONFIG（你的文件）或 prometheus/alertmanager.ts 中的类型化配置；没有做任何改动',
      ),
    )
  }
  log.ok(tr(`amtool check-config: valid (${result.where})`, `amtool check-config：有效（${result.where}）`))
}

/** Your own alertmanager.yml, or a clear stop before anything is touched. */
function readOwnConfig(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw fail(
      tr(
        `cannot read ALERTMANAGER_CONFIG=${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        `无法读取 ALERTMANAGER_CONFIG=${path}（${(error as NodeJS.ErrnoException).code ?? (error as Error).message}）`,
      ),
      tr(
        'point it at a readable alertmanager.yml, or unset it for the generated config',
        '请指向一个可读的 alertmanager.yml，或取消设置以使用生成的配置',
      ),
      2,
    )
  }
}

await step(
  {
    name: '10-alertmanager',
    lock: true,
    summary: tr(
      'Alertmanager receiving the alerts of Prometheus, with a webhook when ALERT_WEBHOOK_URL is set',
      '运行 Alertmanager 接收 Prometheus 的告警；设置 ALERT_WEBHOOK_URL 时推送到 webhook',
    ),
    replaces:
      'docker run -d --name alertmanager --network ai-monitor-net -p 9093:9093 ' +
      '-v $PWD/alertmanager.yml:/etc/alertmanager/alertmanager.yml prom/alertmanager && curl http://localhost:9093/-/ready',
    env: {
      ALERTMANAGER_IMAGE: tr(
        'Alertmanager image (prom/alertmanager:v0.28.1)',
        'Alertmanager 镜像（prom/alertmanager:v0.28.1）',
      ),
      ALERTMANAGER_CONTAINER: tr(
        'container name, where Prometheus sends alerts (alertmanager)',
        '容器名称，Prometheus 按此发送告警（alertmanager）',
      ),
      ALERTMANAGER_PORT: tr('host port (9093)', '主机端口（9093）'),
      ALERT_WEBHOOK_URL: tr(
        `http(s) URL alerts are posted to; kept in the state folder (${WEBHOOK_FILE}), shown masked; ${WEBHOOK_OFF} removes it`,
        `告警推送到的 http(s) URL；保存在状态目录（${WEBHOOK_FILE}），显示时打码；设为 ${WEBHOOK_OFF} 则删除`,
      ),
      ALERTMANAGER_CONFIG: tr(
        'your own alertmanager.yml instead of the generated one (e-mail, Slack…); checked by amtool',
        '用你自己的 alertmanager.yml 代替生成的配置（邮件、Slack 等）；由 amtool 检查',
      ),
      STATE_DIR: tr('state folder (.state)', '状态目录（.state）'),
      BIND_ADDRESS: tr('host address the port is published on (127.0.0.1)', '端口发布到的主机地址（127.0.0.1）'),
      ...pullEnv,
    },
    flags: {
      timeout: {
        type: 'number',
        help: tr('seconds to wait for /-/ready', '等待 /-/ready 的秒数'),
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
    const hints = { nameVariable: 'ALERTMANAGER_CONTAINER', imageVariable: 'ALERTMANAGER_IMAGE' }
    // Every input is checked before anything changes: the variables, then the config by amtool.
    const own = am.configFile
    if (own && process.env.ALERT_WEBHOOK_URL?.trim()) {
      throw fail(
        tr(
          'ALERTMANAGER_CONFIG and ALERT_WEBHOOK_URL are both set: your own config decides where alerts go',
          '同时设置了 ALERTMANAGER_CONFIG 和 ALERT_WEBHOOK_URL：由你自己的配置决定告警发往何处',
        ),
        tr(
          'put the webhook in your alertmanager.yml and unset ALERT_WEBHOOK_URL, or unset ALERTMANAGER_CONFIG',
          '请把 webhook 写进你的 alertmanager.yml 并取消 ALERT_WEBHOOK_URL，或取消 ALERTMANAGER_CONFIG',
        ),
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
    const configHash = createHash('sha256').update(text).digest('hex').slice(0, 16)
    await ensureNetwork(config.network)
    const base = url(config, am.port)
    const ready = () =>
      waitForHttp(`${base}/-/ready`, {
        what: tr('waiting for Alertmanager to be ready', '等待 Alertmanager 就绪'),
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
      log.change(tr(`webhook removed (${WEBHOOK_FILE} deleted)`, `已删除 webhook（已删除 ${WEBHOOK_FILE}）`))
    }
    if (action === 'created' || action === 'recreated')
      log.info(
        tr(
          `config ${ALERTMANAGER_CONFIG_PATH} copied into the container (mode 0400, uid ${ALERTMANAGER_USER.uid}), not mounted`,
          `配置 ${ALERTMANAGER_CONFIG_PATH} 已复制进容器（权限 0400，uid ${ALERTMANAGER_USER.uid}），未挂载`,
        ),
      )
    // Only for the closing line: Alertmanager is ready, and the version is a detail.
    const status: AlertmanagerStatus = await fetchStatus(base).catch(() => ({}))
    const version = status.versionInfo?.version ?? '?'
    const timing = tr(
      `group_wait ${duration(alertTiming.groupWait)}, group_interval ${duration(alertTiming.groupInterval)}`,
      `group_wait ${duration(alertTiming.groupWait)}，group_interval ${duration(alertTiming.groupInterval)}`,
    )
    const receiver = own
      ? tr(`receivers from ${own}`, `接收端来自 ${own}`)
      : webhook?.url
        ? tr(
            `receiver ${RECEIVERS.webhook} → ${describeWebhook(webhook.url)} (${timing})`,
            `接收端 ${RECEIVERS.webhook} → ${describeWebhook(webhook.url)}（${timing}）`,
          )
        : tr(
            'no webhook: alerts show in `make alerts` and in Grafana (set ALERT_WEBHOOK_URL to have them posted)',
            '没有 webhook：告警显示在 `make alerts` 和 Grafana 中（设置 ALERT_WEBHOOK_URL 可推送告警）',
          )
    log.ok(
      tr(
        `Alertmanager ${version} is ready at ${base}: ${receiver}`,
        `Alertmanager ${version} 已在 ${base} 就绪：${receiver}`,
      ),
    )
  },
)
