// Runs every uvu suite in its own process, in order (unit suites before the end-to-end ones that
// share Docker ports), and ends with the one line CI reads: `N passed, N failed`.
// Usage: node --import tsx test/run.ts [substring ...]   (only suites whose path contains one)
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const SUITE_TIMEOUT_MS = 20 * 60_000

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

function runSuite(path: string): Promise<Result> {
  const started = Date.now()
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', './test/setup/uvu-hooks.ts', path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk
      process.stdout.write(chunk)
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk
      process.stderr.write(chunk)
    })
    const timer = setTimeout(() => {
      process.stderr.write(`\n${path}: still running after ${SUITE_TIMEOUT_MS / 60_000} min, killed\n`)
      child.kill('SIGKILL')
    }, SUITE_TIMEOUT_MS)
    child.on('close', (code) => {
      clearTimeout(timer)
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
for (const suite of suites) {
  process.stdout.write(`\n=== ${suite}\n`)
  results.push(await runSuite(suite))
}

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
