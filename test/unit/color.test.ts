// The steps' terminal styles: chalk's codes and its rule for when to color, without chalk.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { colorsWanted, palette } from '../../scripts/lib/output/color.ts'

test('colored styles wrap the text in the basic codes; plain ones give it back as it is', () => {
  const on = palette(true)
  assert.is(on.red('x'), '\x1b[31mx\x1b[39m')
  assert.is(on.bold(42), '\x1b[1m42\x1b[22m')
  assert.is(palette(false).cyan('x'), 'x')
})

test('a style closed inside another is opened again after it, as chalk does', () => {
  const { bold, dim, cyan, green } = palette(true)
  assert.is(dim(`a ${bold('b')} c`), '\x1b[2ma \x1b[1mb\x1b[22m\x1b[2m c\x1b[22m')
  assert.is(cyan(`a ${green('b')} c`), '\x1b[36ma \x1b[32mb\x1b[39m\x1b[36m c\x1b[39m')
})

test('FORCE_COLOR decides when set, else a terminal that is not dumb; NO_COLOR always wins', () => {
  assert.ok(colorsWanted({}, true))
  assert.not.ok(colorsWanted({}, false))
  assert.not.ok(colorsWanted({ TERM: 'dumb' }, true))
  assert.ok(colorsWanted({ FORCE_COLOR: '1' }, false))
  assert.ok(colorsWanted({ FORCE_COLOR: '' }, false))
  assert.not.ok(colorsWanted({ FORCE_COLOR: '0' }, true))
  assert.not.ok(colorsWanted({ FORCE_COLOR: 'false' }, true))
  assert.not.ok(colorsWanted({ NO_COLOR: '1', FORCE_COLOR: '1' }, true))
})

test.run()
