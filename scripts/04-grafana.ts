// Step 4: Grafana on the network with a persistent data volume, published on BIND_ADDRESS only,
// its admin password generated into the state folder and handed over without entering argv.
import { step } from './lib/cli.ts'
import { loadConfig } from './lib/config.ts'
import { ensureContainer, ensureEngine, ensureNetwork, ensureVolume, waitForHttp } from './lib/docker.ts'
import { fail } from './lib/fail.ts'
import { tr } from './lib/i18n.ts'
import { log } from './lib/log.ts'
import { generatePassword, readSecret, writeSecret } from './lib/secrets.ts'
import { grafana, health, ok } from './lib/grafana/client.ts'
import { ADMIN_USER, GRAFANA_CONTAINER_PORT, GRAFANA_DATA_DIR, GRAFANA_DEFAULT_PASSWORD } from './lib/grafana/server.ts'
import { ADMIN_PASSWORD_FILE, grafanaUrl } from './lib/grafana/session.ts'

await step(
  {
    name: '04-grafana',
    summary: tr(
      'Grafana with a generated admin password and a persistent data volume',
      '运行 Grafana（生成的 admin 密码、持久化数据卷）',
    ),
    replaces: 'docker run -d --name grafana --network ai-monitor-net -p 3000:3000 grafana/grafana',
    env: {
      GRAFANA_IMAGE: tr(
        'Grafana image (default grafana/grafana:11.6.0)',
        'Grafana 镜像（默认 grafana/grafana:11.6.0）',
      ),
      GRAFANA_CONTAINER: tr('container name (grafana)', '容器名称（grafana）'),
      GRAFANA_PORT: tr('host port (3000)', '主机端口（3000）'),
      GRAFANA_VOLUME: tr(
        'data volume (grafana-data); keeps the password of its first start',
        '数据卷（grafana-data）；保留首次启动时的密码',
      ),
      BIND_ADDRESS: tr('host address the port is published on (127.0.0.1)', '端口发布到的主机地址（127.0.0.1）'),
      STATE_DIR: tr('state folder for the password (.state)', '保存密码的状态目录（.state）'),
    },
    flags: {
      timeout: {
        type: 'number',
        help: tr('seconds to wait for /api/health', '等待 /api/health 的秒数'),
        default: 120,
        min: 1,
      },
    },
  },
  async (flags) => {
    const config = loadConfig()
    const { grafana: g } = config
    let password = readSecret(ADMIN_PASSWORD_FILE)
    // A hand-written file (the 401 fix below asks for one) can hold the default; never run with it.
    if (password === GRAFANA_DEFAULT_PASSWORD) {
      throw fail(
        tr(
          `the admin password in the state folder (${ADMIN_PASSWORD_FILE}) is "${GRAFANA_DEFAULT_PASSWORD}", Grafana's default: Grafana would run with admin/admin`,
          `状态目录中的 admin 密码（${ADMIN_PASSWORD_FILE}）是 Grafana 的默认值 "${GRAFANA_DEFAULT_PASSWORD}"：Grafana 将以 admin/admin 运行`,
        ),
        tr(
          `delete ${ADMIN_PASSWORD_FILE} from the state folder and run \`make grafana\` to have one generated; if volume ${g.volume} already uses admin/admin, change the password in Grafana (Profile → Change password) and write the new one into that file, or start from an empty volume with \`make down ARGS=--volumes\` (deletes Grafana's data)`,
          `从状态目录删除 ${ADMIN_PASSWORD_FILE} 并运行 \`make grafana\` 以生成密码；如果数据卷 ${g.volume} 已在使用 admin/admin，请在 Grafana 中修改密码（个人资料 → 修改密码）并把新密码写入该文件，或用 \`make down ARGS=--volumes\` 从空数据卷开始（会删除 Grafana 数据）`,
        ),
      )
    }
    if (!password) {
      password = generatePassword()
      const path = writeSecret(ADMIN_PASSWORD_FILE, password)
      log.change(tr(`admin password generated into ${path} (mode 0600)`, `已生成 admin 密码：${path}（权限 0600）`))
    }
    await ensureEngine()
    await ensureNetwork(config.network)
    await ensureVolume(g.volume)
    await ensureContainer({
      name: g.container,
      image: g.image,
      network: config.network,
      // Only the name reaches docker's argv; the value travels in the docker client's environment.
      env: { GF_SECURITY_ADMIN_PASSWORD: password },
      mounts: [{ type: 'volume', source: g.volume, target: GRAFANA_DATA_DIR }],
      ports: [{ address: config.bind, host: g.port, container: GRAFANA_CONTAINER_PORT, variable: 'GRAFANA_PORT' }],
      hints: { nameVariable: 'GRAFANA_CONTAINER', imageVariable: 'GRAFANA_IMAGE' },
    })
    const base = grafanaUrl(config)
    await waitForHttp(`${base}/api/health`, {
      what: tr('waiting for Grafana /api/health', '等待 Grafana /api/health'),
      timeoutMs: flags.timeout * 1000,
      container: g.container,
      fix: tr(
        `read the log above (\`docker logs ${g.container}\`)`,
        `请查看上面的日志（\`docker logs ${g.container}\`）`,
      ),
    })
    // Exactly one login: Grafana locks the admin after 5 failures, so a mismatch is never retried.
    const me = ok(await grafana(base, { user: ADMIN_USER, password }).GET('/user'), {
      what: tr(
        `log in as ${ADMIN_USER} with the password in the state folder`,
        `用状态目录中的密码以 ${ADMIN_USER} 登录`,
      ),
      fixes: {
        401: tr(
          `volume ${g.volume} was first started with another admin password, and Grafana applies GF_SECURITY_ADMIN_PASSWORD only to an empty volume. Put that password in ${ADMIN_PASSWORD_FILE} in the state folder, or start from an empty volume: \`make down ARGS=--volumes\` (deletes Grafana's data), then \`make grafana\`. Do not retry in a loop: 5 failures lock the admin for 5 minutes`,
          `数据卷 ${g.volume} 首次启动时用的是另一个 admin 密码，而 GF_SECURITY_ADMIN_PASSWORD 只对空数据卷生效。请把那个密码写入状态目录中的 ${ADMIN_PASSWORD_FILE}，或从空数据卷开始：\`make down ARGS=--volumes\`（会删除 Grafana 数据），然后 \`make grafana\`。不要循环重试：失败 5 次会锁定 admin 5 分钟`,
        ),
      },
    })
    const { version = '?' } = await health(base)
    log.ok(
      tr(
        `Grafana ${version} is ready at ${base} (user ${me.login ?? ADMIN_USER}, password in the state folder)`,
        `Grafana ${version} 已就绪：${base}（用户 ${me.login ?? ADMIN_USER}，密码在状态目录中）`,
      ),
    )
  },
)
