// The Makefile: its help (plain in a pipe, Chinese under a zh locale, the steps in run order), and
// its bundle rule: the step scripts bundle code from prometheus/ too (03-prometheus renders
// prometheus.yml and rules.yml from it), so an edit there must rebuild dist/, or `make prometheus`
// would deploy the old rules. Checked in a scratch folder with make's what-if.
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
  'locales/zh-CN.json',
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

for (const file of ['scripts/lib/step/cli.ts', 'prometheus/rules.ts', 'prometheus/config.ts', 'locales/zh-CN.json']) {
  test(`an edit of ${file} rebuilds the bundle`, () => {
    assert.match(wouldRun(file), /build\.ts/)
  })
}

/** `make help` as a pipe reads it (no terminal), in the given locale. */
const help = (lang: string, extra: Record<string, string> = {}) =>
  execFileSync('make', ['--no-print-directory', '-s', 'help'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, LANG: lang, LC_ALL: '', LANGUAGE: '', NO_COLOR: '', FORCE_COLOR: '', ...extra },
  })

test('make help lists every target in run order, with no escape codes in a pipe', () => {
  const text = help('C.UTF-8')
  assert.not.match(text, /\x1b\[/)
  const names = [...text.matchAll(/^ {2}([a-z][\w-]*) {2,}/gm)].map((m) => m[1])
  for (const target of ['all', 'doctor', 'network', 'verify', 'alertmanager', 'check', 'generate', 'test']) {
    assert.ok(names.includes(target), `${target} in\n${text}`)
  }
  const steps = ['network', 'triton', 'prometheus', 'grafana', 'token', 'datasource', 'dashboard', 'load', 'verify']
  assert.equal(
    names.filter((name) => [...steps, 'alertmanager'].includes(name!)),
    [...steps, 'alertmanager'],
    'the steps in the order make all runs them',
  )
  assert.match(text, /Step 10: Alertmanager/)
})

test('LANG=zh_CN.UTF-8 make help is Chinese, the target names as they are', () => {
  const text = help('zh_CN.UTF-8')
  assert.match(text, /^ {2}network +第 1 步：创建 Docker 网络$/m)
  assert.match(text, /VERBOSE=1 显示/)
  assert.not.match(text, /Step \d+:|List the targets/)
})

test.run()
