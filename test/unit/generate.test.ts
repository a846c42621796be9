// `make generate` is the one command that regenerates every generated source file, and the
// committed files are what it writes: run on a clean checkout it writes nothing and names each
// file up to date (the dashboards, prometheus/*.yml and kubernetes/ suites compare the content).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'
import { runProcess } from '../helpers/process.ts'

const GENERATED = /^(dashboards\/[^/]+\.json|prometheus\/(?!.*\.test\.yml)[^/]+\.yml|kubernetes\/.+\.yaml)$/
const committed = execFileSync('git', ['ls-files', 'dashboards', 'prometheus', 'kubernetes'], { encoding: 'utf8' })
  .split('\n')
  .filter((path) => GENERATED.test(path))

test('make generate writes nothing on a clean checkout and names every generated file', async () => {
  const run = await runProcess('make', ['-s', 'generate'], {
    env: { LANG: 'C', LC_ALL: '', LANGUAGE: '', NO_COLOR: '1' },
    timeoutMs: 120_000,
  })
  assert.is(run.code, 0, run.text)
  assert.not.match(run.text, / written/, 'a committed file was stale (now rewritten: commit it)')
  const upToDate = [...run.text.matchAll(/✔ (\S+) is up to date/g)].map((m) => m[1]).sort()
  assert.equal(upToDate, [...committed].sort())
})

test.run()
