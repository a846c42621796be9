// Create-or-keep-or-recreate, like Terraform: a container remembers the configuration it was made
// from (spec.ts), so a re-run keeps what already matches and recreates, saying why, what does not;
// a recreate that fails gives the old container back, and nothing half-created is left behind.
import { existsSync } from 'node:fs'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { fail, StepError } from '../step/fail.ts'
import { apiContainersLabelled } from './api-read.ts'
import { type ContainerInfo, docker, ENGINE_TIMEOUT_MS, inspectContainer, runDocker } from './cli.ts'
import { explainDockerError, type FailureContext, foreignName, NAME_IN_USE } from './errors.ts'
import { PROBE_LABEL, probeName } from './gpu.ts'
import { changedPartsText } from './config-parts.ts'
import { ensureImage } from './images.ts'
import { assertPortsFree } from './ports.ts'
import { secretsTar } from './secret-files.ts'
import {
  CONFIG_LABEL,
  type ContainerSpec,
  changedParts,
  configHash,
  createArgs,
  desiredConfig,
  HASH_LABEL,
  managed,
  remadeSources,
} from './spec.ts'
export type ContainerAction = 'created' | 'kept' | 'started' | 'recreated'

export interface EnsureResult {
  id: string
  action: ContainerAction
}

/** Starts a container we own; if it cannot start, removes it so no half-made container remains. */
async function startOrRemove(spec: ContainerSpec, id: string): Promise<void> {
  const out = await runDocker(['start', id], { env: spec.env })
  if (out.exitCode === 0) return
  await runDocker(['rm', '--force', '--volumes', id])
  throw explainDockerError(out.stderr, {
    container: spec.name,
    image: spec.image,
    ports: spec.ports,
    hints: spec.hints,
  })
}

export interface EnsureOptions {
  /**
   * Resolves once the container serves (a readiness wait), throws when it never will. Awaited on
   * every path; on a recreate, before the old container is removed, so a replacement that starts
   * but never becomes ready (a model that fails to load) gives the old container back.
   */
  ready?: () => Promise<void>
}

/**
 * Creates the container, keeps it when it already matches `spec` (starting it if stopped), or
 * recreates it when its configuration or its image changed. A container of that name that
 * triton-monitoring did not create is never touched.
 */
export async function ensureContainer(spec: ContainerSpec, options: EnsureOptions = {}): Promise<EnsureResult> {
  for (const m of spec.mounts ?? []) {
    if (m.type === 'bind' && !existsSync(m.source)) {
      throw fail(
        t('{source} does not exist, so it cannot be mounted at {target} in {name}', {
          source: m.source,
          target: m.target,
          name: spec.name,
        }),
        t('run the step from the project folder, or create that folder first'),
      )
    }
  }
  const imageId = await ensureImage(spec.image, spec.hints)
  const existing = await unparked(spec, await inspectContainer(spec.name))
  const context = { container: spec.name, image: spec.image, ports: spec.ports, hints: spec.hints }
  if (!existing) {
    await assertPortsFree(spec)
    const id = await create(spec, context)
    await startOrRemove(spec, id)
    log.change(t('container {name} created and started', { name: spec.name }))
    await options.ready?.()
    return { id, action: 'created' }
  }
  const labels = existing.Config.Labels ?? {}
  if (!managed(labels)) throw foreignName(spec.name, spec.hints)
  const changed = labels[HASH_LABEL] === configHash(spec) ? [] : changedParts(labels[CONFIG_LABEL], desiredConfig(spec))
  if (existing.Image !== imageId) changed.push(t('image content'))
  const remade = remadeSources(spec, labels)
  if (changed.length === 0 && remade.length === 0) {
    const state = existing.State.Status
    if (existing.State.Running && state !== 'paused') {
      log.ok(t('container {name} already runs with this configuration, kept', { name: spec.name }))
      await options.ready?.()
      return { id: existing.Id, action: 'kept' }
    }
    if (state === 'paused') await docker(['unpause', existing.Id], { context })
    else await startOrRemove(spec, existing.Id)
    log.change(
      t('container {name} had the same configuration but was {state}: started, kept', { name: spec.name, state }),
    )
    await options.ready?.()
    return { id: existing.Id, action: 'started' }
  }
  await assertPortsFree(spec, existing)
  const folders = remade.join(', ')
  log.change(
    changed.length > 0
      ? t('container {name} has a different configuration ({changedPartsText}): recreating it', {
          name: spec.name,
          changedPartsText: changedPartsText(changed),
        })
      : t('{folders} was deleted and made again: {name} restarts on the new folder, its data volumes kept', {
          folders,
          name: spec.name,
        }),
  )
  const id = await replace(spec, existing, context, options.ready)
  log.change(t('container {name} recreated and started', { name: spec.name }))
  return { id, action: 'recreated' }
}

/** `docker create`, then the secret files copied in; a container that cannot get them is removed. */
async function create(spec: ContainerSpec, context: FailureContext): Promise<string> {
  const out = await runDocker(createArgs(spec), { env: spec.env })
  if (out.exitCode !== 0) throw explainDockerError(out.stderr, context)
  const id = out.stdout.trim()
  if (spec.secrets?.length) {
    const copied = await runDocker(['cp', '-', `${id}:/`], { input: secretsTar(spec.secrets) })
    if (copied.exitCode !== 0) {
      await runDocker(['rm', '--force', '--volumes', id])
      throw explainDockerError(copied.stderr, context)
    }
  }
  return id
}

/** Where the old container waits while its replacement starts (see `replace`). */
const parkedName = (name: string) => `${name}-previous`
/** The engine's answer to a rename to the name a container already has. */
const ALREADY_NAMED = /same name as its current name/

