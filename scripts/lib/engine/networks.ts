// The network the containers meet on and the named volumes that keep data: created once, kept,
// and removed only when ours.
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { fail } from '../step/fail.ts'
import { docker, inspect, runDocker } from './cli.ts'
import { explainDockerError } from './errors.ts'
import { MANAGED_LABEL } from './spec.ts'
export async function ensureNetwork(name: string): Promise<'created' | 'kept'> {
  if (await inspect('network', name)) {
    log.ok(t('network {name} exists, kept', { name }))
    return 'kept'
  }
  const out = await runDocker(['network', 'create', '--label', `${MANAGED_LABEL}=true`, name])
  // Another run created it between our look and our create: the outcome we wanted.
  if (out.exitCode !== 0 && !/already exists/i.test(out.stderr)) throw explainDockerError(out.stderr)
  log.change(t('network {name} created', { name }))
  return 'created'
}

export async function ensureVolume(name: string): Promise<'created' | 'kept'> {
  if (await inspect('volume', name)) {
    log.ok(t('volume {name} exists, kept', { name }))
    return 'kept'
  }
  await docker(['volume', 'create', '--label', `${MANAGED_LABEL}=true`, name])
  log.change(t('volume {name} created', { name }))
  return 'created'
}

export async function removeNetwork(name: string): Promise<'removed' | 'absent'> {
  if (!(await inspect('network', name))) return 'absent'
  const out = await runDocker(['network', 'rm', name])
  if (out.exitCode !== 0) {
    if (/active endpoints/i.test(out.stderr)) {
      throw fail(
        t('network {name} is still used by other containers', { name }),
        t('see them with `docker network inspect {name}` and stop them first', { name }),
      )
    }
    throw explainDockerError(out.stderr)
  }
  log.change(t('network {name} removed', { name }))
  return 'removed'
}

export async function removeVolume(name: string): Promise<'removed' | 'absent'> {
  if (!(await inspect('volume', name))) return 'absent'
  await docker(['volume', 'rm', name])
  log.change(t('volume {name} removed', { name }))
  return 'removed'
}
