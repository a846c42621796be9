// Room for images under the engine's data root (`DockerRootDir`), measured where it can be: on this
// machine, when the engine runs here. Docker Desktop runs its engine in a VM and a remote engine
// has its own disks; both are skipped with a note rather than measured wrong.
import { existsSync } from 'node:fs'
import { statfs } from 'node:fs/promises'
import { hostname } from 'node:os'
import { type EngineInfo, type Endpoint, endpointOnThisMachine, isDockerDesktop } from './api.ts'
import { fail, type StepError } from '../step/fail.ts'
import { t } from '../output/i18n.ts'
import { formatBytes } from './pull-progress.ts'

/**
 * What a pull needs, as multiples of the compressed size the registry reports. Layers are gzip'd
 * tarballs; unpacked, images of binaries and libraries (Triton's CUDA, Python, Grafana's Go and
 * JavaScript) take about 2 to 2.5 times their compressed size, and while a layer is unpacked its
 * compressed download sits beside it in the engine's tmp folder. The containerd image store
 * (Docker 29's default) keeps the compressed blobs for good, next to the unpacked snapshots.
 * - Below 1.5×, the pull cannot fit even at a compression ratio these images never have: refuse,
 *   rather than download gigabytes and stop with "no space left on device".
 * - Below 3× (plus HEADROOM for the containers' own writes and logs), it may fit or may not: warn.
 */
export const REFUSE_BELOW = 1.5
export const WARN_BELOW = 3
const HEADROOM = 2 * 1024 ** 3
/** Unpacked size of a typical layer, as a multiple of its compressed size: what messages quote. */
const UNPACKED = 2.5

export type DiskSpace = { kind: 'measured'; path: string; free: number } | { kind: 'skipped'; reason: string }

/** Free bytes under the engine's data root, or why they cannot be measured from here. */
export async function engineDiskSpace(info: EngineInfo, endpoint: Endpoint): Promise<DiskSpace> {
  if (isDockerDesktop(info)) {
    return {
      kind: 'skipped',
      reason: t(
        "Docker Desktop runs the engine in a VM, whose disk is not this machine's: " +
          'not measured (its size is set in Settings → Resources)',
      ),
    }
  }
  if (!endpointOnThisMachine(endpoint)) {
    return {
      kind: 'skipped',
      reason: t('the engine ({address}) runs on another machine: its disk is not measured from here', {
        address: endpoint.address,
      }),
    }
  }
  // A socket passed into a container (or a VM's forwarded socket) leads to an engine elsewhere.
  if (info.Name && info.Name !== hostname()) {
    return {
      kind: 'skipped',
      reason: t(
        'the engine runs on host "{name}", not on this one ("{hostname}"): its disk is ' + 'not measured from here',
        { name: info.Name, hostname: hostname() },
      ),
    }
  }
  const path = info.DockerRootDir || '/var/lib/docker'
  try {
    if (!existsSync(path)) throw new Error('ENOENT')
    const s = await statfs(path)
    return { kind: 'measured', path, free: s.bavail * s.bsize }
  } catch {
    return {
      kind: 'skipped',
      reason: t("the engine's data root {path} cannot be read from here: free space not measured", { path }),
    }
  }
}

export type Verdict = 'ok' | 'tight' | 'too-small'

export function diskVerdict(free: number, compressed: number): Verdict {
  if (free < compressed * REFUSE_BELOW) return 'too-small'
  if (free < compressed * WARN_BELOW + HEADROOM) return 'tight'
  return 'ok'
}

/** How to make room under the engine's data root. */
export const freeUpFix = (path: string) =>
  t(
    'free space on the disk of {path} (`docker system df` shows what Docker holds; ' +
      "`docker image prune` removes unused images), or move Docker's data-root to a " +
      'larger disk ("data-root" in /etc/docker/daemon.json)',
    { path },
  )

/** `what`: e.g. the image, or "the missing images". */
export function diskTooSmall(what: string, space: { path: string; free: number }, compressed: number): StepError {
  return fail(
    t(
      'not enough disk for {what}: {formatBytes} to download (about {formatBytes2} ' +
        'unpacked), but only {formatBytes3} free under {path}',
      {
        what,
        formatBytes: formatBytes(compressed),
        formatBytes2: formatBytes(compressed * UNPACKED),
        formatBytes3: formatBytes(space.free),
        path: space.path,
      },
    ),
    freeUpFix(space.path),
  )
}

export function diskTight(what: string, space: { path: string; free: number }, compressed: number): string {
  return t(
    'disk is tight for {what}: {formatBytes} to download (about {formatBytes2} ' +
      'unpacked), {formatBytes3} free under {path}; if it stops with "no space left ' +
      'on device": {freeUpFix}',
    {
      what,
      formatBytes: formatBytes(compressed),
      formatBytes2: formatBytes(compressed * UNPACKED),
      formatBytes3: formatBytes(space.free),
      path: space.path,
      freeUpFix: freeUpFix(space.path),
    },
  )
}
