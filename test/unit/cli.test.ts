import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseFlags } from '../../scripts/lib/cli.ts'
import { StepError } from '../../scripts/lib/fail.ts'

const meta = {
  name: 'demo',
  summary: 'demo step',
  flags: {
    concurrency: { type: 'number', help: 'workers', default: 4, min: 1, integer: true },
    ratio: { type: 'number', help: 'ratio', min: 0, max: 1 },
    model: { type: 'string', help: 'model name', default: 'mnist_mlp' },
    mode: { type: 'string', help: 'mode', choices: ['a', 'b'] },
    json: { type: 'boolean', help: 'json' },
  },
} as const

test('defaults apply when a flag is absent', () => {
  const flags = parseFlags(meta, [])
  assert.equal(flags, { concurrency: 4, ratio: undefined, model: 'mnist_mlp', mode: undefined, json: false })
})

test('values are parsed and typed', () => {
  const flags = parseFlags(meta, ['--concurrency', '8', '--model=x', '--json', '--mode', 'b'])
  assert.equal(flags, { concurrency: 8, ratio: undefined, model: 'x', mode: 'b', json: true })
})

test('--help is recognised', () => {
  assert.is(parseFlags(meta, ['--help']), 'help')
})

for (const [args, pattern] of [
  [['--concurrency', 'abc'], /--concurrency must be a whole number >= 1/],
  [['--concurrency', '0'], /--concurrency must be/],
  [['--concurrency', '1.5'], /--concurrency must be/],
  [['--ratio', '2'], /--ratio must be a number from 0 to 1, not "2"/],
  [['--mode', 'c'], /--mode must be one of a, b/],
  [['--bogus'], /Unknown option '--bogus'/],
  [['positional'], /positional/i],
] as const) {
  test(`rejects ${args.join(' ')} with exit code 2`, () => {
    try {
      parseFlags(meta, [...args])
      assert.unreachable('should have thrown')
    } catch (error) {
      assert.instance(error, StepError)
      assert.match((error as StepError).message, pattern)
      assert.is((error as StepError).exitCode, 2)
      assert.ok((error as StepError).fix.length > 0)
    }
  })
}

test.run()
