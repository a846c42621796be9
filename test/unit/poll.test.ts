// waitFor, the one readiness poll every step uses: it returns the first real answer, and a probe
// that hangs (a fetch stuck on a half-open connection) neither outlives the deadline nor lets
// Node exit in the middle of the wait (exit code 13, no message), as it did against docker-proxy.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fail, StepError } from '../../scripts/lib/step/fail.ts'
import { waitFor } from '../../scripts/lib/step/poll.ts'
import { runProcess } from '../helpers/process.ts'

const onTimeout = (last: unknown) => fail(`timed out (last: ${String(last)})`, 'wait longer')

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

test.run()
