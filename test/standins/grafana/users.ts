// The stand-in's user table: the admin, kept in its own file in the data directory, as grafana.db
// keeps it. The server reads it on every login and `grafana cli admin reset-admin-password`
// rewrites it, so a reset reaches the running server the way it reaches real Grafana.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface User {
  id: number
  login: string
  password: string
  isAdmin: boolean
}

const file = (dataDir: string) => join(dataDir, 'grafana-standin-users.json')

export function readUsers(dataDir: string): User[] | undefined {
  return existsSync(file(dataDir)) ? (JSON.parse(readFileSync(file(dataDir), 'utf8')) as User[]) : undefined
}

export function writeUsers(dataDir: string, users: User[]): void {
  const tmp = `${file(dataDir)}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(users, null, 1), { mode: 0o600 })
  renameSync(tmp, file(dataDir))
}

/**
 * Grafana's ensureMainOrgAndAdminUser: with no user yet, the admin is created from
 * GF_SECURITY_ADMIN_USER / GF_SECURITY_ADMIN_PASSWORD (an empty value counts as unset, as in
 * setting.go's env overrides, so the default admin/admin applies); with users, nothing changes.
 */
export function ensureAdmin(dataDir: string, env: NodeJS.ProcessEnv): void {
  if (readUsers(dataDir)) return
  const login = env.GF_SECURITY_ADMIN_USER || 'admin'
  writeUsers(dataDir, [{ id: 1, login, password: env.GF_SECURITY_ADMIN_PASSWORD || 'admin', isAdmin: true }])
}
