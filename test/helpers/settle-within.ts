// For tests of deadlines: how a promise settled, or a marker when it had not after `ms`, so code
// without the deadline under test fails the test instead of hanging it.
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let bound: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise.then(
        () => 'resolved',
        (error: unknown) => error,
      ),
      new Promise((resolve) => {
        bound = setTimeout(() => resolve(`still pending after ${ms / 1000} s`), ms)
      }),
    ])
  } finally {
    clearTimeout(bound)
  }
}
