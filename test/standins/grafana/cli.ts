// `grafana cli` as Grafana 11.6 has it, reduced to what an admin password reset needs:
// `grafana cli [global options] admin reset-admin-password [--password-from-stdin] [--user-id N]
// [<new password>]` (pkg/cmd/grafana-cli/commands/commands.go, reset_password_command.go), with
// its output on stdout and its exit codes: `Error: ✗ <why>` and 1 on any failure
// (pkg/cmd/grafana/main.go), the success line and 0 otherwise. It finds the database the way the
// real CLI does: the config defaults under --homepath (or the working folder), the data folder
// from GF_PATHS_DATA (an env override of paths.data).
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { readUsers, writeUsers } from './users.ts'

const out = (text: string) => process.stdout.write(text)

class CliError extends Error {}

/** urfave/cli's flag parsing: flags before the first argument, `--name value` or `--name=value`. */
function parseFlags(
  args: string[],
  known: Record<string, 'bool' | 'string'>,
): { flags: Record<string, string | boolean>; rest: string[] } {
  const flags: Record<string, string | boolean> = {}
  let i = 0
  for (; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--') {
      i++
      break
    }
    if (!arg.startsWith('-') || arg === '-') break
    const [name, inline] = arg.replace(/^--?/, '').split(/=(.*)/s, 2) as [string, string | undefined]
    const kind = known[name]
    if (!kind) throw new CliError(`flag provided but not defined: -${name}`)
    if (kind === 'bool') flags[name] = inline === undefined ? true : inline === 'true'
    else {
      const value = inline ?? args[++i]
      if (value === undefined) throw new CliError(`flag needs an argument: -${name}`)
      flags[name] = value
    }
  }
  return { flags, rest: args.slice(i) }
}

function readStdinLine(): string | undefined {
  let input: string
  try {
    input = readFileSync(0, 'utf8')
  } catch {
    return undefined
  }
  if (input === '') return undefined
  // bufio.Scanner's ScanLines: the first line, without its \n or \r\n.
  return input.split('\n')[0]!.replace(/\r$/, '')
}

function resetAdminPassword(args: string[], dataDir: string): void {
  const { flags, rest } = parseFlags(args, { 'password-from-stdin': 'bool', 'user-id': 'string' })
  const userId = flags['user-id'] === undefined ? 1 : Number(flags['user-id'])
  if (!Number.isInteger(userId)) throw new CliError(`invalid value "${flags['user-id']}" for flag -user-id`)
  let password: string
  if (flags['password-from-stdin']) {
    out('New Password: ')
    const line = readStdinLine()
    if (line === undefined) throw new CliError("can't read password from stdin")
    password = line
  } else {
    password = rest[0] ?? ''
  }
  if (password.length < 4) throw new CliError('new password is too short')
  const users = readUsers(dataDir) ?? []
  const user = users.find((u) => u.id === userId)
  if (!user) throw new CliError('could not read user from database. Error: user not found')
  if (!user.isAdmin) throw new CliError('reset-admin-password can only be used to reset an admin user account')
  user.password = password
  writeUsers(dataDir, users)
  out('\n')
  out('Admin password changed successfully ✔')
  out('\n\n')
}

/** Runs `grafana cli <args>` and returns the process's exit code. */
export function grafanaCli(args: string[], env: NodeJS.ProcessEnv): number {
  try {
    const { flags, rest } = parseFlags(args, {
      homepath: 'string',
      config: 'string',
      configOverrides: 'string',
      debug: 'bool',
      d: 'bool',
      pluginsDir: 'string',
      repo: 'string',
      pluginUrl: 'string',
      insecure: 'bool',
    })
    const [command, sub, ...more] = rest
    if (command !== 'admin' || sub !== 'reset-admin-password') {
      throw new CliError(`the stand-in's grafana cli has only \`admin reset-admin-password\`, not: ${rest.join(' ')}`)
    }
    const home = typeof flags.homepath === 'string' ? flags.homepath : process.cwd()
    if (!existsSync(join(home, 'conf/defaults.ini'))) {
      throw new CliError(
        'failed to initialize runner: Could not find config defaults, ' +
          'make sure homepath command line parameter is set or working directory is homepath',
      )
    }
    if (typeof flags.config === 'string' && !existsSync(flags.config)) {
      throw new CliError(`failed to initialize runner: open ${flags.config}: no such file or directory`)
    }
    resetAdminPassword(more, env.GF_PATHS_DATA || join(home, 'data'))
    return 0
  } catch (error) {
    if (!(error instanceof CliError)) throw error
    out(`Error: ✗ ${error.message}\n`)
    return 1
  }
}
