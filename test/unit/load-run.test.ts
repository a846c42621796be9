// The load loop of 08-load (scripts/lib/triton/load-run.ts) with a send that answers for the
// replicas, so the schedule itself is what is tested: request i to replica i mod N, a replica given
// up passing its turn on to the next one alive, the circuit's back-off and probe, the open loop's
// send times, and a deadline that holds with the schedule behind. Time is a fake clock: the loop's
// waits take no real time and every send time is an exact number worked out by hand.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { KeepAliveConnection } from '../../scripts/lib/triton/keepalive.ts'
import { type Outcome, runLoad, Tally, Target } from '../../scripts/lib/triton/load-run.ts'

const ok: Outcome = { ok: true, correct: true }
const refused: Outcome = { ok: false, kind: 'connection', detail: 'connection refused', connection: true }
/** A failure that says the server is there: not a connection failure. */
const serverError: Outcome = { ok: false, kind: 'http 500', detail: 'internal error' }

/** Replicas that never open a socket: `send` below answers for them. */
const replicas = (n: number, lanes: number) =>
  Array.from(
    { length: n },
    (_, i) => new Target(`triton-${i + 1}`, new URL(`http://127.0.0.1:${9 + i}`), [Buffer.from('x')], lanes, 1000),
  )

/**
 * Stands in for `performance.now()` and `setTimeout` while `run` runs: time moves only when every
 * lane waits on a timer, straight to the earliest one, as Node would get there (a delay under 1 ms
 * or past 2^31-1 ms is 1 ms). A back-off of seconds takes microseconds, and a loop that never ends
 * fails the test after `maxTimers` timers instead of hanging it.
 */
class FakeClock {
  now = 0
  /** Every delay the code under test asked `setTimeout` for, as it asked. */
  readonly asked: number[] = []
  private timers: { at: number; seq: number; fire: () => void }[] = []
  private seq = 0

  get pending(): number {
    return this.timers.length
  }

