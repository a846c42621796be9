// The checks `npm run lint` adds to Biome and tsc find what they are for, so a green lint means
// something: an import circle is named, and so is a line wider than 140 columns (the tree has neither).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { findCircles } from '../lint/circles.ts'
import { displayWidth, findLongLines, MAX_LINE } from '../lint/long-lines.ts'
import { SOURCE_ROOTS } from '../lint/roots.ts'
import { repoRoot } from '../helpers/paths.ts'

const work = mkdtempSync(join(tmpdir(), 'lint-checks-'))
test.after(() => rmSync(work, { recursive: true, force: true }))

test('the tree has no import circle', async () => {
  assert.equal(await findCircles(SOURCE_ROOTS), [])
})

test('an import circle is found, with the files on it', async () => {
  writeFileSync(join(work, 'log.ts'), "import { mask } from './mask.ts'\nexport const log = (s: string) => mask(s)\n")
  writeFileSync(
    join(work, 'mask.ts'),
    "import { log } from './log.ts'\nexport const mask = (s: string) => s\nlog('')\n",
  )
  writeFileSync(join(work, 'apart.ts'), "import { log } from './log.ts'\nlog('')\n")
  assert.equal(await findCircles(['.'], work), [['log.ts', 'mask.ts']])
})

test('no hand-written line is wider than 140 columns', () => {
  assert.is(MAX_LINE, 140)
  assert.equal(findLongLines(SOURCE_ROOTS), [])
})

test('a line one column too wide is named with its file, line and width; the generated schema is not read', () => {
  const width140 = `const s = '${'x'.repeat(MAX_LINE - 12)}'`
  writeFileSync(join(work, 'wide.ts'), `${width140}\n${width140}x\n`)
  assert.is(displayWidth(width140), MAX_LINE)
  assert.equal(findLongLines(['wide.ts'], work), [{ file: 'wide.ts', line: 2, length: MAX_LINE + 1 }])
  const schema = readFileSync(join(repoRoot, 'scripts/lib/grafana/schema.ts'), 'utf8').split('\n')
  assert.ok(
    schema.some((line) => displayWidth(line) > MAX_LINE),
    'the generated schema has wide lines',
  )
  assert.ok(findLongLines(['scripts/lib/grafana'], repoRoot).every((l) => !l.file.endsWith('schema.ts')))
})

test('a Chinese character or fullwidth sign takes two columns, as a terminal shows it', () => {
  assert.is(displayWidth('令牌（0600）'), 12)
  assert.is(displayWidth('→ ✔ … ok'), 8)
  const chinese = `'${'令'.repeat(70)}'`
  writeFileSync(join(work, 'zh.ts'), `${chinese}\n`)
  assert.equal(findLongLines(['zh.ts'], work), [{ file: 'zh.ts', line: 1, length: 142 }])
})

test.run()
