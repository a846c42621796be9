// zx, the way every command of a step runs: loaded on the first command (it is 800 kB bundled, so
// `--help` and a converged step do not parse it), and with a bash that does not read ~/.bashrc.
// Debian's bash reads ~/.bashrc even for `bash -c` when its stdin is a socket (Node's pipes are
// socketpairs) and SHLVL is unset, as under `env -i`, CI or cron: a .bashrc that runs `pyenv init`
// then cost every docker command a second, or a minute where HOME was unset too. With SHLVL set,
// bash takes itself for a nested shell and reads nothing.
import type { SpawnOptions } from 'node:child_process'

let loaded: Promise<typeof import('zx')> | undefined

async function load(): Promise<typeof import('zx')> {
  const [zx, child] = await Promise.all([import('zx'), import('node:child_process')])
  const nested = (options: SpawnOptions): SpawnOptions => ({ ...options, env: { SHLVL: '1', ...options.env } })
  zx.$.spawn = ((command: string, args: string[], options: SpawnOptions) =>
    child.spawn(command, args, nested(options))) as typeof child.spawn
  return zx
}

/** zx's `$` and `which`, set up once. */
export function zx(): Promise<typeof import('zx')> {
  loaded ??= load()
  return loaded
}
