// The end of `make all`: its steps ran at once where they could, each printed as one block when
// it ended, so this lists them again in the tutorial's order, each with its result and time, from
// the outcomes the steps recorded (state/outcomes.ts). Steps not run since this make began
// (TM_RUN, its start in ns) show as not run.
import { color } from './lib/output/color.ts'
import { step } from './lib/step/cli.ts'
import { t } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { formatTable } from './lib/output/table.ts'
import { readOutcomes, type StepOutcome } from './lib/state/outcomes.ts'

/** The steps of `make all`, in the tutorial's order (their names sort in it). */
const STACK_STEP = /^\d\d-/

await step(
  {
    name: 'summary',
    record: false,
    summary: t('Summary: each step of the run, its result and time'),
    env: { TM_RUN: t('start of the make run in ns (set by make)') },
    flags: {},
  },
  async () => {
    const runStartMs = Number(process.env.TM_RUN ?? '') / 1e6
    const since = Number.isFinite(runStartMs) ? runStartMs : 0
    const outcomes = readOutcomes().filter((o) => STACK_STEP.test(o.step))
    const rows = outcomes.map((o) => row(o, Date.parse(o.started) >= since))
    log.raw(formatTable([[t('STEP'), t('RESULT'), t('TIME'), ''], ...rows], (c) => c === 2))
    if (since > 0) {
      const wall = ((Date.now() - since) / 1000).toFixed(1)
      log.ok(t('done in {wall} s (steps ran at once where they could)', { wall }))
    }
  },
)

function row(o: StepOutcome, thisRun: boolean): string[] {
  if (!thisRun) return [o.step, color.dim(t('not run')), '', color.dim(o.summary)]
  const seconds = o.finished ? `${((Date.parse(o.finished) - Date.parse(o.started)) / 1000).toFixed(1)} s` : '—'
  const result =
    o.status === 'ok'
      ? color.green(t('ok'))
      : o.status === 'failed'
        ? color.red(t('failed'))
        : color.yellow(t('unfinished'))
  return [o.step, result, seconds, color.dim(o.summary)]
}
