// One line of `make doctor`: what was checked, ✔ ⚠ or ✖, and the fix; printed for a person or
// kept for --json.
import { t } from '../output/i18n.ts'
import { type CheckStatus, printCheck } from '../output/checklist.ts'
import { StepError } from '../step/fail.ts'

export type Status = Exclude<CheckStatus, 'skip'>

/** Stable names for --json; the labels people read are translated. */
export type CheckId = 'engine' | 'image' | 'gpu' | 'disk' | 'port' | 'state-folder' | 'node'

export const LABEL: Record<CheckId, () => string> = {
  engine: () => t('Docker engine'),
  image: () => t('image'),
  gpu: () => 'GPU',
  disk: () => t('disk'),
  port: () => t('port'),
  'state-folder': () => t('state folder'),
  node: () => 'Node.js',
}

export interface Check {
  check: CheckId
  status: Status
  message: string
  fix?: string
  /** The setting the check is about, when there is one (TRITON_IMAGE, GRAFANA_PORT, …). */
  variable?: string
}

export const fromError = (check: CheckId, error: unknown, variable?: string): Check =>
  error instanceof StepError
    ? { check, status: 'fail', message: error.cause_, fix: error.fix, variable }
    : { check, status: 'fail', message: (error as Error).message, variable }

export function print(c: Check): void {
  printCheck(LABEL[c.check](), c.status, c.message, c.fix)
}
