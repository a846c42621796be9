// The state folder and the secrets in it: created private, a folder others can read refused, a
// hand-written file narrowed to 0600, and a broken folder or file named with its fix, not a crash.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StepError } from '../../scripts/lib/step/fail.ts'
import { readSecret, stateDir, writeSecret } from '../../scripts/lib/state/secrets.ts'
import { stateDirs } from '../helpers/state-dir.ts'

const work = mkdtempSync(join(tmpdir(), 'secrets-test-'))
const useState = stateDirs(work)
const mode = (path: string) => statSync(path).mode & 0o777

function throwsStepError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn()
  } catch (error) {
    assert.instance(error, StepError, String(error))
    assert.match(`${(error as StepError).cause_} ${(error as StepError).fix}`, pattern)
    return
  }
  assert.unreachable('expected a StepError')
}

test.after(() => rmSync(work, { recursive: true, force: true }))

test('a new state folder is 0700 and a written secret 0600, read back as written', () => {
  const dir = useState()
  const path = writeSecret('token', 'glsa_abcdefghijkl_1234')
  assert.is(mode(dir), 0o700)
  assert.is(mode(path), 0o600)
  assert.is(readSecret('token'), 'glsa_abcdefghijkl_1234')
  assert.is(readSecret('absent'), undefined)
})

test('a state folder other users can read is refused with chmod 700 as the fix', () => {
  const dir = useState()
  mkdirSync(dir, { mode: 0o755 })
  chmodSync(dir, 0o755)
  throwsStepError(() => stateDir(), /0755[\s\S]*chmod 700/)
  assert.is(mode(dir), 0o755, 'a folder that may not be ours is not chmod-ed')
})

test('a STATE_DIR that is a file is named, not a crash', () => {
  const dir = useState()
  writeFileSync(dir, 'not a folder')
  throwsStepError(() => readSecret('token'), /EEXIST|ENOTDIR/)
})

test("a secret written by hand with the umask's mode is narrowed to 0600 and still read", () => {
  const dir = useState()
  mkdirSync(dir, { mode: 0o700 })
  writeFileSync(join(dir, 'pw'), 'hand-written-password\n')
  chmodSync(join(dir, 'pw'), 0o644)
  assert.is(readSecret('pw'), 'hand-written-password')
  assert.is(mode(join(dir, 'pw')), 0o600)
})

test('a corrupted secret (several lines) is refused, naming the file', () => {
  const dir = useState()
  mkdirSync(dir, { mode: 0o700 })
  writeFileSync(join(dir, 'token'), 'glsa_first\nsecond line\n', { mode: 0o600 })
  throwsStepError(() => readSecret('token'), /corrupted[\s\S]*one line/)
})

test('a secret path that is a folder is named, not a crash', () => {
  const dir = useState()
  mkdirSync(join(dir, 'token'), { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  throwsStepError(() => readSecret('token'), /EISDIR/)
})

test.run()
