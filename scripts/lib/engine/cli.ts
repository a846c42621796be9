// The docker CLI as the steps run it: each command shown with --verbose (stdin never), a deadline
// where the engine may hang, and a failure explained (errors.ts) instead of docker's raw text.
// Reads (the engine answers, an inspect, its info) ask the Engine API first (api-read.ts), and
// come here when it cannot answer them plainly.
import type { ProcessOutput } from 'zx'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { fail, type StepError } from '../step/fail.ts'
import type { EngineInfo } from './api.ts'
import { apiGet, apiInspect, apiReader, type InspectKind } from './api-read.ts'
import { dockerSaid, explainDockerError, type FailureContext, unreachable } from './errors.ts'
import { zx } from '../step/shell.ts'
interface RunOptions {
  /** Extra environment for the docker client (values for `-e NAME`). */
  env?: Record<string, string>
  /** The docker client's stdin (a tar for `docker cp -`, a password for `docker exec -i`). */
  input?: string | Buffer
  /** Kills the docker client after this long: it has no deadline of its own. */
  timeoutMs?: number
  /** What the command was about, so an engine error can be explained precisely. */
  context?: FailureContext
}

export async function runDocker(args: string[], options: RunOptions = {}): Promise<ProcessOutput> {
  // What goes in on stdin (a secret's tar, a password) is never shown, only that it is there.
  log.command(['docker', ...args], options.input === undefined ? undefined : t('input on stdin'))
  const env = options.env ? { ...process.env, ...options.env } : process.env
  const { $ } = await zx()
  return $({ quiet: true, nothrow: true, env, timeout: options.timeoutMs, input: options.input })`docker ${args}`
}

/** Runs `docker <args>`; returns stdout, or throws the explained failure. */
export async function docker(args: string[], options: RunOptions = {}): Promise<string> {
  const started = Date.now()
  const out = await runDocker(args, options)
  // Killed at the deadline: the docker client may exit on its own code then, not by the signal.
  if (options.timeoutMs && out.exitCode !== 0 && Date.now() - started >= options.timeoutMs) {
    throw engineSilent(String(args[0]), options.timeoutMs)
  }
  if (out.exitCode !== 0) throw explainDockerError(out.stderr || out.stdout, options.context)
  return out.stdout
}

/** The engine took the request for `docker <command>` and did not answer within `timeoutMs`. */
function engineSilent(command: string, timeoutMs: number): StepError {
  const host = process.env.DOCKER_HOST
  return fail(
    t('the Docker engine{host} did not answer `docker {args}` within {timeoutMs} s', {
      host: host ? t(' at DOCKER_HOST={host}', { host }) : '',
      args: command,
      timeoutMs: timeoutMs / 1000,
    }),
    t('it is stuck: restart it (`sudo systemctl restart docker`), or check DOCKER_HOST'),
  )
}

export const notFound = /No such (container|network|volume|image|object)|not found/i

/** `docker <kind> inspect` as parsed JSON, or undefined when there is no such object. */
export async function inspect<T>(kind: InspectKind, name: string): Promise<T | undefined> {
  const asked = await apiInspect<T>(kind, name, ENGINE_TIMEOUT_MS)
  if (asked) return asked.found
  const out = await runDocker([kind, 'inspect', '--format', '{{json .}}', name])
  if (out.exitCode === 0) return JSON.parse(out.stdout.trim().split('\n')[0]!) as T
  if (notFound.test(out.stderr) && !unreachable.test(out.stderr)) return undefined
  throw explainDockerError(out.stderr)
}

export interface ContainerInfo {
  Id: string
  /** The image's id (sha256:…); `Config.Image` is the reference it was started from. */
  Image: string
  State: { Status: string; Running: boolean; ExitCode: number; StartedAt?: string }
  Config: { Labels: Record<string, string> | null; Image?: string }
  /** `--gpus` shows as a device request with the `gpu` capability. */
  HostConfig?: { DeviceRequests?: { Capabilities?: string[][] | null }[] | null }
  /** The networks it is on, by name (a name resolves only between containers on one of them). */
  NetworkSettings?: { Networks?: Record<string, unknown> | null }
}

export async function inspectContainer(name: string): Promise<ContainerInfo | undefined> {
  return inspect<ContainerInfo>('container', name)
}

/** A healthy engine names its version at once; one that takes the connection and never answers
 *  would otherwise hang every step forever, since the docker client waits without a deadline. */
export const ENGINE_TIMEOUT_MS = 20_000

/** Checks the engine answers at all; the first call of a step, so its failure is the clearest one. */
export async function ensureEngine(timeoutMs = ENGINE_TIMEOUT_MS): Promise<void> {
  // The API's answer settles it; a connection it cannot make goes to the CLI, whose error says why.
  const api = await apiReader(timeoutMs)
  if (api === 'silent') throw engineSilent('version', timeoutMs)
  if (api) return
  await docker(['version', '--format', '{{json .Server.Version}}'], { timeoutMs })
}

/** `docker info`: platform, data root, runtimes, registry mirrors. */
export async function engineInfo(timeoutMs = ENGINE_TIMEOUT_MS): Promise<EngineInfo> {
  const asked = await apiGet('/info', timeoutMs)
  if (asked?.status === 200) return JSON.parse(asked.body) as EngineInfo
  return JSON.parse(await docker(['info', '--format', '{{json .}}'], { timeoutMs })) as EngineInfo
}

/** The last lines a container printed (stdout and stderr), for error messages. */
export async function containerLogs(name: string, lines = 30): Promise<string> {
  const out = await runDocker(['logs', '--tail', String(lines), name])
  return out.exitCode === 0 ? out.stdall.trimEnd() : ''
}

/**
 * `docker exec -i <container> <args>`, `input` on the command's stdin (never in argv). Returns the
 * command's exit code and output; docker's own failures (no such container, not running, no such
 * command in the image) throw their explained error.
 */
export async function execIn(
  container: string,
  args: readonly string[],
  input?: string,
  timeoutMs = 60_000,
): Promise<{ exitCode: number; output: string }> {
  const started = Date.now()
  const out = await runDocker(['exec', '-i', container, ...args], { input, timeoutMs })
  if (out.exitCode !== 0 && Date.now() - started >= timeoutMs) {
    throw fail(
      t('`{args}` in container {container} did not finish within {timeoutMs} s', {
        args: args.slice(0, 2).join(' '),
        container,
        timeoutMs: timeoutMs / 1000,
      }),
      t('read `docker logs {container}`, then run the step again', { container }),
    )
  }
  const said = out.stderr.trim()
  if (
    out.exitCode !== 0 &&
    /^(Error response from daemon|OCI runtime exec failed|Cannot connect)|docker: /m.test(said)
  ) {
    if (/executable file not found|no such file or directory/i.test(said)) {
      throw fail(
        t('container {container} has no `{args}` command (docker: {dockerSaid})', {
          container,
          args: String(args[0]),
          dockerSaid: dockerSaid(said),
        }),
        t(
          'its image is not the one the steps expect: set the image variable back to its ' +
            'default and run the step again',
        ),
      )
    }
    throw explainDockerError(said, { container })
  }
  return { exitCode: out.exitCode ?? 1, output: out.stdall.trim() }
}
