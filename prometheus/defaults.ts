// The files as committed: generated for the tutorial's container names.
import { defaults } from '../scripts/lib/config.ts'
import { renderFiles } from './config.ts'

/** Triton's metrics port inside its container; the host port is configurable, this one is not. */
export const TRITON_METRICS_CONTAINER_PORT = 8002

export function defaultFiles(): Record<string, string> {
  return renderFiles({ tritonTarget: `${defaults.TRITON_CONTAINER}:${TRITON_METRICS_CONTAINER_PORT}` })
}
