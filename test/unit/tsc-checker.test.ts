// The type checker `make mutation` gives Stryker (test/mutation/tsc-checker.mjs), on the fixture
// project: a mutant that breaks the types is a compile error with tsc's message, one that does not
// passes, and one whose error shows only in a file that imports the mutated one is caught there.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { CheckStatus } from '@stryker-mutator/api/check'
import { test } from 'uvu'
import * as assert from 'uvu/assert'

interface Checker {
  init(): Promise<void>
  check(mutants: Mutant[]): Promise<Record<string, { status: CheckStatus; reason?: string }>>
}
interface Mutant {
  id: string
  fileName: string
  replacement: string
  location: { start: { line: number; column: number }; end: { line: number; column: number } }
}
const { TscChecker } = (await import(resolve('test/mutation/tsc-checker.mjs'))) as {
  TscChecker: new (options: { tsconfigFile: string }) => Checker
}

const fixture = resolve('test/mutation/fixtures')
const sum = join(fixture, 'lib/sum.ts')
const scratch = mkdtempSync(join(tmpdir(), 'tsc-checker-'))

/** A mutant of sum.ts replacing the first `original` on the line that holds `line` (Stryker's 0-based positions). */
function mutant(id: string, line: string, original: string, replacement: string): Mutant {
  const lines = readFileSync(sum, 'utf8').split('\n')
  const at = lines.findIndex((l) => l.includes(line))
  const column = lines[at]!.indexOf(original, lines[at]!.indexOf(line))
  assert.ok(at >= 0 && column >= 0, `${line} / ${original} in sum.ts`)
  return {
    id,
    fileName: sum,
    replacement,
    location: { start: { line: at, column }, end: { line: at, column: column + original.length } },
  }
}

const checker = new TscChecker({ tsconfigFile: join(fixture, 'tsconfig.json') })
await checker.init()

test('a mutant that still type-checks passes', async () => {
  const result = await checker.check([mutant('1', 'a + b', 'a + b', 'a - b')])
  assert.equal(result, { '1': { status: CheckStatus.Passed } })
})

test('a mutant that breaks its own file is a compile error, with what tsc says', async () => {
  const result = await checker.check([mutant('2', 'return active(', 'a + b', '`${a}`')])
  assert.is(result['2']!.status, CheckStatus.CompileError)
  assert.match(result['2']!.reason!, /sum\.ts\(\d+,\d+\): error TS2322/)
})

test('a mutant whose error shows only in a file that imports it is caught there', async () => {
  const result = await checker.check([mutant('3', 'export const LIMIT', '10', "'ten'")])
  assert.is(result['3']!.status, CheckStatus.CompileError)
  assert.match(result['3']!.reason!, /double\.ts\(\d+,\d+\): error TS2362/)
})

test('each check starts from the original files: an earlier mutant leaves nothing behind', async () => {
  await checker.check([mutant('4', 'return active(', 'a + b', '`${a}`')])
  const result = await checker.check([mutant('5', 'a * 1', 'a * 1', 'a * 2')])
  assert.equal(result, { '5': { status: CheckStatus.Passed } })
})

test('a project that does not type-check without mutants is refused at start', async () => {
  writeFileSync(join(scratch, 'broken.ts'), 'export const n: number = "one"\n')
  writeFileSync(
    join(scratch, 'tsconfig.json'),
    JSON.stringify({ extends: join(fixture, 'tsconfig.json'), files: ['broken.ts'] }),
  )
  const broken = new TscChecker({ tsconfigFile: join(scratch, 'tsconfig.json') })
  try {
    await broken.init()
    assert.unreachable('init accepted a project with a type error')
  } catch (error) {
    assert.match(String(error), /does not type-check without mutants:[\s\S]*broken\.ts\(1,14\): error TS2322/)
  }
})

test.after(() => rmSync(scratch, { recursive: true, force: true }))
test.run()
