// The files as committed: generated for the tutorial's container names.
import { defaults } from '../scripts/lib/config.ts'
import { tritonTarget } from '../scripts/lib/triton.ts'
import { renderFiles } from './config.ts'

export function defaultFiles(): Record<string, string> {
  return renderFiles({ tritonTarget: tritonTarget(defaults.TRITON_CONTAINER) })
}
