// What a container of the stack is, as data: the spec a step declares (image, network, ports,
// mounts, args, like a compose service), the labels that mark it as ours, and the recorded
// configuration whose hash decides "same container" on a re-run (Terraform's plan, in one label).
import { statSync } from 'node:fs'
import type { SecretFile } from './secret-files.ts'
import { crypto } from '../step/builtins.ts'
/** Marks what triton-monitoring created; anything without it is someone else's and is left alone. */
export const MANAGED_LABEL = 'io.triton-monitoring.managed'
export const HASH_LABEL = 'io.triton-monitoring.config-hash'
export const CONFIG_LABEL = 'io.triton-monitoring.config'
/**
 * The identity (device and inode) of each bind-mounted folder when the container was made. A folder
 * deleted and made again at the same path (`rm -rf .state`, `git clean`) is another directory: the
 * container still sees the deleted one, so the same path no longer means the same mount. Outside
 * the hash, so recording it recreates nothing that already runs.
 */
export const MOUNT_IDS_LABEL = 'io.triton-monitoring.mount-ids'
/** Bump when the way containers are created changes, so old ones are recreated. */
const SPEC_VERSION = 1

export interface PortSpec {
  /** Host address the port is published on, e.g. 127.0.0.1. */
  address: string
  host: number
  container: number
  /** The environment variable that picks this host port, named in the "port taken" fix. */
  variable?: string
}

export type MountSpec =
  | { type: 'bind'; source: string; target: string; readOnly?: boolean }
  | { type: 'volume'; source: string; target: string; readOnly?: boolean }

export interface ContainerSpec {
  name: string
  image: string
  network?: string
  /** More names the container answers to on `network` (DNS round robin when several share one). */
  aliases?: string[]
  /** Replaces the image's entrypoint. */
  entrypoint?: string
  /** Command (or arguments to the entrypoint) after the image. */
  args?: string[]
  /**
   * Environment of the container. Only the NAMES reach docker's argv (`-e NAME`); the values
   * travel in the docker client's own environment, so `ps` and shell history never show them.
   * Only the names count for "same configuration": a value change alone does not recreate.
   */
  env?: Record<string, string>
  mounts?: MountSpec[]
  /**
   * Files copied into the container between create and start, owned by the image's user (see
   * secret-files.ts): how a secret reaches a container without showing in `docker inspect`. Like
   * env values, only their paths and owners count for "same configuration".
   */
  secrets?: SecretFile[]
  ports?: PortSpec[]
  labels?: Record<string, string>
  gpus?: boolean
  /** Supplementary groups of the container's user (`--group-add`), e.g. the gid owning a mounted socket. */
  groups?: string[]
  restart?: 'no' | 'unless-stopped'
  /**
   * `uid:gid` the container runs as instead of its image's USER: pins the user its `secrets` are
   * made for, whatever the image's passwd says its user's number is.
   */
  user?: string
  /** Variables named in fixes: which setting picks this container's name and image. */
  hints?: { nameVariable?: string; imageVariable?: string }
}

/**
 * Ours only if created by ensureContainer: a container also inherits its image's labels, so the
 * managed label alone could come from an image.
 */
export function managed(labels: Record<string, string> | null): boolean {
  return labels?.[MANAGED_LABEL] === 'true' && Boolean(labels[HASH_LABEL])
}

/** The parts of a spec that decide "same container"; env values are deliberately left out. */
export function desiredConfig(spec: ContainerSpec) {
  return {
    version: SPEC_VERSION,
    image: spec.image,
    entrypoint: spec.entrypoint ?? null,
    args: spec.args ?? [],
    env: Object.keys(spec.env ?? {}).sort(),
    mounts: spec.mounts ?? [],
    // Only when there are some, so containers made before secrets existed keep their hash.
    ...(spec.secrets?.length ? { secrets: spec.secrets.map(({ path, uid, gid }) => ({ path, uid, gid })) } : {}),
    ports: (spec.ports ?? []).map(({ address, host, container }) => ({ address, host, container })),
    network: spec.network ?? null,
    labels: spec.labels ?? {},
    gpus: spec.gpus ?? false,
    restart: spec.restart ?? 'no',
    // Only when set: a new key in every container's record would recreate them all.
    ...(spec.user ? { user: spec.user } : {}),
    ...(spec.aliases?.length ? { aliases: spec.aliases } : {}),
    ...(spec.groups?.length ? { groups: spec.groups } : {}),
  }
}

