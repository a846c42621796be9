// What `make check` shows Grafana: a service-account token and the admin password, each from an
// environment variable, a file a variable names, or the state folder `make all` keeps them in.
// Never from argv (any user on the machine can read a process's arguments). A state folder that
// is not there is not created: the check writes nothing.
import { existsSync, readFileSync } from 'node:fs'
import { fail } from '../step/fail.ts'
import { tr } from '../output/i18n.ts'
import { registerSecret } from '../output/mask.ts'
import { readSecret, stateDirName, statePath } from '../state/secrets.ts'
import { ADMIN_PASSWORD_FILE, TOKEN_FILE } from '../grafana/session.ts'

export interface Given {
  value: string
  /** Where it came from, as a person would look for it: `GRAFANA_TOKEN_FILE=./token`. */
  from: string
}

export const CREDENTIAL_ENV = {
  GRAFANA_TOKEN: tr(
    'service-account token (glsa_…) to check Grafana with',
    '检查 Grafana 所用的服务账号令牌（glsa_…）',
  ),
  GRAFANA_TOKEN_FILE: tr('file holding that token', '保存该令牌的文件'),
  GRAFANA_ADMIN_PASSWORD: tr("Grafana's admin password", 'Grafana 的 admin 密码'),
  GRAFANA_ADMIN_PASSWORD_FILE: tr('file holding that password', '保存该密码的文件'),
} as const

/** How to give them, for the "no credentials" fix and the docs. */
export const howToGive = () =>
  tr(
    'give the token without putting it in the command line: `GRAFANA_TOKEN_FILE=token.txt make check` ' +
      '(the file holds the glsa_… key alone), or `export GRAFANA_TOKEN=glsa_…` first; or the admin password ' +
      'the same way (GRAFANA_ADMIN_PASSWORD_FILE, GRAFANA_ADMIN_PASSWORD)',
    '不要把令牌放进命令行：`GRAFANA_TOKEN_FILE=token.txt make check`（文件中只写 glsa_… 令牌），' +
      '或先 `export GRAFANA_TOKEN=glsa_…`；admin 密码同理（GRAFANA_ADMIN_PASSWORD_FILE、GRAFANA_ADMIN_PASSWORD）',
  )

function fromFile(variable: string, env: NodeJS.ProcessEnv): Given | undefined {
  const path = env[variable]?.trim()
  if (!path) return undefined
  let value: string
  try {
    value = readFileSync(path, 'utf8').trim()
  } catch (error) {
    throw fail(
      tr(
        `${variable}=${path} cannot be read (${(error as NodeJS.ErrnoException).code})`,
        `无法读取 ${variable}=${path}（${(error as NodeJS.ErrnoException).code}）`,
      ),
      tr(`point ${variable} at the file that holds it`, `把 ${variable} 指向保存它的文件`),
      2,
    )
  }
  if (!value || /[\x00-\x1f\x7f]/.test(value))
    throw fail(
      tr(`${path} (${variable}) holds no single-line value`, `${path}（${variable}）中没有单行的值`),
      tr('write the value alone on one line in that file', '在该文件中只写一行值'),
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
