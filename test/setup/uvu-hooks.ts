// uvu 0.5.6 returns from a `finally` after its before/after hooks, which swallows an error a hook
// throws: the suite then shows 0 passed and no cause. Preloaded by test/run.ts, this prints the
// error before uvu loses it (the runner still counts the suite's tests as failed).
import { test } from 'uvu'

type Register = typeof test.before

function loud(name: string, register: Register): Register {
  const wrapped = ((fn) =>
    register(async (context) => {
      try {
        await fn(context)
      } catch (error) {
        process.stderr.write(
          `\n✖ test.${name} hook failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        )
        throw error
      }
    })) as Register
  wrapped.each = register.each
  return wrapped
}

test.before = loud('before', test.before)
test.after = loud('after', test.after)
