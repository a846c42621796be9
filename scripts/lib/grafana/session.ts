// Where Grafana is and who the steps are to it: the admin (basic auth, the password 04-grafana
// generated) for setting up, and the service-account token (05-token) for everything after.
import { loadConfig, url, type Config } from '../step/config.ts'
import { fail } from '../step/fail.ts'
import { tr } from '../output/i18n.ts'
import { readSecret, statePath } from '../state/secrets.ts'
import { grafana, type GrafanaAuth } from './client.ts'
import { ADMIN_USER } from './server.ts'

/** State-folder file names (mode 0600, git-ignored). */
export const ADMIN_PASSWORD_FILE = 'grafana-admin-password'
export const TOKEN_FILE = 'grafana-token'
/** Where 04-grafana puts the admin password in the container (GF_SECURITY_ADMIN_PASSWORD__FILE). */
export const ADMIN_PASSWORD_IN_CONTAINER = `/run/secrets/${ADMIN_PASSWORD_FILE}`

export function grafanaUrl(config: Config): string {
  return url(config, config.grafana.port)
}

export function adminAuth(): GrafanaAuth {
  const password = readSecret(ADMIN_PASSWORD_FILE)
  if (!password) {
    throw fail(
      tr(
        `no Grafana admin password in the state folder (${statePath(ADMIN_PASSWORD_FILE)})`,
        `状态目录中没有 Grafana admin 密码（${statePath(ADMIN_PASSWORD_FILE)}）`,
      ),
      tr(
        'run `make grafana` first: it generates the password and sets it in Grafana',
        '先运行 `make grafana`：它会生成密码并在 Grafana 中设置',
      ),
    )
  }
  return { user: ADMIN_USER, password }
}

export function tokenAuth(): GrafanaAuth {
  const token = readSecret(TOKEN_FILE)
  if (!token) {
    throw fail(
      tr(
        `no Grafana service-account token in the state folder (${statePath(TOKEN_FILE)})`,
        `状态目录中没有 Grafana 服务账号令牌（${statePath(TOKEN_FILE)}）`,
      ),
      tr('run `make token` first', '先运行 `make token`'),
    )
  }
  return { token }
}

/** The config, Grafana's URL and a client authenticated with the stored service-account token. */
export function tokenSession() {
  const config = loadConfig()
  const base = grafanaUrl(config)
  const auth = tokenAuth()
  return { config, base, auth, api: grafana(base, auth) }
}
