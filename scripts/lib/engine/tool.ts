// The check tools that ship with a service (promtool, amtool): the copy on this machine's PATH when
// there is one (no container to start), else the one inside the service's own image, which is
// there anyway and always matches the version that will run.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runOnce } from './images.ts'
import type { MountSpec } from './spec.ts'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { writeFileAtomic } from '../state/atomic-file.ts'
import { stateDir } from '../state/secrets.ts'
import { crypto } from '../step/builtins.ts'
import { zx } from '../step/shell.ts'

export interface ToolRun {
  exitCode: number
  output: string
  /** Which copy ran, for the step's message: `local amtool` or `amtool in <image>`. */
  where: string
}

export interface ToolSpec {
  /** Command name on PATH, e.g. `amtool`. */
  name: string
  /** The image that ships it, and where (e.g. `/bin/amtool`). */
  image: string
  pathInImage: string
  /** Arguments for the local copy and for the image's (file paths differ when a folder is mounted). */
  localArgs: string[]
  imageArgs: string[]
  /** What the image's copy needs mounted. */
  mounts?: MountSpec[]
  /**
   * Stdin of the image's copy, for content the container's user could not read from our files
   * (amtool reads /dev/stdin; a local copy gets a file instead: Node's stdin pipe is a socket, which
   * /dev/stdin cannot open).
   */
  imageInput?: string
}

export async function runTool(spec: ToolSpec): Promise<ToolRun> {
  const { $, which } = await zx()
  if (await which(spec.name, { nothrow: true })) {
    log.command([spec.name, ...spec.localArgs])
    const out = await $({ quiet: true, nothrow: true })`${spec.name} ${spec.localArgs}`
    return {
      exitCode: out.exitCode ?? 1,
      output: out.stdall.trim(),
      where: t('local {name}', { name: spec.name }),
    }
  }
  const result = await runOnce({
    image: spec.image,
    entrypoint: spec.pathInImage,
    args: spec.imageArgs,
    mounts: spec.mounts,
    input: spec.imageInput,
  })
  return { ...result, where: t('{name} in {image}', { name: spec.name, image: spec.image }) }
}

/**
 * A check's pass, kept in the state folder: the same tool from the same image passes the same
 * bytes again, so a re-run whose config did not change skips the check (a tool's process, or a
 * container where the tool is not installed). Kept as a hash, never the content: the Alertmanager
 * config may hold a webhook's token.
 */
export const checkMemory = (tool: string, image: string, input: string) => {
  const file = join(stateDir(), `.${tool}-passed`)
  const hash = crypto().createHash('sha256').update(`${image}\0${input}`).digest('hex')
  return {
    /** Whether these bytes passed this check before. */
    passed(): boolean {
      try {
        return readFileSync(file, 'utf8') === hash
      } catch {
        return false
      }
    },
    remember(): void {
      writeFileAtomic(file, hash, 0o600)
    },
  }
}
