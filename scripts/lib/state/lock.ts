// One step at a time on a stack: two runs at once (two terminals, two `make all`) raced each
// other into a container name "not created by triton-monitoring" or a token name that "already
// exists". Every step that changes the stack takes a lock file in the state folder (the stack's
// own place: one state folder, one stack); a second one waits, saying for whom, up to
// LOCK_TIMEOUT seconds, then stops with who holds it. A lock whose process is gone (killed,
// Ctrl-C) is taken over: its pid no longer runs, or runs another program since.
// `make all` runs its steps at once: the make process holds the lock for all of them (the
// Makefile names it in TM_LOCK_OWNER on each step's command line), so they share it, and a step
// of another run waits for that whole run. A make that is gone leaves a lock the next run takes.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { fail, StepError } from '../step/fail.ts'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { waitFor } from '../step/poll.ts'
import { stateDir } from './secrets.ts'

const LOCK_FILE = 'stack.lock'
const DEFAULT_TIMEOUT_S = 600

interface Holder {
  pid: number
  host: string
  step: string
  since: string
  /** The process's start time (/proc/<pid>/stat field 22), so a reused pid is not taken for it. */
  start?: string
}

/** Fields 3 on of /proc/<pid>/stat (after the command name, which may hold spaces), undefined off Linux. */
function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** Field 22 of /proc/<pid>/stat (after the command name, which may hold spaces), undefined off Linux. */
function startTime(pid: number): string | undefined {
  return statFields(pid)?.[19]
}

/**
 * The make run this step belongs to: the pid in TM_LOCK_OWNER, if it is one of this process's
 * ancestors (a variable that leaked into a test's or a shell's environment names no ancestor).
 */
function runOwner(): number | undefined {
  const raw = process.env.TM_LOCK_OWNER?.trim() ?? ''
  if (!/^\d+$/.test(raw)) return undefined
  const owner = Number(raw)
  let pid = Number(statFields('self')?.[1])
  for (let hops = 0; pid > 1 && hops < 32; hops++) {
    if (pid === owner) return owner
    pid = Number(statFields(pid)?.[1])
  }
  return undefined
}

function alive(holder: Holder): boolean {
  if (holder.host !== hostname()) return true // another machine's process: cannot tell, so it holds
  try {
    process.kill(holder.pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
  }
  const start = startTime(holder.pid)
  return !(holder.start && start && start !== holder.start)
}

function read(path: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Holder
  } catch {
    return undefined
  }
}

function lockTimeoutS(): number {
  const raw = process.env.LOCK_TIMEOUT?.trim()
  if (!raw) return DEFAULT_TIMEOUT_S
  const value = Number(raw)
  if (!/^\d+$/.test(raw)) {
    throw fail(
      t('LOCK_TIMEOUT="{raw}" is not a number of seconds', { raw }),
      t('set it to whole seconds, or unset it for {DEFAULT_TIMEOUT_S}', { DEFAULT_TIMEOUT_S }),
      2,
    )
  }
  return value
}

const describe = (h: Holder) =>
  t('{step} (pid {pid}{host}, since {since})', {
    step: h.step,
    pid: h.pid,
    host: h.host === hostname() ? '' : t(' on {host}', { host: h.host }),
    since: h.since,
  })

/**
 * Takes the stack's lock for `step`, waiting for another holder up to LOCK_TIMEOUT seconds.
 * Released when this process exits (a crash or Ctrl-C leaves a lock the next run takes over).
 */
export async function lockStack(step: string): Promise<void> {
  const path = join(stateDir(), LOCK_FILE)
  const timeoutS = lockTimeoutS()
  const owner = runOwner()
  const me: Holder = {
    pid: owner ?? process.pid,
    host: hostname(),
    step: owner ? process.env.TM_LOCK_NAME?.trim() || 'make' : step,
    since: new Date().toISOString(),
  }
  const start = startTime(me.pid)
  if (start) me.start = start
  let told: string | undefined
  let last: Holder | undefined
  const take = (retries = 2): boolean | StepError => {
    try {
      writeFileSync(path, JSON.stringify(me), { flag: 'wx', mode: 0o600 })
      return true
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'EEXIST') {
        return fail(
          t("cannot write the stack's lock {path} ({code})", { path, code: String(code) }),
          t('check that the state folder is yours and writable (STATE_DIR)'),
        )
      }
    }
    const holder = read(path)
    // Another step of this same make run took it: shared.
    if (owner && holder?.pid === me.pid && holder.host === me.host && holder.start === me.start) return true
    if (holder && alive(holder)) {
      last = holder
      const who = describe(holder)
      if (told !== who) {
        told = who
        log.info(
          t('another run is changing this stack: {who}; waiting for it (up to {timeoutS} s, LOCK_TIMEOUT)', {
            who,
            timeoutS,
          }),
        )
      }
      return false
    }
    // Its process is gone: move the lock aside (one mover wins), and take over if it was the dead one.
    const aside = `${path}.${process.pid}.stale`
    try {
      renameSync(path, aside)
    } catch {
      return false
    }
    const moved = read(aside)
    if (moved && alive(moved)) {
      renameSync(aside, path) // it had just been retaken: give it back
      return false
    }
    rmSync(aside, { force: true })
    // A converged re-run finds its last run's lock left behind: take it now, not a poll later.
    return retries > 0 ? take(retries - 1) : false
  }
  const taken = await waitFor(async () => take(), {
    what: t('waiting for the other run'),
    timeoutMs: timeoutS * 1000,
    intervalMs: 250,
    onTimeout: () =>
      fail(
        t('this stack is still being changed by {last} after {timeoutS} s', {
          last: last ? describe(last) : t('another run'),
          timeoutS,
        }),
        t(
          'let it finish and run the step again (LOCK_TIMEOUT=<seconds> waits longer); ' +
            'if no other run is going on, delete {path}',
          { path },
        ),
      ),
  })
  if (taken instanceof StepError) throw taken
  // A make run's lock outlives each of its steps; it is left when make ends, and taken over then.
  if (!owner)
    process.once('exit', () => {
      if (read(path)?.pid === process.pid) rmSync(path, { force: true })
    })
}
