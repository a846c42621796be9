// What `make check` shows Grafana: a service-account token and the admin password, each from an
// environment variable, a file a variable names, or the state folder `make all` keeps them in.
// Never from argv (any user on the machine can read a process's arguments). A state folder that
// is not there is not created: the check writes nothing.
import { existsSync, readFileSync } from 'node:fs'
import { fail } from '../step/fail.ts'
import { t } from '../output/i18n.ts'
import { registerSecret } from '../output/mask.ts'
import { readSecret, stateDirName, statePath } from '../state/secrets.ts'
import { ADMIN_PASSWORD_FILE, TOKEN_FILE } from '../grafana/session.ts'

export interface Given {
  value: string
  /** Where it came from, as a person would look for it: `GRAFANA_TOKEN_FILE=./token`. */
  from: string
}

export const CREDENTIAL_ENV = {
  GRAFANA_TOKEN: t('service-account token (glsa_…) to check Grafana with'),
  GRAFANA_TOKEN_FILE: t('file holding that token'),
  GRAFANA_ADMIN_PASSWORD: t("Grafana's admin password"),
  GRAFANA_ADMIN_PASSWORD_FILE: t('file holding that password'),
} as const

/** How to give them, for the "no credentials" fix and the docs. */
export const howToGive = () =>
  t(
    'give the token without putting it in the command line: ' +
      '`GRAFANA_TOKEN_FILE=token.txt make check` (the file holds the glsa_… key ' +
      'alone), or `export GRAFANA_TOKEN=glsa_…` first; or the admin password the ' +
      'same way (GRAFANA_ADMIN_PASSWORD_FILE, GRAFANA_ADMIN_PASSWORD)',
  )

function fromFile(variable: string, env: NodeJS.ProcessEnv): Given | undefined {
  const path = env[variable]?.trim()
  if (!path) return undefined
  let value: string
  try {
    value = readFileSync(path, 'utf8').trim()
  } catch (error) {
    throw fail(
      t('{variable}={path} cannot be read ({code})', {
        variable,
        path,
        code: String((error as NodeJS.ErrnoException).code),
      }),
      t('point {variable} at the file that holds it', { variable }),
      2,
    )
  }
  if (!value || /[\x00-\x1f\x7f]/.test(value))
    throw fail(
      t('{path} ({variable}) holds no single-line value', { path, variable }),
      t('write the value alone on one line in that file'),
      2,
    )
  return { value, from: `${variable}=${path}` }
}

function given(variable: string, fileVariable: string, stateFile: string, env: NodeJS.ProcessEnv): Given | undefined {
  const direct = env[variable]?.trim()
  const found =
    (direct ? { value: direct, from: variable } : undefined) ??
    fromFile(fileVariable, env) ??
    (existsSync(stateDirName()) ? stateSecret(stateFile) : undefined)
  if (found) registerSecret(found.value)
  return found
}

function stateSecret(name: string): Given | undefined {
  const value = readSecret(name)
  return value ? { value, from: statePath(name) } : undefined
}

export function givenCredentials(env: NodeJS.ProcessEnv = process.env): { token?: Given; password?: Given } {
  return {
    token: given('GRAFANA_TOKEN', 'GRAFANA_TOKEN_FILE', TOKEN_FILE, env),
    password: given('GRAFANA_ADMIN_PASSWORD', 'GRAFANA_ADMIN_PASSWORD_FILE', ADMIN_PASSWORD_FILE, env),
  }
}
