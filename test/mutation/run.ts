// `make mutation [M=step,mask]`: StrykerJS over the modules of test/mutation/modules.ts, in one run.
// Stryker mutates the files in a sandbox; its dry run (uvu-runner.mjs) runs every suite once, green,
// and records which tests reach which mutant; then each mutant runs only those tests. Reports:
// reports/mutation/mutation.{json,html}; the score of each module is printed, and a module under
// MIN_SCORE makes the run fail.
import { readFileSync, writeFileSync } from 'node:fs'
import { Stryker } from '@stryker-mutator/core'
import { fileOf, modules } from './modules.ts'

const MIN_SCORE = 80
const REPORT = 'reports/mutation/mutation.json'
/** Written for each run (git-ignored): the files the type checker needs. */
const CHECKER_TSCONFIG = 'test/mutation/tsconfig.mutated.json'

const wanted = (process.env.M ?? '').split(',').filter(Boolean)
const unknown = wanted.filter((name) => !modules.some((m) => m.name === name))
if (unknown.length) {
  console.error(`unknown module ${unknown.join(', ')}; known: ${modules.map((m) => m.name).join(', ')}`)
  process.exit(2)
}
const selected = wanted.length ? modules.filter((m) => wanted.includes(m.name)) : modules

// The type checker's program: the mutated files and what they import. Checking each mutant against
// the whole project (every suite and script imports the output and step modules) took ~30 s a mutant.
const checked = [...new Set(selected.flatMap((m) => m.mutate.map(fileOf)))].map((f) => `../../${f}`)
writeFileSync(
  CHECKER_TSCONFIG,
  `${JSON.stringify({ extends: '../../tsconfig.json', include: [], files: checked }, null, 2)}\n`,
)

// The workers (uvu-runner.mjs) load the suites of these modules only.
process.env.TM_MUTATION_MODULES = selected.map((m) => m.name).join(',')
const started = Date.now()
await new Stryker({
  tsconfigFile: CHECKER_TSCONFIG,
  configFile: 'test/mutation/stryker.config.mjs',
  mutate: selected.flatMap((m) => m.mutate),
  // Stryker splits this between type checkers (half, rounded up) and test runners: 3 gives two
  // checkers, which are most of the work, and one runner, whose mutants take milliseconds.
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 3),
}).runMutationTest()
const minutes = ((Date.now() - started) / 60_000).toFixed(1)

interface Mutant {
  status: string
  mutatorName: string
  replacement?: string
  location: { start: { line: number } }
}
interface Report {
  files: Record<string, { mutants: Mutant[] }>
}
const report = JSON.parse(readFileSync(REPORT, 'utf8')) as Report
const count = (files: string[], statuses: string[]) =>
  files.flatMap((f) => report.files[f]?.mutants ?? []).filter((m) => statuses.includes(m.status)).length

console.log(`\nMutation score per module (${minutes} min; killed + timed out, of the mutants that ran):`)
let low = false
for (const m of selected) {
  const files = m.mutate.map(fileOf)
  const detected = count(files, ['Killed', 'Timeout'])
  const undetected = count(files, ['Survived', 'NoCoverage'])
  const score = detected + undetected ? (100 * detected) / (detected + undetected) : 100
  low ||= score < MIN_SCORE
  const other = `${count(files, ['Ignored'])} ignored, ${count(files, ['CompileError', 'RuntimeError'])} not compiling`
  console.log(
    `  ${m.name.padEnd(15)} ${score.toFixed(1).padStart(5)}%  ${detected} killed, ${undetected} survived (${other})`,
  )
}
const survivors = Object.entries(report.files).flatMap(([file, { mutants }]) =>
  mutants
    .filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')
    .map(
      (m) =>
        `  ${file}:${m.location.start.line} ${m.mutatorName}: ${(m.replacement ?? '').split('\n')[0]!.slice(0, 80)}`,
    ),
)
if (survivors.length) console.log(`\nSurvivors:\n${survivors.join('\n')}`)
console.log(`\n${REPORT}; open reports/mutation/mutation.html to read each survivor`)
if (low) {
  console.error(`a module scores under ${MIN_SCORE}%: kill its survivors, or list a truly equivalent one`)
  process.exit(1)
}