  /** A request that takes `ms` to answer: the clock's own timer, not one the loop asked for. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.schedule(ms, () => resolve()))
  }

  async run<T>(work: () => Promise<T>, maxTimers = 5000): Promise<T> {
    const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout }
    globalThis.setTimeout = ((fire: () => void, ms = 0) => {
      this.asked.push(ms)
      return this.schedule(ms, fire)
    }) as unknown as typeof setTimeout
    globalThis.clearTimeout = ((timer: unknown) => {
      this.timers = this.timers.filter((t) => t !== timer)
    }) as typeof clearTimeout
    performance.now = () => this.now
    try {
      let done = false
      const result = work()
      result.then(
        () => (done = true),
        () => (done = true),
      )
      for (let fired = 0; ; fired++) {
        // setImmediate runs after every promise reaction queued so far: all lanes have done what
        // they can without time passing.
        await new Promise((resolve) => setImmediate(resolve))
        if (done) return await result
        if (fired >= maxTimers) throw new Error(`still running after ${maxTimers} timers, at ${this.now} ms`)
        const next = this.timers.reduce<(typeof this.timers)[number] | undefined>(
          (a, t) => (!a || t.at < a.at || (t.at === a.at && t.seq < a.seq) ? t : a),
          undefined,
        )
        if (!next) throw new Error(`waits on nothing at ${this.now} ms`)
        this.timers = this.timers.filter((t) => t !== next)
        this.now = Math.max(this.now, next.at)
        next.fire()
      }
    } finally {
      globalThis.setTimeout = real.setTimeout
      globalThis.clearTimeout = real.clearTimeout
      Reflect.deleteProperty(performance, 'now')
    }
  }

  private schedule(ms: number, fire: () => void) {
    const timer = { at: this.now + (ms >= 1 && ms <= 2 ** 31 - 1 ? ms : 1), seq: this.seq++, fire }
    this.timers.push(timer)
    return timer
  }
}

/** Counts the closes of every connection of these targets (the real close still runs). */
function countCloses(targets: Target[]): () => number {
  let closes = 0
  for (const c of targets.flatMap((t) => t.connections)) {
    const close = c.close.bind(c)
    c.close = () => {
      closes++
      close()
    }
  }
  return () => closes
}

test('a tally counts answers, right answers and failures by kind, keeping the first detail of each kind', () => {
  const tally = new Tally()
  tally.record(ok, 5)
  tally.record({ ok: true, correct: false }, 7)
  tally.record(serverError, 1)
  tally.record({ ...serverError, detail: 'a later 500' }, 1)
  tally.record(refused, 1)
  assert.is(tally.ok, 2)
  assert.is(tally.correct, 1, 'a wrong digit is an answer, not a right one: accuracy is correct / ok')
  assert.is(tally.failed, 3)
  assert.is(tally.done, 5)
  assert.equal(tally.latencies, [5, 7], 'latency of successful answers only')
  assert.equal(Object.fromEntries(tally.errors), {
    'http 500': { count: 2, detail: 'internal error' },
    connection: { count: 1, detail: 'connection refused' },
  })
})

test("merging the replicas' tallies adds every count and latency; errors of one kind add up, first detail kept", () => {
  const a = new Tally()
  a.record(ok, 3)
  a.record(serverError, 1)
  a.record(serverError, 1)
  a.unfinished = 1
  const b = new Tally()
  b.record(ok, 4)
  b.record({ ok: true, correct: false }, 6)
  b.record({ ...serverError, detail: 'from b' }, 1)
  b.record(refused, 1)
  b.unfinished = 2
  const all = Tally.merge([a, b])
  assert.equal([all.ok, all.correct, all.failed, all.unfinished, all.done], [3, 2, 4, 3, 7])
  assert.equal(all.latencies, [3, 4, 6])
  assert.equal(Object.fromEntries(all.errors), {
    'http 500': { count: 3, detail: 'internal error' },
    connection: { count: 1, detail: 'connection refused' },
  })
  // The replicas' own lines stay as they were.
  assert.is(a.errors.get('http 500')!.count, 2)
})

test('request i goes to replica i mod N, whatever worker sends it', async () => {
  const targets = replicas(3, 4)
  const seen: [string, number][] = []
  const run = await runLoad(targets, 4, { count: 31 }, async (target, _c, index) => {
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
  const clock = new FakeClock()
  const targets = replicas(3, 2)
  const sentTo: string[] = []
  const run = await clock.run(() =>
    runLoad(targets, 2, { count: 300 }, async (target, _c, index) => {
      sentTo[index] = target.name
      return target.name === 'triton-2' ? refused : ok
    }),
  )
  // Only triton-2's turns move: triton-1 and triton-3 still take their own, before and after.
  assert.ok(
    sentTo.every((name, index) => index % 3 === 1 || name === `triton-${(index % 3) + 1}`),
    JSON.stringify(sentTo),
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
  const clock = new FakeClock()
  const targets = replicas(2, 2)
  const run = await clock.run(() => runLoad(targets, 2, { count: 10_000 }, async () => refused))
  assert.ok(targets.every((t) => t.gaveUp))
  assert.is(run.dropped, 0)
  assert.ok(
    targets.every((t) => t.tally.failed <= 8),
    JSON.stringify(targets.map((t) => t.tally.failed)),
  )
})

test('an open loop behind its schedule stops at the deadline and counts the requests it never sent', async () => {
  const clock = new FakeClock()
  // The run starts 5 s into the process, as it does in 08-load: elapsed time counts from the
  // start, not from the clock's zero.
  clock.now = 5000
  const targets = replicas(2, 1)
  // One worker, each answer after 20 ms: at 1000/s for 0.3 s it sends at 0, 20 … 280 ms, 15 of the
  // 300 due; the one sent at 280 is still in flight at 300 and is cut.
  const run = await clock.run(() =>
    runLoad(targets, 1, { count: 300, rate: 1000, durationMs: 300 }, async () => {
      await clock.sleep(20)
      return ok
    }),
  )
  const answered = targets.reduce((n, t) => n + t.tally.done + t.tally.unfinished, 0)
  assert.is(run.elapsedMs, 300)
  assert.is(answered, 15)
  assert.is(answered + run.dropped, 300)
})

test('a connection is not let through once the run is over, nor to a target given up', async () => {
  const clock = new FakeClock()
  await clock.run(async () => {
    const [target] = replicas(1, 1)
    assert.is(await target!.admit(() => true), false, 'the run is over')
    // Six connection failures in a row, each sent well after the one before failed.
    for (let i = 0; i < 6; i++) {
      target!.settle(refused, clock.now)
      clock.now += 5000
    }
    assert.ok(target!.gaveUp)
    assert.is(await target!.admit(() => false), false, 'given up')
  })
})

test('a target is given up at the sixth connection failure in a row, with its words, and its connections closed', async () => {
  const clock = new FakeClock()
  await clock.run(async () => {
    const [target] = replicas(1, 2)
    const closes = countCloses([target!])
    for (let i = 1; i <= 5; i++) {
      target!.settle({ ...refused, detail: `refused ${i}` }, clock.now)
      clock.now += 5000
    }
    assert.is(target!.gaveUp, undefined, 'five in a row is not yet given up')
    assert.is(closes(), 0)
    target!.settle({ ...refused, detail: 'refused 6' }, clock.now)
    assert.equal(target!.gaveUp, { detail: 'refused 6', inRow: 6 })
    assert.is(closes(), 2)
  })
})

test('connection failures already in flight when the circuit opened do not count as more in a row', async () => {
  const clock = new FakeClock()
  await clock.run(async () => {
    const [target] = replicas(1, 3)
    // Three requests sent at 0, 1 and 2 ms; the first fails at 10 ms and opens the circuit for
    // 100 ms. The other two fail just after with the same cause: still the first failure, so the
    // next request may go at 110 ms, not after the 400 ms of a third failure in a row.
    clock.now = 10
    target!.settle(refused, 0)
    clock.now = 11
    target!.settle(refused, 1)
    target!.settle(refused, 2)
    assert.ok(await target!.admit(() => false))
    assert.is(clock.now, 110)
  })
})

test('a connection failure after an answer closed the circuit opens it again, though the clock has not moved', async () => {
  const clock = new FakeClock()
  await clock.run(async () => {
    const [target] = replicas(1, 2)
    clock.now = 10
    target!.settle(refused, 0)
    target!.settle(ok, 5)
    // Sent after that answer closed the circuit, in the same millisecond (a coarse clock reads the
    // same): a new failure, not one already in flight when the circuit opened.
    target!.settle(refused, 10)
    assert.ok(await target!.admit(() => false))
    assert.is(clock.now, 110)
  })
})

for (const [name, answer] of [
  ['a success', ok],
  ['a server error', serverError],
] as const) {
  test(`${name} to a request sent before the circuit opened closes it: the next request goes at once`, async () => {
    const clock = new FakeClock()
    await clock.run(async () => {
      const [target] = replicas(1, 2)
      clock.now = 10
      target!.settle(refused, 0)
      // The server answered a request sent at 5 ms: it is there, whatever failed at 10.
      clock.now = 20
      target!.settle(answer, 5)
      assert.ok(await target!.admit(() => false))
      assert.is(clock.now, 20)
    })
  })
}

test('a replica that refuses is retried after 100, 200, 400, 800 and 1600 ms, then given up', async () => {
  const clock = new FakeClock()
  const [target] = replicas(1, 1)
  const sentAt: number[] = []
  const run = await clock.run(() =>
    runLoad([target!], 1, { count: 100 }, async () => {
      sentAt.push(clock.now)
      return refused
    }),
  )
  assert.equal(sentAt, [0, 100, 300, 700, 1500, 3100])
  assert.equal(target!.gaveUp, { detail: 'connection refused', inRow: 6 })
  assert.is(target!.tally.failed, 6)
  assert.is(run.dropped, 0)
})

test('after the back-off one request probes alone; the others wait for its answer, without spinning', async () => {
  const clock = new FakeClock()
  const [target] = replicas(1, 3)
  const sent: number[] = []
  // Every answer takes 50 ms; the server refuses what is sent before 100 ms.
  await clock.run(() =>
    runLoad([target!], 3, { count: 8 }, async (_t, _c, index) => {
      sent[index] = clock.now
      const refuse = clock.now < 100
      await clock.sleep(50)
      return refuse ? refused : ok
    }),
  )
  // 0-2 fail at 50 ms: one failure in a row, open until 150. Request 3 probes at 150 and is
  // answered at 200; 4 and 5 waited for it, 6 and 7 follow.
  assert.equal(sent, [0, 0, 0, 150, 200, 200, 200, 250])
  assert.equal([target!.tally.failed, target!.tally.ok], [3, 5])
  // Waiting lanes look again every 10 to 100 ms: not a busy loop of 0 ms timers.
  assert.ok(
    clock.asked.every((ms) => ms >= 10 && ms <= 100),
    JSON.stringify(clock.asked),
  )
})

test('a run in the middle of a back-off still ends at its deadline', async () => {
  const clock = new FakeClock()
  const [target] = replicas(1, 1)
  const sentAt: number[] = []
  let endedAt = -1
  const run = await clock.run(async () => {
    const run = await runLoad([target!], 1, { count: 100, durationMs: 1000 }, async () => {
      sentAt.push(clock.now)
      return refused
    })
    endedAt = clock.now
    return run
  })
  // The fourth failure, at 700 ms, opens the circuit until 1500: past the deadline at 1000.
  assert.equal(sentAt, [0, 100, 300, 700])
  assert.is(endedAt, 1000)
  assert.is(run.elapsedMs, 1000)
  // A closed loop: the 96 it had not sent were never due, so none is dropped.
  assert.is(run.dropped, 0)
})

test('a connection that waited on a target given up meanwhile sends nothing more to it', async () => {
  const clock = new FakeClock()
  const [target] = replicas(1, 2)
  const afterGivenUp: number[] = []
  await clock.run(() =>
    runLoad([target!], 2, { count: 100 }, async (t, _c, index) => {
      if (t.gaveUp) afterGivenUp.push(index)
      await clock.sleep(5)
      return refused
    }),
  )
  assert.equal(target!.gaveUp, { detail: 'connection refused', inRow: 6 })
  assert.equal(afterGivenUp, [])
})

test('an open loop sends request i at i / rate s, each after one wait, not early and not late', async () => {
  const clock = new FakeClock()
  const [target] = replicas(1, 1)
  const sentAt: number[] = []
  const run = await clock.run(() =>
    runLoad([target!], 1, { count: 5, rate: 100, durationMs: 1000 }, async () => {
      sentAt.push(clock.now)
      return ok
    }),
  )
  assert.equal(sentAt, [0, 10, 20, 30, 40])
  // The deadline's timer, then one timer per send time: no polling towards it.
  assert.equal(clock.asked, [1000, 10, 10, 10, 10])
  assert.is(run.dropped, 0)
})

test('an open loop counts latency from when a request was due, not from when a late loop sent it', async () => {
  const clock = new FakeClock()
  const [target] = replicas(1, 1)
  // Due every 10 ms, each answered 25 ms after it is sent: request 1 (due 10) goes at 25 and is
  // answered at 50, 40 ms after it was due; request 2 (due 20) goes at 50, answered at 75.
  await clock.run(() =>
    runLoad([target!], 1, { count: 3, rate: 100 }, async () => {
      await clock.sleep(25)
      return ok
    }),
  )
  assert.equal(target!.tally.latencies, [25, 40, 55])
})

test('an open loop whose next request is due at the deadline ends after its last send', async () => {
  const clock = new FakeClock()
  const [target] = replicas(1, 1)
  const sentAt: number[] = []
  let endedAt = -1
  // 10/s for 0.3 s, 10 requests asked for: due at 0, 100, 200; the fourth is due at 300, the end.
  const run = await clock.run(async () => {
    const run = await runLoad([target!], 1, { count: 10, rate: 10, durationMs: 300 }, async () => {
      sentAt.push(clock.now)
      return ok
    })
    endedAt = clock.now
    return run
  })
  assert.equal(sentAt, [0, 100, 200])
  assert.is(endedAt, 200, 'nothing left to wait for')
  assert.is(run.elapsedMs, 200)
})

test('nothing is sent once the deadline is reached, though its timer has not fired yet', async () => {
  const clock = new FakeClock()
  const [target] = replicas(1, 1)
  const sentAt: number[] = []
  // The first answer keeps the event loop busy until the deadline (100 ms): requests 1-9 were due
  // before it, but it is now the deadline, so none may go.
  const run = await clock.run(() =>
    runLoad([target!], 1, { count: 10, rate: 100, durationMs: 100 }, async () => {
      sentAt.push(clock.now)
      clock.now += 100
      return ok
    }),
  )
  assert.equal(sentAt, [0])
  assert.is(run.dropped, 9)
})

test('a connection whose send time comes late, past the deadline, does not send', async () => {
  const clock = new FakeClock()
  const [target] = replicas(1, 2)
  const sent: number[] = []
  // Two connections at 100/s for 0.1 s: one waits for request 9 (due 90 ms) while the other's
  // request 8, sent at 80, keeps the event loop busy until 105. The timer for 90 fires at 105.
  const run = await clock.run(() =>
    runLoad([target!], 2, { count: 10, rate: 100, durationMs: 100 }, async (_t, _c, index) => {
      sent.push(index)
      if (index === 8) clock.now = 105
      return ok
    }),
  )
  assert.equal(sent, [0, 1, 2, 3, 4, 5, 6, 7, 8])
  assert.is(run.dropped, 1)
})

test('requests in flight at the deadline are cut and counted as unfinished, and the run ends on time', async () => {
  const clock = new FakeClock()
  const targets = replicas(2, 2)
  const cut: Outcome = { ok: false, kind: 'AbortError', detail: 'the request was cut off', connection: false }
  let endedAt = -1
  // Each answer would take 1 s; closing the connection cuts it, as a socket destroyed would.
  const send = (_t: Target, connection: KeepAliveConnection) =>
    new Promise<Outcome>((resolve) => {
      const close = connection.close.bind(connection)
      connection.close = () => {
        close()
        resolve(cut)
      }
      void clock.sleep(1000).then(() => resolve(ok))
    })
  const run = await clock.run(async () => {
    const run = await runLoad(targets, 2, { count: 10, durationMs: 100 }, send)
    endedAt = clock.now
    return run
  })
  assert.is(endedAt, 100)
  assert.is(run.elapsedMs, 100)
  assert.equal(
    targets.map((t) => [t.tally.unfinished, t.tally.done]),
    [
      [1, 0],
      [1, 0],
    ],
  )
  // A closed loop drops nothing: 08-load's warning of a rate not kept is for an open loop only.
  assert.is(run.dropped, 0)
})

test('an open loop given more --requests than fit its --duration drops only those due before the end', async () => {
  // 100/s for 0.1 s: requests 0-9 are due before the deadline, 10-49 after it.
  const plan = { count: 50, rate: 100, durationMs: 100 }
  const onTime = await new FakeClock().run(() => runLoad(replicas(1, 1), 1, plan, async () => ok))
  assert.is(onTime.dropped, 0)
  // Each answer takes 30 ms: it sends at 0, 30, 60 and 90 ms, 4 of the 10 due.
  const clock = new FakeClock()
  const behind = await clock.run(() =>
    runLoad(replicas(1, 1), 1, plan, async () => {
      await clock.sleep(30)
      return ok
    }),
  )
  assert.is(behind.dropped, 6)
})

test('a run done before its deadline closes every connection and leaves no timer behind', async () => {
  const clock = new FakeClock()
  const targets = replicas(2, 2)
  const closes = countCloses(targets)
  await clock.run(() => runLoad(targets, 2, { count: 3, durationMs: 10_000 }, async () => ok))
  assert.is(closes(), 4)
  // A timer left would keep the process (and 08-load) alive until the 10 s were up.
  assert.is(clock.pending, 0)
})

test('with one replica given up, requests the open loop could not send in time still count as dropped', async () => {
  const clock = new FakeClock()
  const targets = replicas(2, 1)
  const sends: number[] = []
  // 100/s for 5 s on one connection: triton-2 refuses and is given up after about 3 s, triton-1
  // takes 15 ms an answer, slower than the schedule, so the loop never catches up.
  const run = await clock.run(() =>
    runLoad(targets, 1, { count: 500, rate: 100, durationMs: 5000 }, async (target, _c, index) => {
      sends.push(index)
      if (target.name === 'triton-2') return refused
      await clock.sleep(15)
      return ok
    }),
  )
  assert.ok(targets[1]!.gaveUp, 'triton-2 given up')
  assert.not.ok(targets[0]!.gaveUp)
  assert.ok(sends.length < 500, `${sends.length} sent`)
  assert.is(run.dropped, 500 - sends.length)
})

test('an open loop whose every replica was given up drops nothing: it stopped, it did not fall behind', async () => {
  const clock = new FakeClock()
  const [target] = replicas(1, 1)
  const run = await clock.run(() =>
    runLoad([target!], 1, { count: 1000, rate: 100, durationMs: 10_000 }, async () => refused),
  )
  assert.ok(target!.gaveUp)
  assert.is(target!.tally.failed, 6)
  assert.is(run.dropped, 0)
})

test('a healthy run sends without asking the circuit: no wait, and no promise, for each request', async () => {
  const clock = new FakeClock()
  const targets = replicas(2, 2)
  let asked = 0
  for (const target of targets) {
    const admit = target.admit.bind(target)
    target.admit = (until) => {
      asked++
      return admit(until)
    }
  }
  await clock.run(() => runLoad(targets, 2, { count: 50 }, async () => ok))
  assert.is(targets[0]!.tally.ok + targets[1]!.tally.ok, 50)
  assert.is(asked, 0)
})

test('with no replica to send to, the run ends at once and sends nothing', async () => {
  let sends = 0
  const run = await runLoad([], 2, { count: 10 }, async () => {
    sends++
    return ok
  })
  assert.is(sends, 0)
  assert.is(run.dropped, 0)
})

test.run()
