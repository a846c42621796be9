// 08-load's progress bar on a terminal (none when stderr is piped): a redraw every 100 ms
// from two sums the caller hands over, so the run's tallies are never copied while it sends.
import { color } from '../output/color.ts'
import { t } from '../output/i18n.ts'
import type { Plan } from './load-run.ts'

export function showProgress(plan: Plan, started: number, state: () => { ok: number; failed: number }) {
  if (!process.stderr.isTTY) return { stop() {} }
  const width = 30
  const draw = () => {
    const { ok, failed } = state()
    const done = ok + failed
    const now = performance.now()
    const fraction = Math.min(
      1,
      plan.durationMs !== undefined
        ? Math.max(done / plan.count, (now - started) / plan.durationMs)
        : done / plan.count,
    )
    const filled = Math.round(fraction * width)
    const qps = ok / Math.max(0.001, (now - started) / 1000)
    process.stderr.write(
      `\r  ${color.cyan('█'.repeat(filled))}${color.dim('░'.repeat(width - filled))} ` +
        `${ok} ${t('ok')}  ${qps.toFixed(0)}/s` +
        (failed ? color.red(`  ${failed} ${t('errors')}`) : '') +
        '\x1b[K',
    )
  }
  const timer = setInterval(draw, 100)
  return {
    stop() {
      clearInterval(timer)
      process.stderr.write('\r\x1b[K')
    },
  }
}
