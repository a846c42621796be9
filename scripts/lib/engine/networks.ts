// The network the containers meet on and the named volumes that keep data: created once, kept,
// and removed only when ours.
import { tr } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { fail } from '../step/fail.ts'
import { docker, inspect, runDocker } from './cli.ts'
import { explainDockerError } from './errors.ts'
import { MANAGED_LABEL } from './spec.ts'
export async function ensureNetwork(name: string): Promise<'created' | 'kept'> {
  if (await inspect('network', name)) {
    log.ok(tr(`network ${name} exists, kept`, `网络 ${name} 已存在，保留`))
    return 'kept'
  }
  const out = await runDocker(['network', 'create', '--label', `${MANAGED_LABEL}=true`, name])
  // Another run created it between our look and our create: the outcome we wanted.
  if (out.exitCode !== 0 && !/already exists/i.test(out.stderr)) throw explainDockerError(out.stderr)
  log.change(tr(`network ${name} created`, `已创建网络 ${name}`))
  return 'created'
}

export async function ensureVolume(name: string): Promise<'created' | 'kept'> {
  if (await inspect('volume', name)) {
    log.ok(tr(`volume ${name} exists, kept`, `数据卷 ${name} 已存在，保留`))
    return 'kept'
  }
  await docker(['volume', 'create', '--label', `${MANAGED_LABEL}=true`, name])
  log.change(tr(`volume ${name} created`, `已创建数据卷 ${name}`))
  return 'created'
}

export async function removeNetwork(name: string): Promise<'removed' | 'absent'> {
  if (!(await inspect('network', name))) return 'absent'
  const out = await runDocker(['network', 'rm', name])
  if (out.exitCode !== 0) {
    if (/active endpoints/i.test(out.stderr)) {
      throw fail(
        tr(`network ${name} is still used by other containers`, `网络 ${name} 仍被其他容器使用`),
        tr(
          `see them with \`docker network inspect ${name}\` and stop them first`,
          `用 \`docker network inspect ${name}\` 查看并先停止它们`,
        ),
      )
    }
    throw explainDockerError(out.stderr)
  }
  log.change(tr(`network ${name} removed`, `已删除网络 ${name}`))
  return 'removed'
}

export async function removeVolume(name: string): Promise<'removed' | 'absent'> {
  if (!(await inspect('volume', name))) return 'absent'
  await docker(['volume', 'rm', name])
  log.change(tr(`volume ${name} removed`, `已删除数据卷 ${name}`))
  return 'removed'
}
