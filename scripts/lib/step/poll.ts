// Readiness is polled with a deadline, never assumed or slept for; a spinner shows the wait.
import { color } from '../output/color.ts'
import type { StepError } from './fail.ts'
import { hushCommands } from '../output/log.ts'

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export interface WaitOptions {
  /** Shown beside the spinner: what we are waiting for. */
  what: string
  timeoutMs: number
  intervalMs?: number
  /** Builds the error when the deadline passes; gets the last probe error or value. */
  onTimeout: (last: unknown) => StepError
}

const EXPIRED = Symbol('expired')

/**
 * Calls `probe` until it returns something other than undefined/false, or the deadline passes.
 * A probe that throws counts as "not yet"; its error is kept for the timeout message. A probe
 * that hangs is not waited for past the deadline. The deadline's timer holds the process: a
 * fetch whose only pending handle is an unref'd abort timer (seen against docker-proxy before
 * the container listens) would otherwise let Node exit mid-wait with code 13 and no message.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | false>, options: WaitOptions): Promise<T> {
  const { what, timeoutMs, intervalMs = 200 } = options
  const started = Date.now()
  const deadline = started + timeoutMs
  const tty = process.stderr.isTTY
  let frame = 0
  /** Whether commands were hushed before: --verbose shows a poll's first round, not its repeats. */
  let wasHushed: boolean | undefined
  let last: unknown
  const draw = () => {
    if (!tty) return
    const seconds = ((Date.now() - started) / 1000).toFixed(0)
    process.stderr.write(`\r  ${color.cyan(frames[frame++ % frames.length])} ${what} ${color.dim(`${seconds}s`)}\x1b[K`)
  }
  const clear = () => tty && process.stderr.write('\r\x1b[K')
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<typeof EXPIRED>((resolve) => {
    timer = setTimeout(() => resolve(EXPIRED), timeoutMs)
  })
  try {
    for (;;) {
      draw()
      try {
        const value = await Promise.race([probe(), expired])
        if (value === EXPIRED) break
        if (value !== undefined && value !== false) return value
        last = value
      } catch (error) {
        last = error
      }
      wasHushed ??= hushCommands(true)
      const left = deadline - Date.now()
      if (left <= 0) break
      await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)))
    }
    throw options.onTimeout(last)
  } finally {
    if (wasHushed !== undefined) hushCommands(wasHushed)
    clearTimeout(timer)
    clear()
  }
}
