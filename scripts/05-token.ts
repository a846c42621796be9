// Step 5: the service account (found by exact name, never duplicated) and its token. Grafana shows
// a key only once, so it is stored (0600) and reused while it still works, re-issued when not.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { step } from './lib/step/cli.ts'
import { loadConfig } from './lib/step/config.ts'
import { fail } from './lib/step/fail.ts'
import { t } from './lib/output/i18n.ts'
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
    summary: t('Grafana service account and its token (stored masked, mode 0600)'),
    replaces:
      `curl -X POST http://admin:****@localhost:3000/api/serviceaccounts -d '{"name":"cli-service","role":"Admin"}'; ` +
      `curl -X POST http://admin:****@localhost:3000/api/serviceaccounts/2/tokens -d '{"name":"cli-token"}'`,
    env: { STATE_DIR: t('state folder for the token (.state)') },
    flags: {
      account: { type: 'string', help: t('service account name'), default: 'cli-service' },
      'token-name': {
        type: 'string',
        help: t('token name (unique in the organisation)'),
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
      log.warn(t("the stored token is not recorded as {account}'s: issuing one for {account}", { account }))
    } else if (stored && (await tokenWorks(base, stored, sa.id))) {
      log.ok(t('stored token of {account} still works, kept', { account }))
      return
    }
    const tokens = ok(
      await admin.GET('/serviceaccounts/{serviceAccountId}/tokens', { params: { path: { serviceAccountId: sa.id } } }),
      { what: t('list the tokens of {account}', { account }) },
    )
    // The key of an existing token cannot be read back: replace it under the same name.
    for (const old of tokens.filter((t) => t.name === tokenName)) {
      ok(
        await admin.DELETE('/serviceaccounts/{serviceAccountId}/tokens/{tokenId}', {
          params: { path: { serviceAccountId: sa.id, tokenId: old.id! } },
        }),
        { what: t('delete the old token {tokenName}', { tokenName }) },
      )
      log.change(t('old token {tokenName} deleted (its key was lost or no longer works)', { tokenName }))
    }
    const created = ok(
      await admin.POST('/serviceaccounts/{serviceAccountId}/tokens', {
        params: { path: { serviceAccountId: sa.id } },
        body: { name: tokenName, secondsToLive: 0 },
      }),
      {
        what: t('create the token {tokenName}', { tokenName }),
        fixes: {
          400: t(
            'token names are unique in the whole organisation: another service account has ' +
              'a token named {tokenName}. Delete it in Grafana (Administration → Service ' +
              'accounts) or pass --token-name <other>',
            { tokenName },
          ),
        },
      },
    )
    if (!created.key)
      throw fail(t('Grafana created the token but sent no key'), t('report it with your Grafana version'))
    const path = writeSecret(TOKEN_FILE, created.key)
    writeFileSync(accountFile, `${sa.id}\n`, { mode: 0o600 })
    log.change(
      t('token {tokenName} issued for {account}: {key} → {path} (mode 0600)', {
        tokenName,
        account,
        key: created.key,
        path,
      }),
    )
  },
)

/** Finds the account by exact name (search is a substring match) or creates it; makes its role Admin. */
async function ensureAccount(admin: Grafana, name: string): Promise<{ id: number }> {
  const find = async () => {
    const found = ok(
      await admin.GET('/serviceaccounts/search', { params: { query: { query: name, perpage: 1000 } } }),
      { what: t('search the service account {name}', { name }) },
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
          t(
            'Grafana says a service account like "{name}" exists, but none has exactly ' +
              'that name (names are compared case-insensitively)',
            { name },
          ),
          t('pass --account with the existing name, or rename that account in Grafana'),
        )
      }
    } else {
      sa = ok(created, { what: t('create the service account {name}', { name }) })
      log.change(t('service account {name} created (id {id}, role {ROLE})', { name, id: String(sa.id), ROLE }))
      return { id: sa.id! }
    }
  }
  if (sa.role !== ROLE) {
    ok(
      await admin.PATCH('/serviceaccounts/{serviceAccountId}', {
        params: { path: { serviceAccountId: sa.id! } },
        body: { role: ROLE },
      }),
      { what: t('give {name} the role {ROLE}', { name, ROLE }) },
    )
    log.change(t('service account {name} had role {role}, now {ROLE}', { name, role: String(sa.role), ROLE }))
  } else {
    log.ok(t('service account {name} exists (id {id}, role {ROLE}), kept', { name, id: String(sa.id), ROLE }))
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
      { what: t('check the stored token') },
    )
    return true
  } catch (error) {
    if (error instanceof GrafanaError && (error.status === 401 || error.status === 403 || error.status === 404)) {
      log.warn(
        t('stored token no longer works (Grafana: "{message}"): issuing a new one', {
          message: error.body.message ?? error.status,
        }),
      )
      return false
    }
    throw error
  }
}
