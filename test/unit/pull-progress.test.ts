// The pull's bookkeeping on streams as Docker 20.10 sends them (recorded from a real pull of a
// two-layer image, one layer already here), and on the error line that follows an HTTP 200.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  formatBytes,
  formatSeconds,
  type PullMessage,
  PullProgress,
  progressFigures,
} from '../../scripts/lib/engine/pull-progress.ts'

const A = 'b2b8bcff04689741f9e511514647f7b6fcdc30b3bc1034b03f90372bde5df1d0'
const B = '62f28f8edee23d20ad92419e08e4b17808668297665ab3eca09a1e6419eb40c2'
const manifest = [
  { digest: `sha256:${A}`, size: 28_735_937 },
  { digest: `sha256:${B}`, size: 8_002_642 },
]

/** A real pull of 127.0.0.1:<port>/tm-i11/prom:t1, as the engine streamed it. */
const recorded: PullMessage[] = [
  { status: 'Pulling from tm-i11/prom', id: 't1' },
  { status: 'Already exists', progressDetail: {}, id: 'b2b8bcff0468' },
  { status: 'Pulling fs layer', progressDetail: {}, id: '62f28f8edee2' },
  { status: 'Downloading', progressDetail: { current: 98_304, total: 8_002_642 }, id: '62f28f8edee2' },
  { status: 'Verifying Checksum', progressDetail: {}, id: '62f28f8edee2' },
  { status: 'Download complete', progressDetail: {}, id: '62f28f8edee2' },
  { status: 'Extracting', progressDetail: { current: 98_304, total: 8_002_642 }, id: '62f28f8edee2' },
  { status: 'Extracting', progressDetail: { current: 8_002_642, total: 8_002_642 }, id: '62f28f8edee2' },
  { status: 'Pull complete', progressDetail: {}, id: '62f28f8edee2' },
  { status: 'Digest: sha256:8d7c073984cf5027322115cdcff30a3b6d2e61d5b41de26cd480f82498090e62' },
  { status: 'Status: Downloaded newer image for 127.0.0.1:24500/tm-i11/prom:t1' },
]

test('a recorded pull: bytes of the missing layer only, layers done, the closing status', () => {
  const p = new PullProgress(0)
  p.expect(manifest)
  assert.is(p.bytesTotal, 28_735_937 + 8_002_642, 'before the stream, the whole image')
  for (const [i, m] of recorded.slice(0, 4).entries()) p.apply(m, i)
  assert.is(p.bytesTotal, 8_002_642, 'a layer already here is not downloaded')
  assert.is(p.bytesDone, 98_304)
  assert.ok(p.allListed)
  assert.is(p.layersDone, 1)
  assert.is(p.layersTotal, 2)
  for (const [i, m] of recorded.slice(4).entries()) p.apply(m, 10 + i)
  assert.is(p.bytesDone, 8_002_642)
  assert.is(p.layersDone, 2)
  assert.is(p.layersExisting, 1)
  assert.is(p.finished, 'Downloaded newer image for 127.0.0.1:24500/tm-i11/prom:t1')
  assert.is(p.error, undefined)
})

test('without a manifest: the total grows as layers start, and says it is a lower bound', () => {
  const p = new PullProgress(0)
  p.apply({ status: 'Pulling fs layer', id: 'aaaaaaaaaaaa' }, 0)
  p.apply({ status: 'Waiting', id: 'bbbbbbbbbbbb' }, 0)
  p.apply({ status: 'Downloading', progressDetail: { current: 500, total: 1000 }, id: 'aaaaaaaaaaaa' }, 1)
  assert.not.ok(p.totalKnown)
  assert.not.ok(p.allListed, 'no manifest: never "all listed"')
  assert.match(progressFigures(p, 1), /^500 B \/ ≥ 1.00 kB \(50%\)/)
  p.apply({ status: 'Downloading', progressDetail: { current: 10, total: 3000 }, id: 'bbbbbbbbbbbb' }, 2)
  assert.ok(p.totalKnown)
  assert.is(p.bytesTotal, 4000)
})

test('an error line after the 200 is a failure, with its message and code', () => {
  const p = new PullProgress(0)
  p.apply({ status: 'Downloading', progressDetail: { current: 1, total: 2 }, id: 'aaaaaaaaaaaa' }, 0)
  p.apply({ errorDetail: { message: 'unexpected EOF' }, error: 'unexpected EOF' }, 1)
  assert.equal(p.error, { message: 'unexpected EOF', code: undefined })
  const q = new PullProgress(0)
  q.apply({ errorDetail: { code: 401, message: 'unauthorized' } }, 0)
  assert.equal(q.error, { message: 'unauthorized', code: 401 })
})

test('progress is a new layer, a later phase or more bytes; repeats and retry countdowns are not', () => {
  const p = new PullProgress(0)
  p.apply({ status: 'Pulling fs layer', id: 'aaaaaaaaaaaa' }, 5)
  assert.is(p.lastProgressAt, 5)
  p.apply({ status: 'Waiting', id: 'aaaaaaaaaaaa' }, 6)
  assert.is(p.lastProgressAt, 5, 'same phase')
  p.apply({ status: 'Downloading', progressDetail: { current: 10, total: 100 }, id: 'aaaaaaaaaaaa' }, 7)
  assert.is(p.lastProgressAt, 7)
  p.apply({ status: 'Downloading', progressDetail: { current: 10, total: 100 }, id: 'aaaaaaaaaaaa' }, 8)
  assert.is(p.lastProgressAt, 7, 'same bytes')
  p.apply({ status: 'Retrying in 5 seconds', id: 'aaaaaaaaaaaa' }, 9)
  assert.is(p.lastProgressAt, 7)
  p.apply({ status: 'Pulling fs layer', id: 'aaaaaaaaaaaa' }, 10)
  assert.is(p.lastProgressAt, 7, 'a phase never goes back')
  assert.is(p.bytesDone, 10)
})

test('rate over the last seconds, the time left, and "no progress" once it stands still', () => {
  const p = new PullProgress(0)
  for (let s = 0; s <= 10; s++) {
    p.apply({ status: 'Downloading', progressDetail: { current: s * 1_000_000, total: 20_000_000 }, id: 'a' }, s * 1000)
  }
  assert.is(Math.round(p.rate(10_000)), 1_000_000)
  assert.is(progressFigures(p, 10_000), '10.0 MB / 20.0 MB (50%), 1.00 MB/s, layers 0/1, 10s left')
  assert.match(progressFigures(p, 25_000), /no progress for 15s/)
})

test('sizes in the units docker prints, durations short', () => {
  assert.is(formatBytes(0), '0 B')
  assert.is(formatBytes(999), '999 B')
  assert.is(formatBytes(8_002_642), '8.00 MB')
  assert.is(formatBytes(87_700_000), '87.7 MB')
  assert.is(formatBytes(10_240_000_000), '10.2 GB')
  assert.is(formatSeconds(59), '59s')
  assert.is(formatSeconds(192), '3m12s')
  assert.is(formatSeconds(3900), '1h05m')
})

test.run()
