// The checklist `make check` fills in: the tutorial's steps in order, one check after another, each
// passed (✔), passed with something to learn (⚠), failed with its cause and fix (✖), or not reached
// because a check it needs did not pass. So a broken step is named once, where it is, and what
// depends on it says "not reached" instead of a second, misleading diagnosis.
import { color } from '../output/color.ts'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { type CheckStatus, printCheck } from '../output/checklist.ts'
import { StepError } from '../step/fail.ts'

export interface Check {
  /** The tutorial's step, 1 to 7. */
  step: number
  /** Stable name for --json and JUnit, e.g. `triton.metrics`. */
  id: string
  title: string
  status: CheckStatus
  message: string
  fix?: string
}

/** What a probe found: a status, what it saw, and for ⚠ and ✖ what to do. */
export type Outcome = Pick<Check, 'status' | 'message' | 'fix'>

export const passed = (message: string): Outcome => ({ status: 'ok', message })
export const teaches = (message: string, fix: string): Outcome => ({ status: 'warn', message, fix })
export const failed = (message: string, fix: string): Outcome => ({ status: 'fail', message, fix })
export const notReached = (message: string, fix?: string): Outcome => ({ status: 'skip', message, fix })

/** The tutorial's step titles, by number. */
export const STEP_TITLES: Record<number, () => string> = {
  1: () => t('Network'),
  2: () => 'Triton',
  3: () => t('Prometheus config'),
  4: () => 'Prometheus',
  5: () => 'Grafana',
  6: () => t('Grafana through its API'),
  7: () => t('Verify'),
}

export class Checklist {
  readonly checks: Check[] = []
  private shownStep = 0

  constructor(
    /** Checks of later steps are not run (`--step N`). */
    readonly upTo: number,
    private readonly show: boolean,
  ) {}

  /** Whether a check ran and passed (✔ or ⚠). */
  passed(id: string): boolean {
    const check = this.checks.find((c) => c.id === id)
    return check?.status === 'ok' || check?.status === 'warn'
  }

  /**
   * Runs `probe` as check `id` of `step`, unless a check in `needs` did not pass: then it is not
   * reached, and says which one stopped it. A probe's StepError is its ✖ with the error's fix.
   */
  async run(step: number, id: string, title: string, needs: string[], probe: () => Promise<Outcome>) {
    if (step > this.upTo) return undefined
    const need = needs.find((n) => !this.passed(n))
    const blocker = this.checks.find((c) => c.id === need)
    let outcome: Outcome
    if (need) {
      outcome = notReached(
        blocker
          ? t('not reached: "{title}" (step {step}) did not pass', { title: blocker.title, step: blocker.step })
          : t('not reached: {need} was not checked', { need }),
      )
    } else {
      try {
        outcome = await probe()
      } catch (error) {
        if (!(error instanceof StepError)) throw error
        outcome = failed(error.cause_, error.fix)
      }
    }
    const check: Check = { step, id, title, ...outcome }
    this.checks.push(check)
    if (this.show) {
      if (step !== this.shownStep) {
        this.shownStep = step
        log.raw(color.bold(`${step}. ${STEP_TITLES[step]!()}`))
      }
      printCheck(title, check.status, check.message, check.fix)
    }
    return check
  }

  /** Every check passed or only teaches something: what `make check` exits 0 on. */
  get ok(): boolean {
    return this.checks.every((c) => c.status === 'ok' || c.status === 'warn')
  }
}
