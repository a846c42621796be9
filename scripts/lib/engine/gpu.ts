// Whether `--gpus all` can work on this engine: what it lists, and what a throw-away container
// finds when it really asks for the GPU.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { engineOnThisMachine } from './api.ts'
import { docker, engineInfo, inspectContainer, runDocker } from './cli.ts'
import { dockerSaid, explainDockerError, foreignName, isGpuRefusal } from './errors.ts'
/** The throw-away container `gpuRefusal` starts for a container of this name. */
export const probeName = (name: string) => `${name}-gpu-probe`

/** Labels the throw-away container of `gpuRefusal`, so only ours is ever removed by its name. */
export const PROBE_LABEL = 'io.triton-monitoring.gpu-probe'

/**
 * Whether the engine can start a container with `--gpus all` right now: an engine can list the
 * NVIDIA runtime while the driver under it is missing or broken, and only a start tells. Starts a
 * throw-away container of `probe.image` (no network, no ports, no mounts; the command only has to
 * exist) and removes it whatever happens. Returns what the engine said when it refused the GPU,
 * undefined when the container started; any other failure throws its explained error. Touches no
 * other container, so a caller decides before changing anything.
 */
export async function gpuRefusal(probe: { name: string; image: string; args: string[] }): Promise<string | undefined> {
  const name = probeName(probe.name)
  const context = { container: name, image: probe.image }
  const leftover = await inspectContainer(name)
  if (leftover && leftover.Config.Labels?.[PROBE_LABEL] !== 'true') throw foreignName(name)
  if (leftover) await docker(['rm', '--force', leftover.Id], { context })
  const create = ['create', '--name', name, '--label', `${PROBE_LABEL}=true`, '--network', 'none', '--gpus', 'all']
  try {
    for (const args of [
      [...create, probe.image, ...probe.args],
      ['start', name],
    ]) {
      const out = await runDocker(args)
      if (out.exitCode === 0) continue
      if (isGpuRefusal(out.stderr)) return dockerSaid(out.stderr)
      throw explainDockerError(out.stderr, context)
    }
    return undefined
  } finally {
    await runDocker(['rm', '--force', name])
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)))
}

function nvidiaCdiSpec(dirs: string[]): boolean {
  return dirs.some((dir) => {
    try {
      return readdirSync(dir).some(
        (file) =>
          /\.(ya?ml|json)$/.test(file) &&
          /kind:\s*"?nvidia\.com\/gpu|"kind":\s*"nvidia\.com\/gpu"/.test(readFileSync(join(dir, file), 'utf8')),
      )
    } catch {
      return false
    }
  })
}

/**
 * Whether `--gpus all` can work on this engine. dockerd serves `--gpus` only through the NVIDIA
 * Container Toolkit: an `nvidia` runtime registered in daemon.json (what `nvidia-ctk runtime
 * configure` does), or dockerd finding `nvidia-container-runtime-hook` on its PATH, or (Docker
 * 28.3+, moby#50228) `nvidia-cdi-hook` plus a CDI spec for nvidia.com/gpu. Without one of those,
 * `--gpus all` fails with "could not select device driver". The binaries and spec files can only
 * be checked when the engine runs on this machine.
 */
export async function gpuAvailable(): Promise<boolean> {
  const info = await engineInfo()
  if (info.Runtimes && 'nvidia' in info.Runtimes) return true
  if (!(await engineOnThisMachine())) return false
  if (onPath('nvidia-container-runtime-hook')) return true
  return onPath('nvidia-cdi-hook') && nvidiaCdiSpec(info.CDISpecDirs ?? ['/etc/cdi', '/var/run/cdi'])
}
