// Images: present or pulled with progress before anything changes, and run once as a tool.
import { engineInfo, inspect, runDocker } from './cli.ts'
import { explainDockerError, imageMissing } from './errors.ts'
import { type PullSettings, pullSettings } from './pull-settings.ts'
import { type ContainerSpec, type MountSpec, mountArg } from './spec.ts'
/**
 * Makes sure the image is on this machine, pulling it with progress (pull.ts) when it is missing.
 * Steps that pull call it first, with their --pull-stall-timeout, so a pull that fails has
 * changed nothing yet; the containers' own call then finds the image here.
 */
export async function ensureImage(
  image: string,
  hints?: ContainerSpec['hints'],
  settings: PullSettings = pullSettings(),
): Promise<string> {
  const local = await inspect<{ Id: string }>('image', image)
  if (local) return local.Id
  // Loaded only for a pull: the progress bar, the registry and the disk check are most of the
  // engine code, and a step whose image is here (every run after the first) never needs them.
  const { pullImage } = await import('./pull.ts')
  await pullImage(image, { ...settings, info: await engineInfo(), imageVariable: hints?.imageVariable })
  const pulled = await inspect<{ Id: string }>('image', image)
  if (!pulled) throw imageMissing(image, '', hints)
  return pulled.Id
}

/**
 * Runs a throw-away container to completion (`docker run --rm`), e.g. a tool shipped in an image.
 * Returns its exit code and output; engine failures throw their explained error.
 */
export async function runOnce(spec: {
  image: string
  entrypoint?: string
  args: string[]
  mounts?: MountSpec[]
  /** The tool's stdin (`docker run -i`), e.g. a file that must not be mounted. */
  input?: string
  /** A network to join (none by default): to see names as the stack's containers see them. */
  network?: string
  /** Only an image already here; otherwise this throws instead of pulling. */
  local?: boolean
  timeoutMs?: number
}): Promise<{ exitCode: number; output: string }> {
  if (spec.local) {
    if (!(await inspect('image', spec.image))) throw imageMissing(spec.image, '')
  } else {
    await ensureImage(spec.image)
  }
  const args = ['run', '--rm', '--network', spec.network ?? 'none']
  if (spec.input !== undefined) args.push('--interactive')
  for (const m of spec.mounts ?? []) args.push('--mount', mountArg(m))
  if (spec.entrypoint !== undefined) args.push('--entrypoint', spec.entrypoint)
  const out = await runDocker([...args, spec.image, ...spec.args], { input: spec.input, timeoutMs: spec.timeoutMs })
  // 125 is docker's own failure (the container never ran); anything else is the tool's answer.
  if (out.exitCode === 125) throw explainDockerError(out.stderr, { image: spec.image })
  return { exitCode: out.exitCode ?? 1, output: out.stdall.trim() }
}