/**
 * Replaces `old` without ever leaving less than before: the old container steps aside under
 * another name, the new one is created under the real name, and only when it has started (and is
 * `ready`, when the caller says how to tell) is the old one removed. If the new one cannot be
 * created, started or made ready, it is removed and the old one gets its name back and runs again
 * if it ran (stopped only to free its ports), so a failed recreate leaves the stack as it was.
 */
async function replace(
  spec: ContainerSpec,
  old: ContainerInfo,
  context: FailureContext,
  ready?: () => Promise<void>,
): Promise<string> {
  const parked = await runDocker(['rename', old.Id, parkedName(spec.name)])
  // Already parked: a run stopped a moment ago (Ctrl-C) had sent this rename, and the engine
  // carried it out after that run was gone and after this one had looked.
  if (parked.exitCode !== 0 && !ALREADY_NAMED.test(parked.stderr)) throw explainDockerError(parked.stderr, context)
  let id: string | undefined
  try {
    id = await create(spec, context)
    // Frees the ports the new container publishes too; gracefully, as Grafana writes its database.
    if (old.State.Running) await docker(['stop', old.Id], { context })
    const started = await runDocker(['start', id])
    if (started.exitCode !== 0) throw explainDockerError(started.stderr, context)
    await ready?.()
  } catch (error) {
    if (id) await runDocker(['rm', '--force', '--volumes', id])
    const renamed = await runDocker(['rename', old.Id, spec.name])
    const back = renamed.exitCode === 0 && (!old.State.Running || (await runDocker(['start', old.Id])).exitCode === 0)
    if (!(error instanceof StepError)) throw error
    const note = back
      ? t('; the previous container {name} was kept', { name: spec.name })
      : t('; the previous container could not be restored (`docker start {id}`)', { id: old.Id.slice(0, 12) })
    // After the first line: a readiness failure carries the new container's log lines below it.
    const [first, ...rest] = error.cause_.split('\n')
    throw new StepError([first + note, ...rest].join('\n'), error.fix, error.exitCode)
  }
  // --volumes: the anonymous volumes of the image's VOLUMEs (prom/prometheus's /prometheus) are
  // never reused by the new container, so they would only pile up; named volumes stay.
  await docker(['rm', '--force', '--volumes', old.Id], { context })
  return id
}

/**
 * A run stopped in the middle of `replace` leaves the old container parked: it is the container
 * again when nothing took its name, and a leftover otherwise.
 */
async function unparked(spec: ContainerSpec, existing: ContainerInfo | undefined): Promise<ContainerInfo | undefined> {
  const name = parkedName(spec.name)
  const parked = await inspectContainer(name)
  if (!parked) return existing
  if (!managed(parked.Config.Labels)) throw foreignName(name, spec.hints)
  if (existing) {
    await docker(['rm', '--force', '--volumes', parked.Id], { context: { container: name } })
    log.change(t('container {name}, left by an interrupted run, removed', { name }))
    return existing
  }
  const renamed = await runDocker(['rename', parked.Id, spec.name])
  if (renamed.exitCode !== 0) {
    // The name was taken since we looked: a `docker create` the interrupted run had sent, carried
    // out by the engine after that run was gone. Then there is a container under the name again.
    const taken = NAME_IN_USE.test(renamed.stderr) ? await inspectContainer(spec.name) : undefined
    if (taken) return unparked(spec, taken)
    throw explainDockerError(renamed.stderr, { container: name })
  }
  log.change(t('container {name}, left by an interrupted run, is {name2} again', { name, name2: spec.name }))
  return inspectContainer(spec.name)
}

/**
 * Removes a container triton-monitoring created. A foreign container of that name is left alone
 * (with a warning); a missing one is fine.
 */
export async function removeContainer(name: string): Promise<'removed' | 'absent' | 'foreign'> {
  const existing = await inspectContainer(name)
  if (!existing) return 'absent'
  if (!managed(existing.Config.Labels)) {
    log.warn(
      t('container {name} was not created by triton-monitoring: left alone ' + '(`docker rm -f {name}` removes it)', {
        name,
      }),
    )
    return 'foreign'
  }
  await docker(['rm', '--force', '--volumes', existing.Id], { context: { container: name } })
  log.change(t('container {name} removed', { name }))
  return 'removed'
}

/**
 * Removes what a run killed at the wrong moment can leave beside `name`: its parked predecessor
 * (see `replace`) and its GPU probe, each only when it is ours. The next run of the step cleans
 * them up as well; `make down` calls this so that nothing is left.
 */
export async function removeLeftovers(name: string): Promise<void> {
  const ours: [string, (labels: Record<string, string> | null) => boolean][] = [
    [parkedName(name), managed],
    [probeName(name), (labels) => labels?.[PROBE_LABEL] === 'true'],
  ]
  for (const [leftover, isOurs] of ours) {
    const found = await inspectContainer(leftover)
    if (!found || !isOurs(found.Config.Labels)) continue
    await docker(['rm', '--force', '--volumes', found.Id], { context: { container: leftover } })
    log.change(t('container {leftover}, left by an interrupted run, removed', { leftover }))
  }
}

/** Names of the containers (running or not) that carry `label=value`, whoever created them. */
export async function containersLabelled(label: string, value: string): Promise<string[]> {
  const asked = await apiContainersLabelled(label, value, ENGINE_TIMEOUT_MS)
  if (asked) return asked
  const out = await docker(['ps', '--all', '--filter', `label=${label}=${value}`, '--format', '{{.Names}}'])
  return out.split('\n').filter(Boolean).sort()
}
