// Runs every uvu suite in its own process: the unit and step suites one after another, then the
// end-to-end ones E2E_JOBS at a time (2 by default; each has its own names, ports and state
// folder, and most of their time is spent waiting on alert and scrape timings, not on the CPU).
// Ends with the one line CI reads: `N passed, N failed`.
// Usage: node --import tsx test/run.ts [substring ...]   (only suites whose path contains one)
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const SUITE_TIMEOUT_MS = 20 * 60_000
const E2E_JOBS = Math.max(1, Number.parseInt(process.env.E2E_JOBS ?? '2', 10) || 1)

function findSuites(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) return entry === 'fixtures' ? [] : findSuites(path)
    return entry.endsWith('.test.ts') ? [path] : []
  })
}

const filters = process.argv.slice(2)
const isE2e = (path: string) => path.includes('/e2e/')
const suites = findSuites('test')
  .filter((path) => filters.length === 0 || filters.some((f) => path.includes(f)))
  .sort((a, b) => Number(isE2e(a)) - Number(isE2e(b)) || a.localeCompare(b))

const strip = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '')

interface Result {
  suite: string
  passed: number
  failed: number
  skipped: number
  ms: number
}

/** Runs one suite; its output goes on live, or, when `live` is false, all at once when it ends. */
function runSuite(path: string, live: boolean): Promise<Result> {
  const started = Date.now()
  if (live) process.stdout.write(`\n=== ${path}\n`)
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', './test/setup/uvu-hooks.ts', path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk
      if (live) process.stdout.write(chunk)
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk
      if (live) process.stderr.write(chunk)
    })
    const timer = setTimeout(() => {
      process.stderr.write(`\n${path}: still running after ${SUITE_TIMEOUT_MS / 60_000} min, killed\n`)
      child.kill('SIGKILL')
    }, SUITE_TIMEOUT_MS)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (!live) process.stdout.write(`\n=== ${path}\n${output}`)
      const text = strip(output)
      const count = (label: string) => {
        const matches = [...text.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'gm'))]
        return matches.length ? Number(matches[matches.length - 1]![1]) : undefined
      }
      const total = count('Total')
      const passed = count('Passed') ?? 0
      const skipped = count('Skipped') ?? 0
      let failed = total === undefined ? 1 : total - passed - skipped
      // A suite that crashed after its summary, or exited non-zero without one, is a failure.
      if (code !== 0 && failed === 0) failed = 1
      resolve({ suite: relative('.', path), passed, failed, skipped, ms: Date.now() - started })
    })
  })
}

const results: Result[] = []
for (const suite of suites.filter((s) => !isE2e(s))) results.push(await runSuite(suite, true))
const e2e = suites.filter(isE2e)
const jobs = Math.min(E2E_JOBS, e2e.length)
if (jobs > 1) process.stdout.write(`\n(${e2e.length} end-to-end suites, ${jobs} at a time: each shown when it ends)\n`)
let next = 0
await Promise.all(
  Array.from({ length: jobs }, async () => {
    while (next < e2e.length) results.push(await runSuite(e2e[next++]!, jobs === 1))
  }),
)
results.sort((a, b) => suites.indexOf(a.suite) - suites.indexOf(b.suite))

const sum = (key: 'passed' | 'failed' | 'skipped') => results.reduce((n, r) => n + r[key], 0)
process.stdout.write('\n')
for (const r of results) {
  const mark = r.failed ? '✖' : '✔'
  process.stdout.write(
    `${mark} ${r.suite.padEnd(48)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed ` +
      `${(r.ms / 1000).toFixed(1).padStart(7)}s\n`,
  )
}
if (suites.length === 0) process.stdout.write('no test suite matched\n')
const skipped = sum('skipped')
process.stdout.write(`${sum('passed')} passed, ${sum('failed')} failed${skipped ? `, ${skipped} skipped` : ''}\n`)
process.exitCode = sum('failed') > 0 || suites.length === 0 ? 1 : 0
