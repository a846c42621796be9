// step(), the frame of every step script, run in this process: the --help it prints (every step's
// only manual at the terminal), the outcome it records for `make report`, and what a person sees
// when the body fails, by a StepError or by a bug. The record for a step run as a child process,
// secrets masked, is unit/outcomes; here each field and each exit code is checked on its own.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type FlagSpec, type StepMeta, step } from '../../scripts/lib/step/cli.ts'
import { fail, StepError } from '../../scripts/lib/step/fail.ts'
import { stateDirs } from '../helpers/state-dir.ts'

const savedStateDir = process.env.STATE_DIR
const savedDebug = process.env.DEBUG
// Made when the suite runs, not when it is loaded: make mutation loads every suite to list its
// tests (in each worker it restarts), and a folder made then would have no after hook to remove it.
let work: string | undefined
let nextStateDir: () => string = () => {
  throw new Error('the suite has not started')
}

test.before(() => {
  work = mkdtempSync(join(tmpdir(), 'step-runner-'))
  nextStateDir = stateDirs(work)
})

test.after(() => {
  if (savedStateDir === undefined) delete process.env.STATE_DIR
  else process.env.STATE_DIR = savedStateDir
  if (work) rmSync(work, { recursive: true, force: true })
})

test.after.each(() => {
  if (savedDebug === undefined) delete process.env.DEBUG
  else process.env.DEBUG = savedDebug
})

