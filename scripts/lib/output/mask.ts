// Every line we print passes through maskSecrets, so a secret that leaks into a message is hidden.
// Its own module, below log and fail: the state-folder files (secrets.ts) need log and fail, and
// log needs the masking, so one module doing both tied the three into an import circle.
import { GRAFANA_DEFAULT_PASSWORD } from '../grafana/server.ts'

const known = new Set<string>()

/**
 * A public default is no secret, and masking it would garble every line that names it (the admin
 * user, the grafana-admin-password file). 04-grafana refuses to run with it anyway.
 */
const PUBLIC_DEFAULTS = new Set([GRAFANA_DEFAULT_PASSWORD])

/** Registers a value that must never be printed. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4 && !PUBLIC_DEFAULTS.has(value)) known.add(value)
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
