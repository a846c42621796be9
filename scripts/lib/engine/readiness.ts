// Waiting for a service to answer, while watching the engine and the container, so that a dead
// engine or a stopped container ends the wait at once and is named, with the container's log.
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { fail, StepError } from '../step/fail.ts'
import { waitFor } from '../step/poll.ts'
import { httpRequest } from '../step/http.ts'
import { type ContainerInfo, containerLogs, notFound, runDocker } from './cli.ts'
import { explainDockerError, unreachable } from './errors.ts'
export interface HttpWaitOptions {
  what: string
  timeoutMs: number
  /** The container serving the URL: its exit ends the wait early, its logs explain a timeout. */
  container?: string
  /** Default with a container: read its log (shown with the error). */
  fix?: string
}

/** One look at the engine during a wait: a healthy engine answers an inspect in milliseconds. */
const WAIT_PROBE_TIMEOUT_MS = 6_000
/**
 * Looks in a row that got no answer before the engine is called stuck: a busy engine (several
 * steps of a parallel `make all` on two cores) can miss one deadline, a stuck one misses them all.
 */
const SILENT_PROBES = 2
/** Looks without an answer since the engine last answered, across this process's waits. */
let silent = 0

/**
 * Why a wait for `container` can no longer end well, or undefined while it can: the engine does
 * not answer (stopped, or mute for SILENT_PROBES looks of WAIT_PROBE_TIMEOUT_MS), or the container
 * stopped or is gone. Readiness waits ask it each time their probe fails, so a dead engine ends a
 * 300 s wait in seconds and is named, instead of a timeout that blames the service and shows no log.
 */
export async function waitTrouble(container: string, url: string, fix: string): Promise<StepError | undefined> {
  const started = Date.now()
  const out = await runDocker(['container', 'inspect', '--format', '{{json .State}}', container], {
    timeoutMs: WAIT_PROBE_TIMEOUT_MS,
  })
  const unanswered = out.exitCode !== 0 && Date.now() - started >= WAIT_PROBE_TIMEOUT_MS
  silent = unanswered ? silent + 1 : 0
  if (unanswered && silent < SILENT_PROBES) return undefined
  if (unanswered) {
    return fail(
      t(
        'the Docker engine stopped answering while waiting for {url} ' +
          '(`docker inspect {container}` got no answer within {seconds} s, {tries} times in a row)',
        { url, container, seconds: WAIT_PROBE_TIMEOUT_MS / 1000, tries: SILENT_PROBES },
      ),
      t('it is stuck: restart it (`sudo systemctl restart docker`, or `make system`), ' + 'then run the step again'),
    )
  }
  if (out.exitCode !== 0 && !(notFound.test(out.stderr) && !unreachable.test(out.stderr))) {
    const engine = explainDockerError(out.stderr, { container })
    return new StepError(
      t('while waiting for {url}, {cause_}', { url, cause_: engine.cause_ }),
      t('{fix}, then run the step again', { fix: engine.fix }),
    )
  }
  const state = out.exitCode === 0 ? (JSON.parse(out.stdout) as ContainerInfo['State']) : undefined
  if (state?.Running) return undefined
  const how = state
    ? t('{status}, exit code {exitCode}', { status: state.Status, exitCode: state.ExitCode })
    : t('no such container')
  return withLogs(
    fail(t('container {container} stopped ({how}) before {url} answered', { container, how, url }), fix),
    state ? await containerLogs(container) : '',
  )
}

/**
 * Waits until `url` answers 2xx. With a container, ends early when the engine stops answering or
 * the container stops (waitTrouble), and on timeout shows the container's last log lines.
 */
export async function waitForHttp(url: string, waitOptions: HttpWaitOptions): Promise<void> {
  const { container } = waitOptions
  // Not "the log above": a dead engine shows no log, and a container that printed nothing neither.
  const readLog = t('read its log: `docker logs {container}`', { container: String(container) })
  const options = { ...waitOptions, fix: waitOptions.fix ?? (container ? readLog : '') }
  log.request({ url, note: t('every 0.5 s until it answers 2xx') })
  const outcome = await waitFor<'ready' | StepError>(
    async () => {
      const ok = await httpRequest(url, { timeoutMs: 2000 }).then(
        (r) => r.ok,
        () => false,
      )
      if (ok) return 'ready'
      return container ? waitTrouble(container, url, options.fix) : false
    },
    {
      what: options.what,
      timeoutMs: options.timeoutMs,
      intervalMs: 500,
      onTimeout: () =>
        fail(
          t('{what}: no answer from {url} after {timeoutMs}s', {
            what: options.what,
            url,
            timeoutMs: Math.round(options.timeoutMs / 1000),
          }),
          options.fix,
        ),
    },
  ).catch(async (error: unknown) => {
    if (error instanceof StepError && container) throw withLogs(error, await containerLogs(container))
    throw error
  })
  if (outcome !== 'ready') throw outcome
}

function withLogs(error: StepError, logs: string): StepError {
  if (!logs) return error
  const heading = t('last lines of the container log:')
  return new StepError(
    `${error.cause_}\n${heading}\n${logs
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}`,
    error.fix,
    error.exitCode,
  )
}
