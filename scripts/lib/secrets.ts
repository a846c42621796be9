// Tokens and generated passwords live in a git-ignored state folder, mode 0600, and every
// line we print is passed through maskSecrets so a value that leaks into a message is hidden.
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'

const known = new Set<string>()

/** Registers a value that must never be printed. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) known.add(value)
}

/** `glsa_abcd…` → `glsa_****…wxyz`: enough to recognise, not enough to use. */
export function mask(value: string): string {
  if (value.length <= 8) return '****'
  const prefix = value.match(/^(glsa_|gh[pousr]_|github_pat_)/)?.[0] ?? ''
  return `${prefix}****${value.slice(-4)}`
}

// github_pat_: GitHub's fine-grained personal access tokens.
const tokenPattern = /\b(glsa_[A-Za-z0-9_]{8,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g

export function maskSecrets(text: string): string {
  let masked = text
  for (const secret of known) masked = masked.split(secret).join(mask(secret))
  return masked.replace(tokenPattern, (m) => mask(m))
}

export function stateDir(): string {
  const dir = process.env.STATE_DIR || '.state'
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  return dir
}

export function readSecret(name: string): string | undefined {
  const path = join(stateDir(), name)
  if (!existsSync(path)) return undefined
  const value = readFileSync(path, 'utf8').trim()
  registerSecret(value)
  return value || undefined
}

/** Writes atomically with mode 0600 so a crash never leaves a half-written or readable secret. */
export function writeSecret(name: string, value: string): string {
  registerSecret(value)
  const path = join(stateDir(), name)
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, value + '\n', { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, path)
  return path
}

export function generatePassword(): string {
  return randomBytes(18).toString('base64url')
}
