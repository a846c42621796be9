// Runs every benchmark (`test/bench/*.bench.ts`) in its own process, one after another so they do
// not compete for the CPU. Benchmarks print ratios against a peer measured in the same run and
// never fail on timing; a benchmark that crashes makes the run exit non-zero.
// Usage: node --import tsx test/bench/run.ts [substring ...]
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'

// make all from nothing, twice converged and three converged make up / compose pairs: minutes on a busy 2-core machine.
const BENCH_TIMEOUT_MS = 20 * 60_000
const filters = process.argv.slice(2)
const benches = readdirSync('test/bench')
  .filter((f) => f.endsWith('.bench.ts') && (filters.length === 0 || filters.some((s) => f.includes(s))))
  .sort()
  .map((f) => `test/bench/${f}`)

const crashed: string[] = []
for (const bench of benches) {
  process.stdout.write(`\n=== ${bench}\n`)
  const { status, signal } = spawnSync(process.execPath, ['--import', 'tsx', bench], {
    stdio: 'inherit',
    timeout: BENCH_TIMEOUT_MS,
  })
  if (status !== 0) crashed.push(`${bench} (${signal ?? `exit ${status}`})`)
}
if (benches.length === 0) process.stdout.write('no benchmark matched\n')
if (crashed.length) process.stdout.write(`\ncrashed: ${crashed.join(', ')}\n`)
process.exitCode = crashed.length || benches.length === 0 ? 1 : 0
