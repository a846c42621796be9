// Step 4: Grafana on the network with a persistent data volume, published on BIND_ADDRESS only,
// its admin password generated into the state folder, handed over as a file (never in argv or
// `docker inspect`), and set with Grafana's CLI when the state folder and Grafana disagree.
import { step } from './lib/step/cli.ts'
import { warnIfExposed } from './lib/step/exposure.ts'
import { assertDistinctPorts, loadConfig } from './lib/step/config.ts'
import { ensureContainer } from './lib/engine/containers.ts'
import { ensureEngine } from './lib/engine/cli.ts'
import { ensureImage } from './lib/engine/images.ts'
import { ensureNetwork, ensureVolume } from './lib/engine/networks.ts'
import { waitForHttp } from './lib/engine/readiness.ts'
import { fail } from './lib/step/fail.ts'
import { t } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { pullEnv, pullFlags, pullSettings } from './lib/engine/pull-settings.ts'
import { generatePassword, readSecret, statePath, writeSecret } from './lib/state/secrets.ts'
import { resetAdminPassword } from './lib/grafana/admin.ts'
import { grafana, health, ok } from './lib/grafana/client.ts'
import {
  ADMIN_USER,
  GRAFANA_CONTAINER_PORT,
  GRAFANA_DATA_DIR,
  GRAFANA_DEFAULT_PASSWORD,
  GRAFANA_USER,
} from './lib/grafana/server.ts'
import { ADMIN_PASSWORD_FILE, ADMIN_PASSWORD_IN_CONTAINER, grafanaUrl } from './lib/grafana/session.ts'

await step(
  {
    name: '04-grafana',
    lock: true,
    summary: t('Grafana with a generated admin password and a persistent data volume'),
    replaces: 'docker run -d --name grafana --network ai-monitor-net -p 3000:3000 grafana/grafana',
    env: {
      GRAFANA_IMAGE: t('Grafana image (default grafana/grafana:11.6.0)'),
      GRAFANA_CONTAINER: t('container name (grafana)'),
      GRAFANA_PORT: t('host port (3000)'),
      GRAFANA_VOLUME: t("data volume (grafana-data): Grafana's users, tokens, dashboards"),
      BIND_ADDRESS: t('host address the port is published on (127.0.0.1)'),
      STATE_DIR: t('state folder for the password (.state)'),
      ...pullEnv,
    },
    flags: {
      timeout: {
        type: 'number',
        help: t('seconds to wait for /api/health'),
        default: 120,
        min: 1,
      },
      ...pullFlags,
    },
  },
  async (flags) => {
    const config = loadConfig()
    const { grafana: g } = config
    assertDistinctPorts(config)
    warnIfExposed(config)
    let password = readSecret(ADMIN_PASSWORD_FILE)
    const path = statePath(ADMIN_PASSWORD_FILE)
    // A hand-written file can hold the default; never run with it.
    if (password === GRAFANA_DEFAULT_PASSWORD) {
      throw fail(
        t(
          'the admin password in {path} is "{GRAFANA_DEFAULT_PASSWORD}", Grafana\'s ' +
            'default: Grafana would run with admin/admin',
          { path, GRAFANA_DEFAULT_PASSWORD },
        ),
        t('delete {path} and run `make grafana`: it generates a password and sets it in Grafana', { path }),
      )
    }
    const generated = !password
    if (!password) {
      password = generatePassword()
      writeSecret(ADMIN_PASSWORD_FILE, password)
      log.change(t('admin password generated into {path} (mode 0600)', { path }))
    }
    await ensureEngine()
    const hints = { nameVariable: 'GRAFANA_CONTAINER', imageVariable: 'GRAFANA_IMAGE' }
    await ensureImage(g.image, hints, pullSettings(flags['pull-stall-timeout']))
    await ensureNetwork(config.network)
    const volume = await ensureVolume(g.volume)
    await ensureContainer({
      name: g.container,
      image: g.image,
      network: config.network,
      // The image's run.sh reads the file into GF_SECURITY_ADMIN_PASSWORD: the value is in no
      // Env, Cmd or Label of the container (lib/engine/secret-files.ts says why it is copied, not mounted).
      env: { GF_SECURITY_ADMIN_PASSWORD__FILE: ADMIN_PASSWORD_IN_CONTAINER },
      secrets: [{ path: ADMIN_PASSWORD_IN_CONTAINER, value: password, ...GRAFANA_USER }],
      mounts: [{ type: 'volume', source: g.volume, target: GRAFANA_DATA_DIR }],
      ports: [{ address: config.bind, host: g.port, container: GRAFANA_CONTAINER_PORT, variable: 'GRAFANA_PORT' }],
      hints,
    })
    const base = grafanaUrl(config)
    await waitForHttp(`${base}/api/health`, {
      what: t('waiting for Grafana /api/health'),
      timeoutMs: flags.timeout * 1000,
      container: g.container,
    })
    const reset = async (why: string) => {
      await resetAdminPassword(g.container, password)
      log.change(
        t(
          '{why}: admin password set in Grafana to the one in {path} (grafana cli admin ' +
            'reset-admin-password, in {container})',
          { why, path, container: g.container },
        ),
      )
    }
    // A volume that already holds Grafana's users keeps its admin password: a new one is set
    // before any login, so a lost state folder costs no failed login (5 lock the admin out).
    if (generated && volume === 'kept') {
      await reset(
        t("the state folder had no admin password, and volume {volume} keeps Grafana's users", { volume: g.volume }),
      )
    }
    const login = () => grafana(base, { user: ADMIN_USER, password }).GET('/user')
    const what = t('log in as {ADMIN_USER} with the password in {path}', { ADMIN_USER, path })
    // One login. Refused for its password (changed in the UI, or a volume from another state
    // folder): set the stored one and log in again. Never retried blindly: 5 failures lock it.
    let answer = await login()
    const refusal = (answer.error as { messageId?: string } | undefined)?.messageId
    if (answer.response.status === 401 && refusal === 'password-auth.failed') {
      await reset(t('Grafana refused the admin password in the state folder'))
      answer = await login()
    }
    const me = ok(answer, { what })
    const { version = '?' } = await health(base)
    log.ok(
      t('Grafana {version} is ready at {base} (user {login}, password in {path})', {
        version,
        base,
        login: me.login ?? ADMIN_USER,
        path,
      }),
    )
  },
)
