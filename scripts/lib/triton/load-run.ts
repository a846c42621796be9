// The load loop of 08-load: requests on a schedule over keep-alive connections, with everything
// kept about one Triton in one place (Target: its requests, connections, tally and circuit), so
// more replicas are more entries, not more loops. Request i goes to replica i mod N, like a
// round-robin balancer, and one a balancer would mark down (given up) passes its turn on. Honest numbers: throughput and latency count
// successful answers only, failures are tallied by kind beside them, a deadline is a deadline
// (requests still due are dropped and counted, those in flight are cut and counted), and a target
// that stops accepting connections is backed off from and then given up on, with its cause,
// instead of being flooded (132,907 failing requests in 7 s, self-connects in the ephemeral range).
import { KeepAliveConnection } from './keepalive.ts'

/** What one request came to. `connection` marks failures that say nothing listens any more. */
export type Outcome = { ok: true; correct: boolean } | { ok: false; kind: string; detail: string; connection?: boolean }

export interface Plan {
  /** Requests to send at most. */
  count: number
  /** Nothing is sent, and nothing waited for, past this many ms from the start. */
  durationMs?: number
  /** Open loop: request i is due at i / rate s, and its latency counts from then (wrk2 style). */
  rate?: number
}

/** The tallies behind one line of the report. */
export class Tally {
  ok = 0
  correct = 0
  /** Requests that got a failure as their answer. */
  failed = 0
  /** Requests in flight when the deadline came: cut, neither success nor failure. */
  unfinished = 0
  /** Milliseconds of each successful request. */
  readonly latencies: number[] = []
  readonly errors = new Map<string, { count: number; detail: string }>()

  record(outcome: Outcome, latencyMs: number): void {
    if (outcome.ok) {
      this.ok++
      if (outcome.correct) this.correct++
      this.latencies.push(latencyMs)
      return
    }
    this.failed++
    const seen = this.errors.get(outcome.kind)
    this.errors.set(outcome.kind, { count: (seen?.count ?? 0) + 1, detail: seen?.detail ?? outcome.detail })
  }

  get done(): number {
    return this.ok + this.failed
  }

  static merge(tallies: Tally[]): Tally {
    const all = new Tally()
    for (const t of tallies) {
      all.ok += t.ok
      all.correct += t.correct
      all.failed += t.failed
      all.unfinished += t.unfinished
      for (const l of t.latencies) all.latencies.push(l)
      for (const [kind, e] of t.errors) {
        const seen = all.errors.get(kind)
        all.errors.set(kind, { count: (seen?.count ?? 0) + e.count, detail: seen?.detail ?? e.detail })
      }
    }
    return all
  }
}

/** Back-off after a connection failure doubles from here; this many in a row give the target up. */
const FIRST_BACKOFF_MS = 100
const MAX_FAILURES_IN_ROW = 6

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.ceil(ms))))

/**
 * One Triton under load. Its circuit: a connection failure opens it for a back-off that doubles
 * (100 ms … 1.6 s); when it ends, one request probes while the other connections wait; an answer
 * of any kind closes it, another connection failure reopens it, and the sixth in a row (about
 * 3 s without a connection) gives the target up with the failure's words as the cause.
 */
export class Target {
  readonly connections: KeepAliveConnection[]
  readonly tally = new Tally()
  /** Why the load on this target was given up, once it was. */
  gaveUp: { detail: string; inRow: number } | undefined
  private failuresInRow = 0
  private openedAt = Number.NEGATIVE_INFINITY
  private openUntil = 0
  private probing = false

  constructor(
    /** The replica's container, or the address for an endpoint given with --url. */
    readonly name: string,
    readonly url: URL,
    /** Encoded requests, sent in turn (request i is requests[i % length]). */
    readonly requests: Buffer[],
    /** One per sending worker (--concurrency), opened on first use. */
    connections: number,
    timeoutMs: number,
  ) {
    this.connections = Array.from({ length: connections }, () => new KeepAliveConnection(url, timeoutMs))
  }

  /** Neither given up nor backing off: any connection may send now. */
  get closed(): boolean {
    return !this.gaveUp && this.failuresInRow === 0
  }

  /** Waits while the circuit is open; true when this connection may send now. */
  async admit(until: () => boolean): Promise<boolean> {
    for (;;) {
      if (this.gaveUp || until()) return false
      if (this.failuresInRow === 0) return true
      const wait = this.openUntil - performance.now()
      if (wait <= 0 && !this.probing) {
        this.probing = true
        return true
      }
      await sleep(Math.min(Math.max(wait, 10), 100))
    }
  }

