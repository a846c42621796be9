// `make help`: the Makefile's targets with their `## ` texts, in the reader's language, coloured on
// a terminal only (NO_COLOR honoured), so a pipe or a log gets plain text. The texts stay in the
// Makefile beside their targets; their Chinese is in the catalog with every other message.
import { readFileSync } from 'node:fs'
import { fromCatalog, t } from './lib/output/i18n.ts'
import { makeTargets } from './lib/output/make-help.ts'
import { palette } from './lib/output/color.ts'

const args = process.argv.slice(2)
if (args.includes('--help')) {
  process.stdout.write(`${t("help — the Makefile's targets, each with what it does (make help)")}\n`)
  process.exit(0)
}
const targets = makeTargets(readFileSync(args[0] ?? 'Makefile', 'utf8'))
const colored = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb'
const { cyan } = palette(colored)
const width = Math.max(...targets.map((target) => target.name.length))
const lines = targets.map(({ name, help }) => `  ${cyan(name.padEnd(width))}  ${fromCatalog(help)}`)
lines.push(
  `  ${t('VERBOSE=1 shows each docker command and HTTP request a step runs; ARGS="..." passes flags to a step')}`,
)
process.stdout.write(`${lines.join('\n')}\n`)
