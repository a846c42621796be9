// Where Grafana is and who the steps are to it: the admin (basic auth, the password 04-grafana
// generated) for setting up, and the service-account token (05-token) for everything after.
import { loadConfig, url, type Config } from '../step/config.ts'
import { fail } from '../step/fail.ts'
import { t } from '../output/i18n.ts'
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
      t('no Grafana admin password in the state folder ({statePath})', { statePath: statePath(ADMIN_PASSWORD_FILE) }),
      t('run `make grafana` first: it generates the password and sets it in Grafana'),
    )
  }
  return { user: ADMIN_USER, password }
}

export function tokenAuth(): GrafanaAuth {
  const token = readSecret(TOKEN_FILE)
  if (!token) {
    throw fail(
      t('no Grafana service-account token in the state folder ({statePath})', { statePath: statePath(TOKEN_FILE) }),
      t('run `make token` first'),
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
