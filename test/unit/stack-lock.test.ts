// Two runs on one stack at once: a step that changes the stack takes the lock file in the state
// folder (scripts/lib/state/lock.ts), waits for a live holder with a message, gives up after
// LOCK_TIMEOUT naming who holds it, and takes over a lock whose process is gone; the steps of one
// make run (TM_LOCK_OWNER, an ancestor's pid) share the lock that run holds. Run with the
// built 01-network step and no engine: it stops at the engine right after the lock.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { runProcess } from '../helpers/process.ts'

const state = mkdtempSync(join(tmpdir(), 'stack-lock-state-'))
const lock = join(state, 'stack.lock')

test.after(() => rmSync(state, { recursive: true, force: true }))

const step = (env: Record<string, string> = {}) =>
  runProcess(process.execPath, ['dist/scripts/01-network.mjs'], {
    env: { STATE_DIR: state, DOCKER_HOST: 'unix:///nonexistent.sock', LANG: 'C', LC_ALL: '', LANGUAGE: '', ...env },
    timeoutMs: 60_000,
  })

/** The lock as a live process holds it: this test process, with its start time. */
function holdLock(pid = process.pid, step = '04-grafana'): void {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  writeFileSync(lock, JSON.stringify({ pid, host: hostname(), step, since: 'a moment ago', start }))
}

test('a held lock: the step says whose run it waits for, and goes on once it is released', async () => {
  holdLock()
  const started = Date.now()
  const running = step({ LOCK_TIMEOUT: '60' })
  await new Promise((resolve) => setTimeout(resolve, 2500))
  rmSync(lock)
  const result = await running
  assert.ok(Date.now() - started >= 2500, 'the step did not wait for the lock')
  assert.match(result.text, `another run is changing this stack: 04-grafana (pid ${process.pid}, since a moment ago)`)
  // Past the lock: it reached the engine, and let go of the lock when it ended.
  assert.match(result.text, 'the Docker engine is not answering')
  assert.not.ok(existsSync(lock), 'the step left its lock behind')
})

test('held past LOCK_TIMEOUT: the step stops, naming the holder and the lock file', async () => {
  holdLock()
  try {
    const result = await step({ LOCK_TIMEOUT: '1' })
    assert.is(result.code, 1, result.text)
    assert.match(result.text, `this stack is still being changed by 04-grafana (pid ${process.pid}`)
    assert.match(result.text, `if no other run is going on, delete ${lock}`)
    assert.not.match(result.text, /Docker engine/)
  } finally {
    rmSync(lock, { force: true })
  }
})

test('a lock left by a run that is gone (Ctrl-C, kill -9) is taken over at once', async () => {
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  writeFileSync(lock, JSON.stringify({ pid: Number(gone.stdout), host: hostname(), step: '02-triton', since: 'then' }))
  const started = Date.now()
  const result = await step({ LOCK_TIMEOUT: '30' })
  assert.ok(Date.now() - started < 20_000)
  assert.not.match(result.text, /another run is changing this stack/)
  assert.match(result.text, 'the Docker engine is not answering')
})

test("make's steps run at once: a step of the run that holds the lock (an ancestor) goes on, and leaves it held", async () => {
  holdLock(process.pid, 'make all')
  try {
    const result = await step({ LOCK_TIMEOUT: '1', TM_LOCK_OWNER: String(process.pid), TM_LOCK_NAME: 'make all' })
    assert.not.match(result.text, /another run is changing this stack/)
    assert.match(result.text, 'the Docker engine is not answering')
    assert.is(JSON.parse(readFileSync(lock, 'utf8')).pid, process.pid, "a step gave away its make run's lock")
  } finally {
    rmSync(lock, { force: true })
  }
})

test('the first step of a make run takes the lock for the whole run, named after it', async () => {
  const result = await step({ LOCK_TIMEOUT: '1', TM_LOCK_OWNER: String(process.pid), TM_LOCK_NAME: 'make all' })
  try {
    assert.match(result.text, 'the Docker engine is not answering')
    const holder = JSON.parse(readFileSync(lock, 'utf8'))
    assert.equal([holder.pid, holder.step], [process.pid, 'make all'])
  } finally {
    rmSync(lock, { force: true })
  }
})

test('TM_LOCK_OWNER naming a process that is not an ancestor (a leaked variable) shares nothing', async () => {
  const other = spawn('sleep', ['30'], { stdio: 'ignore' })
  try {
    holdLock(other.pid!, 'make all')
    const result = await step({ LOCK_TIMEOUT: '1', TM_LOCK_OWNER: String(other.pid) })
    assert.is(result.code, 1, result.text)
    assert.match(result.text, `this stack is still being changed by make all (pid ${other.pid}`)
  } finally {
    other.kill()
    rmSync(lock, { force: true })
  }
})

test('a bad LOCK_TIMEOUT is refused with exit 2', async () => {
  holdLock()
  try {
    const result = await step({ LOCK_TIMEOUT: 'soon' })
    assert.is(result.code, 2, result.text)
    assert.match(result.text, 'LOCK_TIMEOUT="soon" is not a number of seconds')
  } finally {
    rmSync(lock, { force: true })
  }
})

test.run()
