// Step 5: the service account (found by exact name, never duplicated) and its token. Grafana shows
// a key only once, so it is stored (0600) and reused while it still works, re-issued when not.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { step } from './lib/step/cli.ts'
import { loadConfig } from './lib/step/config.ts'
import { fail } from './lib/step/fail.ts'
import { tr } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { readSecret, stateDir, writeSecret } from './lib/state/secrets.ts'
import { GrafanaError, grafana, ok, type Grafana } from './lib/grafana/client.ts'
import { TOKEN_FILE, adminAuth, grafanaUrl } from './lib/grafana/session.ts'

const ROLE = 'Admin'
/**
 * The id of the account the stored token was issued to. Grafana cannot say whose a key is
 * (GET /serviceaccounts/{id} answers any Admin key; GET /user refuses service accounts in some
 * 10.x/11.x), so the step remembers it. An id, not a secret: kept out of the masking list.
 */
const TOKEN_ACCOUNT_FILE = 'grafana-token-account'

await step(
  {
    name: '05-token',
    lock: true,
    summary: tr(
      'Grafana service account and its token (stored masked, mode 0600)',
      'Grafana 服务账号及其令牌（掩码显示，权限 0600 保存）',
    ),
    replaces:
      `curl -X POST http://admin:****@localhost:3000/api/serviceaccounts -d '{"name":"cli-service","role":"Admin"}'; ` +
      `curl -X POST http://admin:****@localhost:3000/api/serviceaccounts/2/tokens -d '{"name":"cli-token"}'`,
    env: { STATE_DIR: tr('state folder for the token (.state)', '保存令牌的状态目录（.state）') },
    flags: {
      account: { type: 'string', help: tr('service account name', '服务账号名称'), default: 'cli-service' },
      'token-name': {
        type: 'string',
        help: tr('token name (unique in the organisation)', '令牌名称（在组织内唯一）'),
        default: 'cli-token',
      },
    },
  },
  async (flags) => {
    const config = loadConfig()
    const base = grafanaUrl(config)
    const admin = grafana(base, adminAuth())
    const account = flags.account
    const tokenName = flags['token-name']

    const sa = await ensureAccount(admin, account)
    const stored = readSecret(TOKEN_FILE)
    const accountFile = join(stateDir(), TOKEN_ACCOUNT_FILE)
    const issuedTo = existsSync(accountFile) ? readFileSync(accountFile, 'utf8').trim() : undefined
    if (stored && issuedTo !== String(sa.id)) {
      log.warn(
        tr(
          `the stored token is not recorded as ${account}'s: issuing one for ${account}`,
          `保存的令牌未记录为 ${account} 所有：为 ${account} 签发新令牌`,
        ),
      )
    } else if (stored && (await tokenWorks(base, stored, sa.id))) {
      log.ok(tr(`stored token of ${account} still works, kept`, `保存的 ${account} 令牌仍然有效，保留`))
      return
    }
    const tokens = ok(
      await admin.GET('/serviceaccounts/{serviceAccountId}/tokens', { params: { path: { serviceAccountId: sa.id } } }),
      { what: tr(`list the tokens of ${account}`, `列出 ${account} 的令牌`) },
    )
    // The key of an existing token cannot be read back: replace it under the same name.
    for (const old of tokens.filter((t) => t.name === tokenName)) {
      ok(
        await admin.DELETE('/serviceaccounts/{serviceAccountId}/tokens/{tokenId}', {
          params: { path: { serviceAccountId: sa.id, tokenId: old.id! } },
        }),
        { what: tr(`delete the old token ${tokenName}`, `删除旧令牌 ${tokenName}`) },
      )
      log.change(
        tr(
          `old token ${tokenName} deleted (its key was lost or no longer works)`,
          `已删除旧令牌 ${tokenName}（其密钥已丢失或失效）`,
        ),
      )
    }
    const created = ok(
      await admin.POST('/serviceaccounts/{serviceAccountId}/tokens', {
        params: { path: { serviceAccountId: sa.id } },
        body: { name: tokenName, secondsToLive: 0 },
      }),
      {
        what: tr(`create the token ${tokenName}`, `创建令牌 ${tokenName}`),
        fixes: {
          400: tr(
            `token names are unique in the whole organisation: another service account has a token named ${tokenName}. ` +
              'Delete it in Grafana (Administration → Service accounts) or pass --token-name <other>',
            `令牌名称在整个组织内唯一：另一个服务账号已有名为 ${tokenName} 的令牌。` +
              '请在 Grafana 中删除它（管理 → 服务账号），或传入 --token-name <其他名称>',
          ),
        },
      },
    )
    if (!created.key)
      throw fail(
        tr('Grafana created the token but sent no key', 'Grafana 创建了令牌但没有返回密钥'),
        tr('report it with your Grafana version', '请附上 Grafana 版本报告'),
      )
    const path = writeSecret(TOKEN_FILE, created.key)
    writeFileSync(accountFile, `${sa.id}\n`, { mode: 0o600 })
    log.change(
      tr(
        `token ${tokenName} issued for ${account}: ${created.key} → ${path} (mode 0600)`,
        `已为 ${account} 签发令牌 ${tokenName}：${created.key} → ${path}（权限 0600）`,
      ),
    )
  },
)

