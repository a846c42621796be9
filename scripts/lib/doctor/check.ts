// One line of `make doctor`: what was checked, ✔ ⚠ or ✖, and the fix; printed for a person or
// kept for --json.
import { tr } from '../output/i18n.ts'
import { type CheckStatus, printCheck } from '../output/checklist.ts'
import { StepError } from '../step/fail.ts'

export type Status = Exclude<CheckStatus, 'skip'>

/** Stable names for --json; the labels people read are translated. */
export type CheckId = 'engine' | 'image' | 'gpu' | 'disk' | 'port' | 'state-folder' | 'node'

export const LABEL: Record<CheckId, () => string> = {
  engine: () => tr('Docker engine', 'Docker 引擎'),
  image: () => tr('image', '镜像'),
  gpu: () => 'GPU',
  disk: () => tr('disk', '磁盘'),
  port: () => tr('port', '端口'),
  'state-folder': () => tr('state folder', '状态目录'),
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
