// Every failure a person can meet says its cause and its fix, then the step exits non-zero.
import { log } from '../output/log.ts'
import { t } from '../output/i18n.ts'

export class StepError extends Error {
  constructor(
    readonly cause_: string,
    readonly fix: string,
    readonly exitCode = 1,
  ) {
    super(cause_)
    this.name = 'StepError'
  }
}

/** Shorthand: `throw fail('port 8000 is taken', 'free it or set TRITON_HTTP_PORT')`. */
export function fail(cause: string, fix: string, exitCode = 1): StepError {
  return new StepError(cause, fix, exitCode)
}

/** Runs a step's body and turns any error into a cause/fix message and an exit code. */
export async function runStep(body: () => Promise<void>): Promise<void> {
  try {
    await body()
  } catch (error) {
    if (error instanceof StepError) {
      log.error(error.cause_, error.fix)
      process.exitCode = error.exitCode
    } else {
      log.error(
        error instanceof Error ? error.message : String(error),
        t('this is a bug in triton-monitoring: please report it with the output above'),
      )
      if (process.env.DEBUG && error instanceof Error) log.raw(error.stack ?? '')
      process.exitCode = 70
    }
  }
}
