// Short colored lines on stderr, so stdout stays clean for `--json` and `eval "$(make -s images)"`.
import chalk from 'chalk'
import { tr } from './i18n.ts'
import { maskSecrets } from './mask.ts'

const out = (line: string) => process.stderr.write(`${line}\n`)

export const log = {
  /** The heading of a step: what it does. */
  step(title: string) {
    out(chalk.bold.cyan(`▶ ${title}`))
  },
  /** The manual command this step replaces, secrets masked. */
  replaces(command: string) {
    out(chalk.dim(`  ${tr('replaces', '替代')}: ${maskSecrets(command)}`))
  },
  info(message: string) {
    out(`  ${maskSecrets(message)}`)
  },
  ok(message: string) {
    out(chalk.green('  ✔ ') + maskSecrets(message))
  },
  change(message: string) {
    out(chalk.yellow('  ↻ ') + maskSecrets(message))
  },
  warn(message: string) {
    out(chalk.yellow('  ⚠ ') + maskSecrets(message))
  },
  error(cause: string, fix?: string) {
    out(chalk.red('✖ ') + maskSecrets(cause))
    if (fix) out(chalk.red('  → ') + maskSecrets(fix))
  },
  /** Raw line for tables and charts. */
  raw(text: string) {
    out(maskSecrets(text))
  },
}
