// One line per check, as `make doctor` and `make check` print them: a mark, the check's name, what
// was found, and for anything not passed the fix on the line below.
import { color } from './color.ts'
import { t } from './i18n.ts'
import { log } from './log.ts'

/** Passed, passed with something to learn, failed, or not reached because an earlier check failed. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip'

export const MARK: Record<CheckStatus, string> = {
  ok: color.green('✔'),
  warn: color.yellow('⚠'),
  fail: color.red('✖'),
  skip: color.dim('○'),
}

export function printCheck(label: string, status: CheckStatus, message: string, fix?: string): void {
  const text = status === 'skip' ? color.dim(message) : message
  log.raw(`  ${MARK[status]} ${color.bold(label)}${t(': ')}${text}`)
  if (fix && status !== 'ok') log.raw(`    ${color.dim('→')} ${fix}`)
}
