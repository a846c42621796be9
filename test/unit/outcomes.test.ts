// The common step runner keeps each step's outcome in the state folder for `make report`: done or
// failed with its cause and fix, secrets masked, one small file per step; nothing for --help or a
// step that opts out, and a state folder it cannot write never changes the step's own result.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { repoRoot } from '../helpers/paths.ts'
import { runProcess } from '../helpers/process.ts'

const work = mkdtempSync(join(tmpdir(), 'outcomes-'))
const state = join(work, 'state')
// .mts: an ES module outside the package, so top-level await works.
const script = join(work, 'demo.mts')
writeFileSync(
  script,
  `import { step } from '${repoRoot}/scripts/lib/step/cli.ts'
import { fail } from '${repoRoot}/scripts/lib/step/fail.ts'
import { registerSecret } from '${repoRoot}/scripts/lib/output/mask.ts'
const name = process.env.DEMO_NAME ?? 'demo'
await step(
  { name, summary: 'a demo step', replaces: 'curl -u admin:hunter2-secret http://x', record: process.env.DEMO_RECORD !== 'no', flags: {} },
  async () => {
    registerSecret('hunter2-secret')
    if (process.env.DEMO_FAIL) throw fail('the server said hunter2-secret is wrong', 'run \`make token\`', 3)
  },
)
`,
)

const run = (env: Record<string, string>, args: string[] = []) =>
  runProcess(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { STATE_DIR: state, LANG: 'C', LC_ALL: '', LANGUAGE: '', ...env },
  })
const outcome = (name: string) => JSON.parse(readFileSync(join(state, 'steps', `${name}.json`), 'utf8'))

test.after(() => rmSync(work, { recursive: true, force: true }))

test('a step that succeeds is recorded as done, with its start, end and the command it replaces', async () => {
  const result = await run({ DEMO_NAME: 'ok-step' })
  assert.is(result.code, 0, result.text)
  const o = outcome('ok-step')
  assert.is(o.status, 'ok')
  assert.is(o.exitCode, 0)
  assert.is(o.summary, 'a demo step')
  assert.ok(Date.parse(o.started) <= Date.parse(o.finished))
  assert.not.ok(JSON.stringify(o).includes('hunter2-secret'), 'the secret in the command is not there')
})

test('a step that fails is recorded with its exit code, cause and fix, secrets masked', async () => {
  const result = await run({ DEMO_NAME: 'bad-step', DEMO_FAIL: '1' })
  assert.is(result.code, 3)
  const o = outcome('bad-step')
  assert.is(o.status, 'failed')
  assert.is(o.exitCode, 3)
  assert.match(o.cause, /the server said \*\*\*\*.* is wrong/)
  assert.is(o.fix, 'run `make token`')
  assert.not.ok(JSON.stringify(o).includes('hunter2-secret'))
})

test('--help and a step that opts out record nothing', async () => {
  assert.is((await run({ DEMO_NAME: 'help-step' }, ['--help'])).code, 0)
  assert.is((await run({ DEMO_NAME: 'quiet-step', DEMO_RECORD: 'no' })).code, 0)
  for (const name of ['help-step', 'quiet-step']) assert.throws(() => outcome(name), /ENOENT/, `${name} left no record`)
})

test("a state folder it cannot write does not change the step's result", async () => {
  const open = join(work, 'open')
  mkdirSync(open, { mode: 0o777 })
  chmodSync(open, 0o777)
  const result = await run({ DEMO_NAME: 'ok-step', STATE_DIR: open })
  assert.is(result.code, 0, result.text)
})

test('readOutcomes skips what it cannot read and sorts by step', async () => {
  writeFileSync(join(state, 'steps', 'broken.json'), '{"step": "broken", ')
  const reader = join(work, 'read.mts')
  writeFileSync(
    reader,
    `import { readOutcomes } from '${repoRoot}/scripts/lib/state/outcomes.ts'\n` +
      'console.log(JSON.stringify(readOutcomes().map((o) => o.step)))\n',
  )
  const { stdout } = await runProcess(process.execPath, ['--import', 'tsx', reader], { env: { STATE_DIR: state } })
  assert.equal(JSON.parse(stdout), ['bad-step', 'ok-step'])
})

test.run()
