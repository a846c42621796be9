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
import { stateDirs } from '../helpers/state-dir.ts'

const work = mkdtempSync(join(tmpdir(), 'step-runner-'))
const nextStateDir = stateDirs(work)
const savedStateDir = process.env.STATE_DIR
const savedDebug = process.env.DEBUG

test.after(() => {
  if (savedStateDir === undefined) delete process.env.STATE_DIR
  else process.env.STATE_DIR = savedStateDir
  rmSync(work, { recursive: true, force: true })
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

test.run()