// Colors depend on the terminal the suite runs in; the text is what is checked.
const plain = (text: string) => text.replace(/\x1b\[\d+m/g, '')

interface Ran {
  stdout: string
  stderr: string
  exitCode: string | number | null | undefined
}

/** Runs step() as a script started with `args`, its output caught; the exit code it set is reset. */
async function run<F extends Record<string, FlagSpec>>(
  meta: StepMeta<F>,
  args: string[],
  body: () => Promise<void> = async () => {},
): Promise<Ran> {
  const stdout: string[] = []
  const stderr: string[] = []
  const saved = { argv: process.argv, out: process.stdout.write, err: process.stderr.write }
  process.argv = [process.execPath, `${meta.name}.ts`, ...args]
  process.stdout.write = ((chunk: string | Uint8Array) => stdout.push(String(chunk)) > 0) as typeof process.stdout.write
  process.stderr.write = ((chunk: string | Uint8Array) => stderr.push(String(chunk)) > 0) as typeof process.stderr.write
  try {
    await step(meta, body)
  } finally {
    process.argv = saved.argv
    process.stdout.write = saved.out
    process.stderr.write = saved.err
  }
  const exitCode = process.exitCode
  process.exitCode = undefined
  return { stdout: plain(stdout.join('')), stderr: plain(stderr.join('')), exitCode }
}

/** The outcome recorded for `name` in the state folder `dir`, or undefined when none was. */
function recorded(dir: string, name: string): Record<string, unknown> | undefined {
  const file = join(dir, 'steps', `${name}.json`)
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined
}

test('--help shows the step, the command it replaces, each flag with its argument, choices and default, then the environment', async () => {
  const meta = {
    name: 'demo',
    summary: 'a demo step',
    replaces: 'docker network create demo-net',
    flags: {
      replicas: { type: 'number', help: 'how many', default: 2, min: 1 },
      mode: { type: 'string', help: 'how', choices: ['fast', 'slow'], default: 'fast' },
      // A default the step computes (from the environment, say) may be undefined: no "(default undefined)".
      tag: { type: 'string', help: 'image tag', default: undefined },
      json: { type: 'boolean', help: 'print JSON' },
    },
    env: { TRITON_HTTP_PORT: 'port of Triton', X: 'a short one' },
  } satisfies StepMeta<Record<string, FlagSpec>>
  const ran = await run(meta, ['--help'])
  // Worked out by hand: the flag column is as wide as its widest entry, "--replicas <n>" and
  // "--mode <value>" (14), and the environment's as wide as TRITON_HTTP_PORT (16); two spaces after each.
  assert.is(
    ran.stdout,
    [
      'demo — a demo step',
      '',
      'Replaces:',
      '  docker network create demo-net',
      '',
      'Options:',
      '  --replicas <n>  how many (default 2)',
      '  --mode <value>  how [fast|slow] (default fast)',
      '  --tag <value>   image tag',
      '  --json          print JSON',
      '  --verbose       show each docker command and HTTP request as it runs (VERBOSE=1)',
      '  --help          show this help',
      '',
      'Environment:',
      '  TRITON_HTTP_PORT  port of Triton',
      '  X                 a short one',
      '',
    ].join('\n'),
  )
  assert.is(ran.stderr, '', '--help runs nothing: no heading, no error')
  assert.is(ran.exitCode, undefined)
})

test('--help of a step that replaces no command and reads no environment has neither section', async () => {
  for (const env of [undefined, {}]) {
    const meta = { name: 'bare', summary: 'nothing else', flags: {}, ...(env && { env }) }
    const ran = await run(meta, ['--help'])
    assert.is(
      ran.stdout,
      [
        'bare — nothing else',
        '',
        'Options:',
        '  --verbose  show each docker command and HTTP request as it runs (VERBOSE=1)',
        '  --help     show this help',
        '',
      ].join('\n'),
    )
  }
})

test('--help records nothing: make report must not show a step that was only asked for its flags', async () => {
  const dir = nextStateDir()
  await run({ name: 'asked', summary: 'asked for help', flags: {} }, ['--help'])
  assert.is(recorded(dir, 'asked'), undefined)
})

test('a step is recorded as running while its body runs, then as done with exit code 0', async () => {
  const dir = nextStateDir()
  const meta = { name: 'works', summary: 'a step that works', replaces: 'docker ps', flags: {} }
  let during: Record<string, unknown> | undefined
  const before = Date.now()
  const ran = await run(meta, [], async () => {
    during = recorded(dir, 'works')
  })
  const after = recorded(dir, 'works')
  assert.equal(during && { ...during, started: '' }, {
    step: 'works',
    summary: 'a step that works',
    replaces: 'docker ps',
    started: '',
    status: 'running',
  })
  assert.ok(after, 'nothing recorded')
  assert.equal(
    { ...after, started: '', finished: '' },
    { ...during, started: '', finished: '', status: 'ok', exitCode: 0 },
  )
  const [started, finished] = [Date.parse(String(after.started)), Date.parse(String(after.finished))]
  assert.ok(before <= started && started <= finished && finished <= Date.now(), JSON.stringify(after))
  assert.is(ran.exitCode, undefined)
  assert.is(ran.stderr, '▶ a step that works\n  replaces: docker ps\n')
})

test('a step that fails with a StepError is recorded and reported with its cause, fix and exit code', async () => {
  const dir = nextStateDir()
  const ran = await run({ name: 'refused', summary: 'a step that fails', flags: {} }, [], async () => {
    throw fail('port 8000 is taken', 'free it or set TRITON_HTTP_PORT', 3)
  })
  const outcome = recorded(dir, 'refused')
  assert.equal(outcome && { ...outcome, started: '', finished: '' }, {
    step: 'refused',
    summary: 'a step that fails',
    started: '',
    finished: '',
    status: 'failed',
    exitCode: 3,
    cause: 'port 8000 is taken',
    fix: 'free it or set TRITON_HTTP_PORT',
  })
  assert.is(ran.exitCode, 3)
  assert.is(ran.stderr, '▶ a step that fails\n✖ port 8000 is taken\n  → free it or set TRITON_HTTP_PORT\n')
})

// A bug is not the user's to fix: exit code 70 (EX_SOFTWARE), its message, and a request to report it.
const bug = 'this is a bug in triton-monitoring: please report it with the output above'

for (const [what, thrown, cause] of [
  [
    'an Error',
    new TypeError("Cannot read properties of undefined (reading 'id')"),
    "Cannot read properties of undefined (reading 'id')",
  ],
  ['a string', 'socket hang up', 'socket hang up'],
  ['null', null, 'null'],
] as const) {
  test(`a step whose body throws ${what} (a bug) is recorded as failed with exit code 70 and its message`, async () => {
    const dir = nextStateDir()
    const ran = await run({ name: 'buggy', summary: 'a step with a bug', flags: {} }, [], async () => {
      throw thrown
    })
    const outcome = recorded(dir, 'buggy')
    assert.equal(outcome && { ...outcome, started: '', finished: '' }, {
      step: 'buggy',
      summary: 'a step with a bug',
      started: '',
      finished: '',
      status: 'failed',
      exitCode: 70,
      cause,
    })
    assert.is(ran.exitCode, 70)
    assert.is(ran.stderr, `▶ a step with a bug\n✖ ${cause}\n  → ${bug}\n`)
  })
}

test('a step with record: false runs its body and leaves no record (make report itself)', async () => {
  const dir = nextStateDir()
  let ran = false
  await run({ name: 'report', summary: 'the report', record: false, flags: {} }, [], async () => {
    ran = true
  })
  assert.ok(ran)
  assert.is(recorded(dir, 'report'), undefined)
})

// A step that only reads the stack (make report, doctor) must not wait for a `make all` that holds it.
test("only a step that changes the stack takes the stack's lock, in its name", async () => {
  const reader = nextStateDir()
  await run({ name: 'reads', summary: 'reads the stack', flags: {} }, [])
  assert.not.ok(existsSync(join(reader, 'stack.lock')), 'a step without lock: true took the lock')
  const writer = nextStateDir()
  let holder: { step?: string; pid?: number } = {}
  await run({ name: 'changes', summary: 'changes the stack', lock: true, flags: {} }, [], async () => {
    holder = JSON.parse(readFileSync(join(writer, 'stack.lock'), 'utf8'))
  })
  assert.equal({ step: holder.step, pid: holder.pid }, { step: 'changes', pid: process.pid })
})

test('with DEBUG set, a bug also prints its stack trace; without, only the cause and the request to report it', async () => {
  const error = new Error('boom')
  error.stack = 'Error: boom\n    at body (demo.ts:3:9)'
  // Each run in a state folder of its own: nothing one leaves (a lock, a record) is met by the next.
  const failing = () => {
    nextStateDir()
    return run({ name: 'debugged', summary: 'debugging', flags: {} }, [], async () => {
      throw error
    })
  }
  delete process.env.DEBUG
  assert.is((await failing()).stderr, `▶ debugging\n✖ boom\n  → ${bug}\n`)
  process.env.DEBUG = '1'
  assert.is((await failing()).stderr, `▶ debugging\n✖ boom\n  → ${bug}\nError: boom\n    at body (demo.ts:3:9)\n`)
  // An error without a stack (deleted, or a stand-in's) prints an empty trace, not a made-up one.
  error.stack = undefined
  const bare = await failing()
  assert.is(bare.stderr, `▶ debugging\n✖ boom\n  → ${bug}\n\n`)
  assert.is(bare.exitCode, 70)
})

test('a StepError names itself: an uncaught one reads "StepError: <cause>", not "Error"', () => {
  const error = fail('port 8000 is taken', 'free it')
  assert.instance(error, StepError)
  assert.is(String(error), 'StepError: port 8000 is taken')
  assert.is(error.exitCode, 1, 'a failure exits 1 unless it says otherwise')
})

test.run()
