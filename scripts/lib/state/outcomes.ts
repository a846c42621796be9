// What each step did last, kept in the state folder (`steps/<name>.json`) by the common step
// runner (cli.ts) so that `make report` can show the run: one small file per step, masked and free
// of secrets, replaced whole on every run. One file per step, not one shared list: steps may run
// at once, and a read-modify-write of one file would lose one of them.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { maskSecrets } from '../output/mask.ts'
import { readStateFile, stateDir, writeStateFile } from './secrets.ts'

const FOLDER = 'steps'

export interface StepOutcome {
  /** Script name as a user types it, e.g. `08-load`. */
  step: string
  summary: string
  /** The manual command of the tutorial the step replaces, masked. */
  replaces?: string
  /** ISO 8601 times. `finished` is absent while the step runs, or when it was killed. */
  started: string
  finished?: string
  status: 'running' | 'ok' | 'failed'
  exitCode?: number
  /** Why it failed and what to do, as the step printed them (masked). */
  cause?: string
  fix?: string
}

/**
 * Best effort: a step's record must never change its own result. A state folder the step cannot
 * use is reported by the steps that need it (token, password); 01-network must not fail on it.
 */
export function recordOutcome(outcome: StepOutcome): void {
  const masked = Object.fromEntries(
    Object.entries(outcome).map(([key, value]) => [key, typeof value === 'string' ? maskSecrets(value) : value]),
  )
  try {
    writeStateFile(join(FOLDER, `${outcome.step}.json`), `${JSON.stringify(masked, null, 2)}\n`)
  } catch {
    /* see above: recording is never the step's failure */
  }
}

const isOutcome = (value: unknown): value is StepOutcome => {
  const o = value as Partial<StepOutcome> | null
  return typeof o?.step === 'string' && typeof o.started === 'string' && typeof o.status === 'string'
}

/** Every recorded outcome, by step name (01-network … 09-verify, then the others); unreadable files are skipped. */
export function readOutcomes(): StepOutcome[] {
  let names: string[]
  try {
    names = readdirSync(join(stateDir(), FOLDER)).filter((name) => /^[\w.-]+\.json$/.test(name))
  } catch {
    return []
  }
  const outcomes: StepOutcome[] = []
  for (const name of names) {
    try {
      const value: unknown = JSON.parse(readStateFile(join(FOLDER, name)) ?? 'null')
      if (isOutcome(value)) outcomes.push(value)
    } catch {
      /* a file cut short by a full disk, or edited by hand: that step shows as not run */
    }
  }
  return outcomes.sort((a, b) => a.step.localeCompare(b.step))
}
