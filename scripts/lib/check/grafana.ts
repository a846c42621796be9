// Step 5 of the tutorial, and who the check is to Grafana for step 6: Grafana runs on the network
// and answers; admin/admin still working is a lesson; a token and the admin password come from a
// variable, a file or the state folder. Only GETs are sent, and admin/admin is tried only when
// no admin password is known, so a changed password costs at most that one failed login.
import type { Config } from '../step/config.ts'
import { t } from '../output/i18n.ts'
import { grafana, type GrafanaAuth, health } from '../grafana/client.ts'
import { ADMIN_USER, GRAFANA_CONTAINER_PORT, GRAFANA_DEFAULT_PASSWORD } from '../grafana/server.ts'
import { type Checklist, failed, passed, teaches } from './checklist.ts'
import { inspect, containerChecks, publishedUrl } from './containers.ts'
import { type Given, givenCredentials, howToGive } from './credentials.ts'

export interface GrafanaAccess {
  base?: string
  /** Credentials that work, the token first: what step 6 and 7 read with. */
  auth?: GrafanaAuth
  token?: Given
  /** The given token was refused (deleted, revoked, expired). */
  tokenRefused?: boolean
}

/** A GET /api/user as `auth`: 200 or the status Grafana refused it with. */
async function signedIn(base: string, auth: GrafanaAuth): Promise<number> {
  return (await grafana(base, auth).GET('/user')).response.status
}

export async function grafanaChecks(list: Checklist, config: Config): Promise<GrafanaAccess> {
  const name = config.grafana.container
  const container = await inspect(name)
  const access: GrafanaAccess = {}
  await containerChecks(list, 5, 'grafana', container, config)
  await list.run(5, 'grafana.api', t('Grafana answers'), ['grafana.container'], async () => {
    const base = publishedUrl(container!, GRAFANA_CONTAINER_PORT)
    if (!base)
      return failed(
        t('{name} does not publish port {GRAFANA_CONTAINER_PORT}', { name, GRAFANA_CONTAINER_PORT }),
        t('run it again with `-p 3000:3000`'),
      )
    const answer = await health(base)
    access.base = base
    return passed(
      t('{base}: Grafana {version}, database {database}', {
        base,
        version: answer.version ?? '',
        database: answer.database,
      }),
    )
  })
  const { token, password } = givenCredentials()
  access.token = token
  await list.run(5, 'grafana.admin', t('admin password changed'), ['grafana.api'], async () => {
    const base = access.base!
    const tried = password ?? { value: GRAFANA_DEFAULT_PASSWORD, from: 'admin/admin' }
    const status = await signedIn(base, { user: ADMIN_USER, password: tried.value })
    if (status === 200) access.auth = { user: ADMIN_USER, password: tried.value }
    if (status === 200 && tried.value === GRAFANA_DEFAULT_PASSWORD)
      return teaches(
        t("admin/admin still works: anyone who reaches port 3000 is Grafana's admin"),
        t(
          'change it in the web UI (Profile → Change password); `make grafana` starts ' +
            'Grafana with a generated one',
        ),
      )
    if (status === 200) return passed(t('the admin password from {from} works', { from: tried.from }))
    if (!password) return passed(t('admin/admin is refused'))
    return failed(
      t('Grafana refuses the admin password from {from} ({status})', { from: password.from, status }),
      t(
        'give the password Grafana has; do not retry in a loop: Grafana locks the ' +
          'admin after 5 failures in 5 minutes',
      ),
    )
  })
  await list.run(6, 'grafana.credentials', t('credentials for the API'), ['grafana.api'], async () => {
    if (token) {
      const status = await signedIn(access.base!, { token: token.value })
      if (status === 200) {
        access.auth = { token: token.value }
        return passed(t('the token from {from}', { from: token.from }))
      }
      access.tokenRefused = true
    }
    if (access.auth) return passed(t('the admin login ({from})', { from: password?.from ?? 'admin/admin' }))
    return failed(
      access.tokenRefused
        ? t('no credentials: Grafana refuses the token from {from}, and no admin password works', { from: token!.from })
        : t('no credentials: no token and no admin password given, and admin/admin is refused'),
      howToGive(),
    )
  })
  return access
}
