// The Makefile's bundle rule: the step scripts bundle code from prometheus/ too (03-prometheus
// renders prometheus.yml and rules.yml from it), so an edit there must rebuild dist/, or
// `make prometheus` would deploy the old rules. Checked in a scratch folder with make's what-if.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { repoRoot } from '../helpers/paths.ts'

const work = mkdtempSync(join(tmpdir(), 'makefile-test-'))
const past = new Date(Date.now() - 60_000)
for (const file of [
  'scripts/03-prometheus.ts',
  'scripts/lib/step/cli.ts',
  'prometheus/rules.ts',
  'prometheus/config.ts',
  'build.ts',
  'package-lock.json',
  'node_modules/.package-lock.json',
  'dist/.built',
]) {
  mkdirSync(dirname(join(work, file)), { recursive: true })
  writeFileSync(join(work, file), '')
  utimesSync(join(work, file), past, file === 'dist/.built' ? new Date() : past)
}
/** What `make` would run to bring dist/ up to date if `changed` had just been edited. */
const wouldRun = (changed?: string) =>
  execFileSync(
    'make',
    [
      '--no-print-directory',
      '-n',
      '-f',
      join(repoRoot, 'Makefile'),
      ...(changed ? ['-W', changed] : []),
      'dist/.built',
    ],
    { cwd: work, encoding: 'utf8' },
  )

test.after(() => rmSync(work, { recursive: true, force: true }))

test('an up-to-date bundle is not rebuilt', () => {
  assert.not.match(wouldRun(), /build\.ts/)
})

for (const file of ['scripts/lib/step/cli.ts', 'prometheus/rules.ts', 'prometheus/config.ts']) {
  test(`an edit of ${file} rebuilds the bundle`, () => {
    assert.match(wouldRun(file), /build\.ts/)
  })
}

test.run()
