// What a pull may be told: how long it may go without progress (a flag, an environment variable
// or the default), and what the step knows of the engine and the image's setting.
import { t } from '../output/i18n.ts'
import type { FlagSpec } from '../step/cli.ts'
import { fail } from '../step/fail.ts'
import type { EngineInfo } from './api.ts'

export const DEFAULT_STALL_SECONDS = 120

/** The flag of every step that may pull an image. */
export const pullFlags = {
  'pull-stall-timeout': {
    type: 'number',
    min: 1,
    help: t(
      'seconds an image pull may go without progress before it is stopped (default ' +
        '{DEFAULT_STALL_SECONDS}, or PULL_STALL_TIMEOUT)',
      { DEFAULT_STALL_SECONDS },
    ),
  },
} satisfies Record<string, FlagSpec>

export const pullEnv = {
  PULL_STALL_TIMEOUT: t('seconds an image pull may go without progress ({DEFAULT_STALL_SECONDS})', {
    DEFAULT_STALL_SECONDS,
  }),
}

export interface PullSettings {
  stallTimeoutMs: number
}

/** The stall deadline: the flag when given, else PULL_STALL_TIMEOUT, else the default. */
export function pullSettings(flag?: number, env: NodeJS.ProcessEnv = process.env): PullSettings {
  if (flag !== undefined) return { stallTimeoutMs: flag * 1000 }
  const raw = env.PULL_STALL_TIMEOUT?.trim()
  if (!raw) return { stallTimeoutMs: DEFAULT_STALL_SECONDS * 1000 }
  const seconds = Number(raw)
  if (!Number.isFinite(seconds) || seconds < 1) {
    throw fail(
      t('PULL_STALL_TIMEOUT="{raw}" is not a number of seconds', { raw }),
      t('set it to 1 or more, or unset it for {DEFAULT_STALL_SECONDS}', { DEFAULT_STALL_SECONDS }),
      2,
    )
  }
  return { stallTimeoutMs: seconds * 1000 }
}

export interface PullRequest extends PullSettings {
  /** The engine's `/info`: platform, mirrors, data root. */
  info: EngineInfo
  /** The setting that picks this image, named in fixes (e.g. TRITON_IMAGE). */
  imageVariable?: string
}
