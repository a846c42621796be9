// waitFor, the one readiness poll every step uses: it returns the first real answer, and a probe
// that hangs (a fetch stuck on a half-open connection) neither outlives the deadline nor lets
// Node exit in the middle of the wait (exit code 13, no message), as it did against docker-proxy.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { hushCommands, log, setVerbose } from '../../scripts/lib/output/log.ts'
import { fail, StepError } from '../../scripts/lib/step/fail.ts'
import { waitFor } from '../../scripts/lib/step/poll.ts'
import { runProcess } from '../helpers/process.ts'

const onTimeout = (last: unknown) => fail(`timed out (last: ${String(last)})`, 'wait longer')
/** onTimeout that also keeps what it was given, in `seen`. */
const keeping = (seen: unknown[]) => (last: unknown) => {
  seen.push(last)
  return onTimeout(last)
}

test('returns the first value that is not false or undefined; a throwing probe counts as not yet', async () => {
  let n = 0
  const value = await waitFor(
    async () => {
      n++
      if (n === 1) throw new Error('not up')
      return n === 3 ? 'ready' : false
    },
    { what: 'x', timeoutMs: 5000, intervalMs: 1, onTimeout },
  )
  assert.is(value, 'ready')
  assert.is(n, 3)
})

test('a probe that never settles ends at the deadline with the timeout error', async () => {
  const started = Date.now()
  const error = await waitFor(() => new Promise<boolean>(() => {}), { what: 'x', timeoutMs: 300, onTimeout }).catch(
    (e: unknown) => e,
  )
  assert.instance(error, StepError)
  assert.match((error as StepError).cause_, /^timed out/)
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`)
})

test('the wait holds the process: with nothing else pending, Node does not exit before the deadline', async () => {
  const script = `
    import { waitFor } from './scripts/lib/step/poll.ts'
    import { fail } from './scripts/lib/step/fail.ts'
    await waitFor(() => new Promise(() => {}), { what: 'x', timeoutMs: 300, onTimeout: () => fail('deadline', 'x') })
      .catch((e) => process.stdout.write(e.cause_))
  `
  const result = await runProcess(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    timeoutMs: 30_000,
  })
  assert.is(result.code, 0, result.text)
  assert.is(result.stdout, 'deadline')
})

test('a probe that says "not yet" at once ends at the deadline, asked a bounded number of times, with its last answer', async () => {
  let n = 0
  const seen: unknown[] = []
  const error = await waitFor(
    async () => {
      n++
      if (n === 1) throw new Error('first')
      return false
    },
    {
      what: 'x',
      timeoutMs: 200,
      intervalMs: 50,
      onTimeout: keeping(seen),
    },
  ).catch((e: unknown) => e)
  assert.instance(error, StepError)
  assert.equal(seen, [false], 'the latest answer, not the first error')
  assert.ok(n >= 2 && n <= 6, `asked ${n} times`)
  // --verbose shows a poll's first round only; after the wait, commands show again.
  assert.is(hushCommands(false), false, 'commands were left hushed')
})

test('on a terminal a spinner names the wait, frame after frame, and its line is cleared at the end; piped, nothing is drawn', async () => {
  const writes: string[] = []
  const write = process.stderr.write
  const wasTTY = process.stderr.isTTY
  process.stderr.write = ((chunk: string | Uint8Array) => {
    writes.push(String(chunk))
    return true
  }) as typeof process.stderr.write
  let drawn: string[]
  try {
    process.stderr.isTTY = true
    let n = 0
    await waitFor(async () => ++n === 11 || false, { what: 'Triton ready', timeoutMs: 5000, intervalMs: 1, onTimeout })
    drawn = writes.splice(0)
    process.stderr.isTTY = false
    await waitFor(async () => true, { what: 'piped', timeoutMs: 5000, onTimeout })
  } finally {
    process.stderr.write = write
    process.stderr.isTTY = wasTTY
  }
  assert.equal(writes, [], 'piped: nothing drawn')
  assert.is(drawn.length, 12, '11 frames, then the clear')
  assert.ok(drawn.slice(0, 11).every((line) => line.startsWith('\r  ') && line.includes(' Triton ready ')))
  const frames = drawn.slice(0, 11).map((line) => [...'⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'].find((f) => line.includes(f)))
  assert.equal(frames, [...'⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏⠋'])
  assert.is(drawn[11], '\r\x1b[K')
})

test('a probe that only ever throws times out with its error, the one thing that says why (connection refused)', async () => {
  const seen: unknown[] = []
  await waitFor(
    async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:8000')
    },
    {
      what: 'x',
      timeoutMs: 100,
      intervalMs: 20,
      onTimeout: keeping(seen),
    },
  ).catch(() => {})
  assert.is(seen.length, 1)
  assert.is((seen[0] as Error | undefined)?.message, 'connect ECONNREFUSED 127.0.0.1:8000')
})

/** Runs `body` with stderr caught (and its isTTY set to `tty`); returns what was written. */
async function stderrOf(tty: boolean, body: () => Promise<unknown>): Promise<string[]> {
  const writes: string[] = []
  const write = process.stderr.write
  const wasTTY = process.stderr.isTTY
  process.stderr.write = ((chunk: string | Uint8Array) => writes.push(String(chunk)) > 0) as typeof process.stderr.write
  process.stderr.isTTY = tty
  try {
    await body()
  } finally {
    process.stderr.write = write
    process.stderr.isTTY = wasTTY
  }
  return writes
}

test("--verbose shows a poll's commands once, in its first round, not at each repeat; then commands show again", async () => {
  setVerbose(true)
  let writes: string[]
  try {
    writes = await stderrOf(false, async () => {
      let n = 0
      await waitFor(
        async () => {
          log.command(['docker', 'inspect', 'triton'])
          return ++n === 4
        },
        { what: 'x', timeoutMs: 5000, intervalMs: 1, onTimeout },
      )
      log.command(['docker', 'ps'])
    })
  } finally {
    setVerbose(false)
  }
  const shown = writes.map((line) => line.replace(/\x1b\[\d+m/g, ''))
  assert.equal(shown, ['  $ docker inspect triton\n', '  $ docker ps\n'])
})

test('the spinner counts the seconds since the wait began, from 0s, never more than have passed', async () => {
  const started = Date.now()
  const writes = await stderrOf(true, async () => {
    let n = 0
    await waitFor(async () => ++n === 6 || false, { what: 'Triton ready', timeoutMs: 5000, intervalMs: 2, onTimeout })
  })
  const most = Math.ceil((Date.now() - started) / 1000)
  const seconds = writes
    .slice(0, -1)
    .map((line) => line.replace(/\x1b\[\d+m/g, '').match(/ Triton ready (\d+)s\x1b\[K$/)?.[1])
  assert.is(seconds.length, 6)
  assert.is(seconds[0], '0', writes[0])
  for (const s of seconds)
    assert.ok(s !== undefined && Number(s) <= most, `${s}s shown after at most ${most}s: ${writes}`)
})

test('a probe that answers "not yet" just as the deadline comes is not asked again', async () => {
  // The clock is the test's: each answer takes exactly the whole timeout, so the first ends at the deadline.
  const now = Date.now
  let clock = 1_000_000
  let asked = 0
  Date.now = () => clock
  try {
    await waitFor(
      async () => {
        asked++
        clock += 1000
        return false
      },
      { what: 'x', timeoutMs: 1000, intervalMs: 10, onTimeout },
    ).catch(() => {})
  } finally {
    Date.now = now
  }
  assert.is(asked, 1)
})

test.run()
