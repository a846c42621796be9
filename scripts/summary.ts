// The end of `make all`: its steps ran at once where they could, each printed as one block when
// it ended, so this lists them again in the tutorial's order, each with its result and time, from
// the outcomes the steps recorded (state/outcomes.ts). Steps not run since this make began
// (TM_RUN, its start in ns) show as not run.
import chalk from 'chalk'
import { step } from './lib/step/cli.ts'
import { tr } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { formatTable } from './lib/output/table.ts'
import { readOutcomes, type StepOutcome } from './lib/state/outcomes.ts'

/** The steps of `make all`, in the tutorial's order (their names sort in it). */
const STACK_STEP = /^\d\d-/

await step(
  {
    name: 'summary',
    record: false,
    summary: tr('Summary: each step of the run, its result and time', '汇总：本次运行的每个步骤、结果与用时'),
    env: { TM_RUN: tr('start of the make run in ns (set by make)', 'make 运行的开始时间，纳秒（由 make 设置）') },
    flags: {},
  },
  async () => {
    const runStartMs = Number(process.env.TM_RUN ?? '') / 1e6
    const since = Number.isFinite(runStartMs) ? runStartMs : 0
    const outcomes = readOutcomes().filter((o) => STACK_STEP.test(o.step))
    const rows = outcomes.map((o) => row(o, Date.parse(o.started) >= since))
    log.raw(formatTable([[tr('STEP', '步骤'), tr('RESULT', '结果'), tr('TIME', '用时'), ''], ...rows], (c) => c === 2))
    if (since > 0) {
      const wall = ((Date.now() - since) / 1000).toFixed(1)
      log.ok(tr(`done in ${wall} s (steps ran at once where they could)`, `用时 ${wall} 秒（可并行的步骤同时运行）`))
    }
  },
)

function row(o: StepOutcome, thisRun: boolean): string[] {
  if (!thisRun) return [o.step, chalk.dim(tr('not run', '未运行')), '', chalk.dim(o.summary)]
  const seconds = o.finished ? `${((Date.parse(o.finished) - Date.parse(o.started)) / 1000).toFixed(1)} s` : '—'
  const result =
    o.status === 'ok'
      ? chalk.green(tr('ok', '成功'))
      : o.status === 'failed'
        ? chalk.red(tr('failed', '失败'))
        : chalk.yellow(tr('unfinished', '未完成'))
  return [o.step, result, seconds, chalk.dim(o.summary)]
}