export function configHash(spec: ContainerSpec): string {
  return crypto()
    .createHash('sha256')
    .update(JSON.stringify(desiredConfig(spec)))
    .digest('hex')
    .slice(0, 16)
}

/** Which parts differ between a container's recorded configuration and the wanted one. */
export function changedParts(recorded: string | undefined, wanted: ReturnType<typeof desiredConfig>): string[] {
  let old: Record<string, unknown> = {}
  try {
    old = recorded ? (JSON.parse(recorded) as Record<string, unknown>) : {}
  } catch {
    // An unreadable record counts as "everything changed".
  }
  return Object.entries(wanted)
    .filter(([key, value]) => JSON.stringify(old[key]) !== JSON.stringify(value))
    .map(([key]) => key)
}

/** `{ source: "dev:inode" }` of the spec's bind mounts as they are now; a missing source is left out. */
export function mountIds(spec: ContainerSpec): Record<string, string> {
  const ids: Record<string, string> = {}
  for (const m of spec.mounts ?? []) {
    const stat = m.type === 'bind' ? statSync(m.source, { throwIfNoEntry: false }) : undefined
    if (stat) ids[m.source] = `${stat.dev}:${stat.ino}`
  }
  return ids
}

/** Bind-mount sources that are no longer the directory the container was made with. */
export function remadeSources(spec: ContainerSpec, labels: Record<string, string>): string[] {
  let recorded: Record<string, string> = {}
  try {
    recorded = JSON.parse(labels[MOUNT_IDS_LABEL] ?? '{}') as Record<string, string>
  } catch {
    // A container made before the label existed has nothing to compare: kept as before.
  }
  return Object.entries(mountIds(spec))
    .filter(([source, id]) => recorded[source] !== undefined && recorded[source] !== id)
    .map(([source]) => source)
}

export function createArgs(spec: ContainerSpec): string[] {
  const config = desiredConfig(spec)
  const ids = mountIds(spec)
  const args = [
    'create',
    '--name',
    spec.name,
    '--label',
    `${MANAGED_LABEL}=true`,
    '--label',
    `${HASH_LABEL}=${configHash(spec)}`,
    '--label',
    `${CONFIG_LABEL}=${JSON.stringify(config)}`,
  ]
  if (Object.keys(ids).length) args.push('--label', `${MOUNT_IDS_LABEL}=${JSON.stringify(ids)}`)
  for (const [key, value] of Object.entries(config.labels)) args.push('--label', `${key}=${value}`)
  if (spec.network) args.push('--network', spec.network)
  for (const alias of config.aliases ?? []) args.push('--network-alias', alias)
  for (const group of config.groups ?? []) args.push('--group-add', group)
  for (const name of config.env) args.push('-e', name)
  for (const m of config.mounts) args.push('--mount', mountArg(m))
  for (const p of config.ports) {
    const address = p.address.includes(':') ? `[${p.address}]` : p.address
    args.push('-p', `${address}:${p.host}:${p.container}`)
  }
  if (spec.gpus) args.push('--gpus', 'all')
  if (spec.restart && spec.restart !== 'no') args.push('--restart', spec.restart)
  if (spec.user) args.push('--user', spec.user)
  if (spec.entrypoint !== undefined) args.push('--entrypoint', spec.entrypoint)
  args.push(spec.image, ...config.args)
  return args
}

export function mountArg(m: MountSpec): string {
  return `type=${m.type},source=${m.source},target=${m.target}${m.readOnly ? ',readonly' : ''}`
}
