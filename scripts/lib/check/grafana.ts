// Step 5 of the tutorial, and who the check is to Grafana for step 6: Grafana runs on the network
// and answers; admin/admin still working is a lesson; a token and the admin password come from a
// variable, a file or the state folder. Only GETs are sent, and admin/admin is tried only when
// no admin password is known, so a changed password costs at most that one failed login.
import type { Config } from '../step/config.ts'
import { tr } from '../output/i18n.ts'
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
  await list.run(5, 'grafana.api', tr('Grafana answers', 'Grafana 有响应'), ['grafana.container'], async () => {
    const base = publishedUrl(container!, GRAFANA_CONTAINER_PORT)
    if (!base)
      return failed(
        tr(`${name} does not publish port ${GRAFANA_CONTAINER_PORT}`, `${name} 没有发布端口 ${GRAFANA_CONTAINER_PORT}`),
        tr('run it again with `-p 3000:3000`', '用 `-p 3000:3000` 重新运行它'),
      )
    const answer = await health(base)
    access.base = base
    return passed(
      tr(
        `${base}: Grafana ${answer.version ?? ''}, database ${answer.database}`,
        `${base}：Grafana ${answer.version ?? ''}，数据库 ${answer.database}`,
      ),
    )
  })
  const { token, password } = givenCredentials()
  access.token = token
  await list.run(5, 'grafana.admin', tr('admin password changed', 'admin 密码已修改'), ['grafana.api'], async () => {
    const base = access.base!
    const tried = password ?? { value: GRAFANA_DEFAULT_PASSWORD, from: 'admin/admin' }
    const status = await signedIn(base, { user: ADMIN_USER, password: tried.value })
    if (status === 200) access.auth = { user: ADMIN_USER, password: tried.value }
    if (status === 200 && tried.value === GRAFANA_DEFAULT_PASSWORD)
      return teaches(
        tr(
          "admin/admin still works: anyone who reaches port 3000 is Grafana's admin",
          'admin/admin 仍然有效：任何能访问 3000 端口的人都是 Grafana 的管理员',
        ),
        tr(
          'change it in the web UI (Profile → Change password); `make grafana` starts Grafana with a generated one',
          '在网页中修改（个人资料 → 修改密码）；`make grafana` 会用生成的密码启动 Grafana',
        ),
      )
    if (status === 200)
      return passed(tr(`the admin password from ${tried.from} works`, `来自 ${tried.from} 的 admin 密码有效`))
    if (!password) return passed(tr('admin/admin is refused', 'admin/admin 被拒绝'))
    return failed(
      tr(
        `Grafana refuses the admin password from ${password.from} (${status})`,
        `Grafana 拒绝了来自 ${password.from} 的 admin 密码（${status}）`,
      ),
      tr(
        'give the password Grafana has; do not retry in a loop: Grafana locks the admin after 5 failures in 5 minutes',
        '请提供 Grafana 实际的密码；不要循环重试：5 分钟内失败 5 次 Grafana 会锁定 admin',
      ),
    )
  })
  await list.run(6, 'grafana.credentials', tr('credentials for the API', 'API 凭据'), ['grafana.api'], async () => {
    if (token) {
      const status = await signedIn(access.base!, { token: token.value })
      if (status === 200) {
        access.auth = { token: token.value }
        return passed(tr(`the token from ${token.from}`, `来自 ${token.from} 的令牌`))
      }
      access.tokenRefused = true
    }
    if (access.auth)
      return passed(
        tr(`the admin login (${password?.from ?? 'admin/admin'})`, `admin 登录（${password?.from ?? 'admin/admin'}）`),
      )
    return failed(
      access.tokenRefused
        ? tr(
            `no credentials: Grafana refuses the token from ${token!.from}, and no admin password works`,
            `没有凭据：Grafana 拒绝了来自 ${token!.from} 的令牌，也没有可用的 admin 密码`,
          )
        : tr(
            'no credentials: no token and no admin password given, and admin/admin is refused',
            '没有凭据：未提供令牌或 admin 密码，且 admin/admin 被拒绝',
          ),
      howToGive(),
    )
  })
  return access
}
