// Generated files people commit (dashboards JSON, prometheus/*.yml, kubernetes/): rewritten only
// when their bytes change, so a second `make generate` leaves `git status` clean and says so.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, relative } from 'node:path'
import { t } from './i18n.ts'
import { log } from './log.ts'

export function writeSourceFile(path: string, text: string): 'written' | 'unchanged' {
  const shown = relative(process.cwd(), path)
  if (existsSync(path) && readFileSync(path, 'utf8') === text) {
    log.ok(t('{shown} is up to date', { shown }))
    return 'unchanged'
  }
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, text)
  log.change(t('{shown} written', { shown }))
  return 'written'
}