/** Finds the account by exact name (search is a substring match) or creates it; makes its role Admin. */
async function ensureAccount(admin: Grafana, name: string): Promise<{ id: number }> {
  const find = async () => {
    const found = ok(
      await admin.GET('/serviceaccounts/search', { params: { query: { query: name, perpage: 1000 } } }),
      { what: tr(`search the service account ${name}`, `搜索服务账号 ${name}`) },
    )
    return (found.serviceAccounts ?? []).find((s) => s.name === name)
  }
  let sa = await find()
  if (!sa) {
    const created = await admin.POST('/serviceaccounts', { body: { name, role: ROLE } })
    // 400 "service account already exists": created meanwhile, or a name differing only in case.
    if (
      created.response.status === 400 &&
      (created.error as { messageId?: string })?.messageId === 'serviceaccounts.ErrAlreadyExists'
    ) {
      sa = await find()
      if (!sa) {
        throw fail(
          tr(
            `Grafana says a service account like "${name}" exists, but none has exactly that name (names are compared case-insensitively)`,
            `Grafana 表示已有类似 "${name}" 的服务账号，但没有名称完全相同的（名称比较不区分大小写）`,
          ),
          tr(
            'pass --account with the existing name, or rename that account in Grafana',
            '用 --account 传入已有名称，或在 Grafana 中重命名该账号',
          ),
        )
      }
    } else {
      sa = ok(created, { what: tr(`create the service account ${name}`, `创建服务账号 ${name}`) })
      log.change(
        tr(
          `service account ${name} created (id ${sa.id}, role ${ROLE})`,
          `已创建服务账号 ${name}（id ${sa.id}，角色 ${ROLE}）`,
        ),
      )
      return { id: sa.id! }
    }
  }
  if (sa.role !== ROLE) {
    ok(
      await admin.PATCH('/serviceaccounts/{serviceAccountId}', {
        params: { path: { serviceAccountId: sa.id! } },
        body: { role: ROLE },
      }),
      { what: tr(`give ${name} the role ${ROLE}`, `为 ${name} 设置角色 ${ROLE}`) },
    )
    log.change(
      tr(
        `service account ${name} had role ${sa.role}, now ${ROLE}`,
        `服务账号 ${name} 的角色由 ${sa.role} 改为 ${ROLE}`,
      ),
    )
  } else {
    log.ok(
      tr(
        `service account ${name} exists (id ${sa.id}, role ${ROLE}), kept`,
        `服务账号 ${name} 已存在（id ${sa.id}，角色 ${ROLE}），保留`,
      ),
    )
  }
  return { id: sa.id! }
}

/** One authenticated call with the stored key: it must still work and still carry the Admin role's rights. */
async function tokenWorks(base: string, key: string, accountId: number): Promise<boolean> {
  try {
    ok(
      await grafana(base, { token: key }).GET('/serviceaccounts/{serviceAccountId}', {
        params: { path: { serviceAccountId: accountId } },
      }),
      { what: tr('check the stored token', '检查保存的令牌') },
    )
    return true
  } catch (error) {
    if (error instanceof GrafanaError && (error.status === 401 || error.status === 403 || error.status === 404)) {
      log.warn(
        tr(
          `stored token no longer works (Grafana: "${error.body.message ?? error.status}"): issuing a new one`,
          `保存的令牌已失效（Grafana："${error.body.message ?? error.status}"）：重新签发`,
        ),
      )
      return false
    }
    throw error
  }
}
