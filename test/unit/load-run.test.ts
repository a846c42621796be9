// The load loop of 08-load (scripts/lib/triton/load-run.ts) with a send that answers at once, so the
// schedule itself is what is tested: request i to replica i mod N, a replica given up passing
// its turn on to the next one alive, and a deadline that holds with the schedule behind.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type Outcome, runLoad, Target } from '../../scripts/lib/triton/load-run.ts'

const ok: Outcome = { ok: true, correct: true }
const refused: Outcome = { ok: false, kind: 'connection', detail: 'connection refused', connection: true }

/** Replicas that never open a socket: `send` below answers for them. */
const replicas = (n: number, lanes: number) =>
  Array.from(
    { length: n },
    (_, i) => new Target(`triton-${i + 1}`, new URL(`http://127.0.0.1:${9 + i}`), [Buffer.from('x')], lanes, 1000),
  )

test('request i goes to replica i mod N, whatever worker sends it', async () => {
  const targets = replicas(3, 4)
  const seen: [string, number][] = []
  const run = await runLoad(targets, 4, { count: 31, counted: true }, async (target, _c, index) => {
    seen.push([target.name, index])
    return ok
  })
  assert.equal(
    targets.map((t) => t.tally.ok),
    [11, 10, 10],
  )
  assert.ok(
    seen.every(([name, index]) => name === `triton-${(index % 3) + 1}`),
    JSON.stringify(seen),
  )
  assert.is(run.dropped, 0)
})

test('a replica that refuses every connection is given up; its turns go to the others, none is lost', async () => {
  const targets = replicas(3, 2)
  const run = await runLoad(targets, 2, { count: 300, counted: true }, async (target) =>
    target.name === 'triton-2' ? refused : ok,
  )
  const [first, second, third] = targets
  assert.ok(second!.gaveUp, 'triton-2 given up')
  assert.is(second!.gaveUp!.detail, 'connection refused')
  assert.not.ok(first!.gaveUp || third!.gaveUp)
  // Six in a row, with growing pauses between them: not a flood of 100 failures.
  assert.ok(second!.tally.failed <= 8, `${second!.tally.failed} failures sent to triton-2`)
  assert.is(first!.tally.ok + third!.tally.ok + second!.tally.failed, 300)
  assert.is(run.dropped, 0)
})

test('every replica given up: the run ends without dropping the rest of the plan as "not sent in time"', async () => {
  const targets = replicas(2, 2)
  const run = await runLoad(targets, 2, { count: 10_000, counted: true }, async () => refused)
  assert.ok(targets.every((t) => t.gaveUp))
  assert.is(run.dropped, 0)
  assert.ok(
    targets.every((t) => t.tally.failed <= 8),
    JSON.stringify(targets.map((t) => t.tally.failed)),
  )
})

test('an open loop behind its schedule stops at the deadline and counts the requests it never sent', async () => {
  const targets = replicas(2, 1)
  // One worker, each answer after 20 ms: at 1000/s for 0.3 s it can send about 15 of the 300 due.
  const run = await runLoad(targets, 1, { count: 300, counted: true, rate: 1000, durationMs: 300 }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 20))
    return ok
  })
  const answered = targets.reduce((n, t) => n + t.tally.done + t.tally.unfinished, 0)
  assert.ok(run.elapsedMs <= 300.5, `${run.elapsedMs} ms`)
  assert.ok(answered < 30, `${answered} sent`)
  assert.is(answered + run.dropped, 300)
})

test.run()
