// The checks `npm run lint` adds to Biome and tsc find what they are for, so a green lint means
// something: an import circle is named (and the tree has none).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { findCircles } from '../lint/circles.ts'
import { SOURCE_ROOTS } from '../lint/roots.ts'

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

test.run()
