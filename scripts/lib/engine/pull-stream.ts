// One pull through the Engine API (`POST /images/create`), its progress stream read line by line
// to its end, with a stall deadline: no progress for that long, and the connection is closed,
// which cancels the pull in the engine.
import { createInterface } from 'node:readline'
import { t } from '../output/i18n.ts'
import type { StepError } from '../step/fail.ts'
import { type Endpoint, engineCall, engineMessage, readBody } from './api.ts'
import { engineUnreachable, tooOldAnswer } from './api-version.ts'
import type { PullMessage, PullProgress } from './pull-progress.ts'
import type { View } from './pull-view.ts'
import type { ImageRef } from './registry.ts'

export type Outcome =
  | { kind: 'pulled' }
  | { kind: 'stalled' }
  | { kind: 'failed'; said: string }
  | { kind: 'refused'; error: StepError }
  | { kind: 'too-new'; reason: string }
  /** The engine refused the API version as too old; its oldest, as it said. */
  | { kind: 'too-old'; oldest: string }

export interface StreamOptions {
  /** The negotiated Engine API version. */
  version: string
  progress: PullProgress
  view: View
  stallTimeoutMs: number
  /** Asked after each message and each second; an error returned stops the pull with it. */
  check: () => StepError | undefined
}

/**
 * One `POST /images/create`, read to its end. Closing the connection is how a pull is stopped:
 * the engine cancels it then (api/swagger.yaml), so a stalled or refused pull leaves nothing.
 */
export function stream(
  endpoint: Exclude<Endpoint, { kind: 'cli' }>,
  ref: ImageRef,
  auth: string | undefined,
  options: StreamOptions,
): Promise<Outcome> {
  const { progress, view } = options
  // Always a tag (or digest): without one the engine pulls every tag of the repository.
  const query = new URLSearchParams({ fromImage: ref.name, tag: ref.reference })
  const call = engineCall(endpoint, {
    method: 'POST',
    path: `/images/create?${query}`,
    version: options.version,
    headers: auth ? { 'X-Registry-Auth': auth } : {},
  })
  return new Promise<Outcome>((resolve) => {
    let settled = false
    const finish = (outcome: Outcome) => {
      if (settled) return
      settled = true
      clearInterval(timer)
      // After a pull this only frees the socket; before its end it cancels the pull in the engine.
      call.request.destroy()
      resolve(outcome)
    }
    const checked = () => {
      const refused = options.check()
      if (refused) finish({ kind: 'refused', error: refused })
      return Boolean(refused)
    }
    const timer = setInterval(
      () => {
        const now = Date.now()
        if (now - progress.lastProgressAt >= options.stallTimeoutMs) finish({ kind: 'stalled' })
        else if (!checked()) view.update(now)
      },
      Math.min(1000, options.stallTimeoutMs / 2),
    )
    call.response.then(
      async (response) => {
        try {
          if (response.statusCode !== 200) {
            const said = engineMessage(await readBody(response))
            const oldest = response.statusCode === 400 ? tooOldAnswer(said) : undefined
            if (oldest) finish({ kind: 'too-old', oldest })
            else if (response.statusCode === 400 && /too new/i.test(said)) {
              const reason = t("API {version}, newer than the engine's", { version: options.version })
              finish({ kind: 'too-new', reason })
            } else finish({ kind: 'failed', said })
            return
          }
          for await (const line of createInterface({ input: response, crlfDelay: Number.POSITIVE_INFINITY })) {
            if (settled) return
            if (!line.trim()) continue
            let message: PullMessage
            try {
              message = JSON.parse(line) as PullMessage
            } catch {
              continue
            }
            const now = Date.now()
            progress.apply(message, now)
            // An error line after the 200: the pull failed all the same.
            if (progress.error) return finish({ kind: 'failed', said: progress.error.message })
            if (checked()) return
            view.update(now)
          }
          const early = t('the engine closed the stream before the pull ended')
          finish(progress.finished ? { kind: 'pulled' } : { kind: 'failed', said: early })
        } catch (error) {
          finish({ kind: 'failed', said: (error as Error).message })
        }
      },
      (error: NodeJS.ErrnoException) => {
        finish({ kind: 'refused', error: engineUnreachable(endpoint.address, error.code ?? error.message) })
      },
    )
  })
}
