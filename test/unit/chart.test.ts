// The terminal chart of 09-verify: float noise must not blow up asciichart's row count, gaps
// are skipped, and an empty or flat series says so in one line.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chart } from '../../scripts/lib/output/chart.ts'

test('a series that differs only by float noise is one steady line', () => {
  assert.is(
    chart('Latency', [1.7298070000000003, 1.7298069999999999, NaN], 'ms'),
    'Latency (ms): steady at 1.73 (2 samples)',
  )
})

test('a varying series is drawn with labelled rows, gaps left out', () => {
  const drawn = chart('QPS', [0, NaN, 10, 20], 'req/s', 4).split('\n')
  assert.is(drawn[0], 'QPS (req/s)')
  assert.is(drawn.length, 6)
  assert.match(drawn[1]!, /^\s*20\.00 [┤┼]/)
  assert.match(drawn[5]!, /^\s*0\.00 ┼/)
})

test('no samples at all is said, not drawn', () => {
  assert.match(chart('QPS', [NaN], 'req/s'), /QPS: no data in this window/)
})

test.run()
