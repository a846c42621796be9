// What the grafana/grafana image's entrypoint (packaging/docker/run.sh) does to the environment
// before `grafana server`: every GF_<NAME>__FILE=<path> becomes GF_<NAME>=$(cat <path>), trailing
// newlines dropped; both set is an error. As in run.sh, an unreadable file is no error: cat
// complains, the value is empty, and Grafana falls back to its default (admin/admin for the
// admin password) — the trap a 0600 file mounted from the host walks into.
import { readFileSync } from 'node:fs'

/** Resolves GF_*__FILE in `env` in place; returns an exit code when run.sh would stop. */
export function resolveFileSecrets(env: NodeJS.ProcessEnv): number | undefined {
  for (const key of Object.keys(env).sort()) {
    const match = /^(GF_[^=]+)__FILE$/.exec(key)
    if (!match || !env[key]) continue
    const name = match[1]!
    const path = env[key]!
    if (env[name]) {
      process.stderr.write(`ERROR: Both ${name} and ${key} are set (but are exclusive)\n`)
      return 1
    }
    process.stdout.write(`Getting secret ${name} from ${path}\n`)
    let value = ''
    try {
      value = readFileSync(path, 'utf8').replace(/\n+$/, '')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const why = code === 'EACCES' ? 'Permission denied' : code === 'ENOENT' ? 'No such file or directory' : code
      process.stderr.write(`cat: can't open '${path}': ${why}\n`)
    }
    env[name] = value
    delete env[key]
  }
  return undefined
}