  /** What a request sent at `sentAt` came to. Those already in flight when the circuit opened
   *  fail with the same cause: they count as failures, not as more failures in a row. */
  settle(outcome: Outcome, sentAt: number): void {
    if (sentAt < this.openedAt && !(outcome.ok || !outcome.connection)) return
    this.probing = false
    if (outcome.ok || !outcome.connection) {
      this.failuresInRow = 0
      return
    }
    this.failuresInRow++
    this.openedAt = performance.now()
    if (this.failuresInRow >= MAX_FAILURES_IN_ROW) {
      this.gaveUp ??= { detail: outcome.detail, inRow: this.failuresInRow }
      for (const c of this.connections) c.close()
      return
    }
    this.openUntil = performance.now() + FIRST_BACKOFF_MS * 2 ** (this.failuresInRow - 1)
  }
}

export interface RunResult {
  elapsedMs: number
  /**
   * Requests an open loop (--rate) never sent though they were due before the deadline: it fell
   * behind its schedule. A closed loop drops nothing: what it had not sent by --duration was never due.
   */
  dropped: number
}

/**
 * Runs the plan with `lanes` workers, each taking the next request of one shared schedule and
 * sending it to its target (i mod N, the next one alive when that one was given up) on the
 * worker's own connection to it, until the plan is done, the deadline passes or every target was
 * given up. `send` sends request `index` on a connection and says what it came to.
 */
export async function runLoad(
  targets: Target[],
  lanes: number,
  plan: Plan,
  send: (target: Target, connection: KeepAliveConnection, index: number) => Promise<Outcome>,
): Promise<RunResult> {
  const started = performance.now()
  const deadline = plan.durationMs === undefined ? Number.POSITIVE_INFINITY : started + plan.durationMs
  let ended = false
  const past = () => ended || performance.now() >= deadline
  const closeAll = () => {
    for (const t of targets) for (const c of t.connections) c.close()
  }
  // At the deadline, whatever is in flight is cut: no run outlives its --duration.
  const timer =
    plan.durationMs === undefined
      ? undefined
      : setTimeout(() => {
          ended = true
          closeAll()
        }, plan.durationMs)
  let next = 0
  let taken = 0

  /** Request `index`'s turn: its target, or the next one alive when that one was given up. */
  function turnOf(index: number): Target | undefined {
    const turn = targets[index % targets.length]!
    if (!turn.gaveUp) return turn
    const alive = targets.filter((t) => !t.gaveUp)
    return alive[index % alive.length]
  }

  /** Request `index`'s target once its circuit lets it send; undefined when past or all given up. */
  async function targetFor(index: number): Promise<Target | undefined> {
    for (;;) {
      const target = turnOf(index)
      if (!target || past()) return undefined
      if (await target.admit(past)) return target
    }
  }

  async function worker(lane: number): Promise<void> {
    for (;;) {
      if (past() || targets.every((t) => t.gaveUp)) return
      const index = next++
      if (index >= plan.count) return
      // A closed circuit, nearly every time, needs no wait: no promise for each request.
      const turn = turnOf(index)
      const target = turn?.closed ? turn : await targetFor(index)
      if (!target) return
      const due = plan.rate ? started + (index * 1000) / plan.rate : performance.now()
      if (due >= deadline) return
      // Timers fire on whole milliseconds, sometimes just early: wait until the send time is reached.
      while (performance.now() < due && !past()) await sleep(Math.min(due, deadline) - performance.now())
      if (past()) return
      taken++
      const sentAt = performance.now()
      const outcome = await send(target, target.connections[lane]!, index)
      if (ended) {
        target.tally.unfinished++
        return
      }
      target.tally.record(outcome, performance.now() - due)
      target.settle(outcome, sentAt)
    }
  }

  try {
    await Promise.all(Array.from({ length: lanes }, (_, lane) => worker(lane)))
  } finally {
    clearTimeout(timer)
    closeAll()
  }
  const elapsedMs = Math.min(performance.now(), deadline) - started
  // Request i is due at i / rate s: those before the deadline number rate × duration, rounded up.
  const due = (rate: number) =>
    plan.durationMs === undefined ? plan.count : Math.min(plan.count, Math.ceil((rate * plan.durationMs) / 1000))
  const stopped = targets.every((t) => t.gaveUp)
  return { elapsedMs, dropped: plan.rate && !stopped ? Math.max(0, due(plan.rate) - taken) : 0 }
}
