// Why a pull failed, in words a person can act on: the engine's message read as a registry that
// refused, lacks the image, has no build for this platform, or cannot be reached, each with its
// fix; and a pull that stalled. `make doctor` words the registry's answers with the same fixes.
import { t } from '../output/i18n.ts'
import { fail, type StepError } from '../step/fail.ts'
import { freeUpFix } from './disk.ts'
import { type PullProgress, progressSummary } from './pull-progress.ts'
import { type ImageRef, type Lookup, parseImageRef } from './registry.ts'

/** What to do about a registry that is unreachable or slow from here. */
export function mirrorFix(ref: ImageRef, variable = t('the image variable')): string {
  if (ref.registry === 'docker.io') {
    return t(
      'set a Docker Hub mirror in /etc/docker/daemon.json ("registry-mirrors": ' +
        '["https://<mirror>"], then restart dockerd), or point {variable} at a ' +
        'registry that has the image; see "Slow or blocked registries" in docs/first-run.md',
      { variable },
    )
  }
  return t(
    'point {variable} at a mirror that has this image ' +
      '({variable}=<mirror>/{repository}:{reference}); Docker\'s "registry-mirrors" ' +
      'serves Docker Hub images only, not {registry}; see "Slow or blocked ' +
      'registries" in docs/first-run.md',
    { variable, repository: ref.repository, reference: ref.reference, registry: ref.registry },
  )
}

/** What a registry can say about an image, as the pull and `make doctor` meet it. */
export type RegistryTrouble = 'denied' | 'wrong-login' | 'not-found' | 'no-platform' | 'unreachable'

/** The fix for each kind of registry trouble: one wording for the pull's failure and the doctor's. */
export function registryFix(trouble: RegistryTrouble, ref: ImageRef, variable: string): string {
  const login = `\`docker login ${ref.registry === 'docker.io' ? '' : ref.registry}\``
  switch (trouble) {
    case 'denied':
      return t('log in first ({login}), check the name, or point {variable} at an image you can pull', {
        login,
        variable,
      })
    case 'wrong-login':
      return t(
        'log in again with the right password ({login}; the pull and `make doctor` use ' +
          'that login), or point {variable} at an image you can pull',
        { login, variable },
      )
    case 'not-found':
      return t(
        'check the name and tag, or point {variable} at an image this machine has ' +
          '(`docker images`; for local test images: eval "$(make -s images)")',
        { variable },
      )
    case 'no-platform':
      return t("point {variable} at an image built for this machine's architecture", { variable })
    case 'unreachable':
      return mirrorFix(ref, variable)
  }
}

/** The engine's reason a pull failed, as a cause and a fix. */
export function pullFailed(
  image: string,
  said: string,
  context: {
    variable?: string
    dataRoot?: string
    /** Who the pull logged in as (`docker login`), when it sent credentials. */
    login?: string
  } = {},
): StepError {
  const ref = parseImageRef(image)
  const name = context.variable ?? t('the image variable')
  const cause = (why: string) =>
    t('image {image} is not on this machine and could not be pulled: {why} (docker: {said})', { image, why, said })
  if (/no space left on device/i.test(said)) {
    return fail(cause(t('the disk is full')), freeUpFix(context.dataRoot ?? '/var/lib/docker'))
  }
  const { login } = context
  const troubles: [RegExp, RegistryTrouble, string][] = [
    [/no matching manifest/i, 'no-platform', t("it has no build for this engine's platform")],
    ...(login
      ? ([
          [
            /unauthorized|authentication required|no basic auth credentials/i,
            'wrong-login',
            t('the registry refused the stored login of {login} (a wrong or expired password)', { login }),
          ],
        ] as [RegExp, RegistryTrouble, string][])
      : []),
    [
      /unauthorized|authentication required|no basic auth credentials|denied|forbidden/i,
      'denied',
      t('the registry refused access'),
    ],
    [
      /manifest unknown|not found|does not exist|no such image/i,
      'not-found',
      t('{registry} has no such image or tag', { registry: ref.registry }),
    ],
    [
      /dial tcp|no such host|connection refused|timeout|timed out|connection reset|EOF|unreachable|TLS/i,
      'unreachable',
      t('its registry {registry} cannot be reached', { registry: ref.registry }),
    ],
  ]
  const trouble = troubles.find(([pattern]) => pattern.test(said))
  if (trouble) return fail(cause(trouble[2]), registryFix(trouble[1], ref, name))
  return fail(
    cause(t('the engine reported an error')),
    t("read Docker's message; `make doctor` checks the engine, the registries and the disk"),
  )
}

export function stalled(
  image: string,
  progress: PullProgress,
  seconds: number,
  variable?: string,
  lookup?: Lookup,
): StepError {
  const ref = parseImageRef(image)
  const direct =
    lookup?.kind === 'unreachable'
      ? t('; a direct request from here got no answer either ({detail})', { detail: lookup.detail })
      : ''
  const where = progress.started
    ? t('stopped at {progressSummary}', { progressSummary: progressSummary(progress) })
    : t('before the registry sent anything')
  return fail(
    t(
      'the pull of {image} made no progress for {seconds} s ({where}): its registry ' +
        '{registry} is unreachable or too slow from here{direct}; the pull was stopped',
      { image, seconds, where, registry: ref.registry, direct },
    ),
    t(
      '{mirrorFix}. Layers already complete are kept, so a re-run goes on from them; ' +
        'to wait longer, pass --pull-stall-timeout <seconds> or set ' +
        'PULL_STALL_TIMEOUT; `make doctor` checks each registry',
      { mirrorFix: mirrorFix(ref, variable) },
    ),
  )
}
