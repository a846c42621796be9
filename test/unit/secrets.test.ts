// The state folder and the secrets in it: created private, a folder others can read refused, a
// hand-written file narrowed to 0600, and a broken folder or file named with its fix, not a crash.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StepError } from '../../scripts/lib/step/fail.ts'
import {
  readSecret,
  readStateFile,
  removeSecret,
  stateDir,
  stateDirName,
  stateDirProblem,
  writeSecret,
} from '../../scripts/lib/state/secrets.ts'
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

/**
 * Runs `call` (an expression of `secrets`, this module) in a root process without the capabilities
 * that let root pass others' permissions (setpriv, util-linux), so it is denied as any user is: the
 * suites run as root, which the steps' "permission denied" path never meets otherwise. Returns the
 * StepError it throws, or fails.
 */
function deniedAsAUser(call: string, stateDir: string, drop = ['dac_override', 'dac_read_search']) {
  const secrets = new URL('../../scripts/lib/state/secrets.ts', import.meta.url).href
  const code = `const secrets = await import(${JSON.stringify(secrets)})
    try { ${call}; console.log('{}') } catch (e) { console.log(JSON.stringify({ cause: e.cause_, fix: e.fix })) }`
  const child = spawnSync(
    'setpriv',
    [
      `--bounding-set=${drop.map((c) => `-${c}`).join(',')}`,
      process.execPath,
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      code,
    ],
    { env: { ...process.env, STATE_DIR: stateDir }, encoding: 'utf8', timeout: 30_000 },
  )
  assert.is(child.status, 0, `setpriv (needs root, as the suites run): ${child.error ?? child.stderr}`)
  const error = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { cause?: string; fix?: string }
  assert.ok(error.cause, `${call} threw no StepError`)
  return error as { cause: string; fix: string }
}

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

// Each of the six group and other bits alone is refused (0750, 0720, 0710, 0704, 0702, 0701), and
// the owner's bits alone are not: a test of 0755 only let a group-readable folder through.
for (const bit of [0o040, 0o020, 0o010, 0o004, 0o002, 0o001]) {
  const octal = (0o700 | bit).toString(8).padStart(4, '0')
  test(`a state folder of mode ${octal} is refused`, () => {
    const dir = useState()
    mkdirSync(dir, { mode: 0o700 })
    chmodSync(dir, 0o700 | bit)
    throwsStepError(() => stateDir(), new RegExp(`mode ${octal}[\\s\\S]*chmod 700`))
  })
}

test('a state folder of mode 0700 is accepted', () => {
  const dir = useState()
  mkdirSync(dir, { mode: 0o700 })
  chmodSync(dir, 0o700)
  assert.is(stateDir(), dir)
})

// A hand-written secret with any one group or other bit is narrowed; one of 0600 is left as it is.
for (const bit of [0o040, 0o020, 0o004, 0o002]) {
  const octal = (0o600 | bit).toString(8).padStart(4, '0')
  test(`a secret file of mode ${octal} is narrowed to 0600`, () => {
    const dir = useState()
    mkdirSync(dir, { mode: 0o700 })
    writeFileSync(join(dir, 'pw'), 'pw-of-a-bit\n')
    chmodSync(join(dir, 'pw'), 0o600 | bit)
    assert.is(readSecret('pw'), 'pw-of-a-bit')
    assert.is(mode(join(dir, 'pw')), 0o600)
  })
}

test('a STATE_DIR that is a file is named, not a crash', () => {
  const dir = useState()
  writeFileSync(dir, 'not a folder')
  // Creating it is what fails, and says so: the check after it would name ENOTDIR instead.
  throwsStepError(() => readSecret('token'), /\(EEXIST\)/)
})

test("a STATE_DIR that is another user's file is named as not a folder, not as theirs to take", () => {
  const dir = useState()
  writeFileSync(dir, 'not a folder')
  chownSync(dir, 65534, 65534)
  const problem = stateDirProblem(dir)
  assert.match(problem!.cause_, /cannot use the state file or folder .* \(ENOTDIR\)/)
  assert.not.match(problem!.cause_, /owned by/)
})

test("a state folder that cannot be made inside another user's private folder names that user", () => {
  const theirs = join(work, 'theirs')
  mkdirSync(theirs, { mode: 0o700 })
  chownSync(theirs, 65534, 65534)
  // Three levels down: the owner is found by walking up to the nearest folder that answers.
  const error = deniedAsAUser('secrets.stateDir()', join(theirs, 'a', 'b', 'state'))
  assert.match(error.cause, new RegExp(`${join(theirs, 'a', 'b', 'state')} is owned by nobody`))
  assert.match(error.fix, /sudo chown -R root /)
})

test('a state folder of your own that you may not write into is named with its error, not an owner', () => {
  const dir = useState()
  mkdirSync(dir, { mode: 0o500 })
  const error = deniedAsAUser('secrets.stateDir()', dir)
  assert.match(error.cause, /cannot use the state file or folder .* \(EACCES\)/)
})

test('a secret file another user left readable, which you may not narrow, names that user', () => {
  const dir = useState()
  mkdirSync(dir, { mode: 0o700 })
  writeFileSync(join(dir, 'pw'), 'their-password\n', { mode: 0o644 })
  chownSync(join(dir, 'pw'), 65534, 65534)
  // chmod of a file you do not own is EPERM (fowner dropped too), not EACCES.
  const error = deniedAsAUser("secrets.readSecret('pw')", dir, ['dac_override', 'dac_read_search', 'fowner'])
  assert.match(error.cause, /pw is owned by nobody/)
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

test('make doctor on a STATE_DIR that is a file: named as not a folder', () => {
  const path = join(work, 'a-file')
  writeFileSync(path, 'x')
  const problem = stateDirProblem(path)
  assert.instance(problem, StepError)
  assert.match(problem!.cause_, /ENOTDIR/)
})

test('a state folder another user owns is refused, naming the owner and how to take it', () => {
  // Root reads any folder, so only the owner check can refuse it.
  assert.is(process.getuid?.(), 0, 'this check needs root, as the suites run')
  const dir = useState()
  mkdirSync(dir, { mode: 0o700 })
  chownSync(dir, 65534, 65534)
  throwsStepError(() => stateDir(), /is owned by (nobody|65534)[\s\S]*sudo chown -R/)
})

test('a 0600 secret is read without a word; only a wider one is narrowed, and said so', () => {
  const dir = useState()
  mkdirSync(dir, { mode: 0o700 })
  writeFileSync(join(dir, 'pw'), 'private-password\n', { mode: 0o600 })
  const said: string[] = []
  const write = process.stderr.write
  process.stderr.write = ((chunk: string | Uint8Array) => {
    said.push(String(chunk))
    return true
  }) as typeof process.stderr.write
  try {
    assert.is(readSecret('pw'), 'private-password')
  } finally {
    process.stderr.write = write
  }
  assert.equal(said, [])
})

test('a state folder owned by a uid with no name is named by its number', () => {
  const dir = useState()
  mkdirSync(dir, { mode: 0o700 })
  chownSync(dir, 4242, 4242)
  throwsStepError(() => stateDir(), /is owned by uid 4242/)
})

test('state files: read as written, undefined when missing, a folder in their place named', () => {
  const dir = useState()
  mkdirSync(dir, { mode: 0o700 })
  assert.is(readStateFile('outcomes.json'), undefined)
  writeFileSync(join(dir, 'outcomes.json'), '{"a":1}\n')
  assert.is(readStateFile('outcomes.json'), '{"a":1}\n')
  mkdirSync(join(dir, 'folder.json'))
  throwsStepError(() => readStateFile('folder.json'), /EISDIR[\s\S]*delete/)
})

test('a removed secret is gone, and removing a missing one says there was none', () => {
  const dir = useState()
  mkdirSync(dir, { mode: 0o700 })
  writeFileSync(join(dir, 'token'), 'glsa_to_remove_1234\n', { mode: 0o600 })
  assert.is(removeSecret('token'), true)
  assert.is(readSecret('token'), undefined)
  assert.is(removeSecret('token'), false)
})

test('the state folder is .state unless STATE_DIR names another', () => {
  const saved = process.env.STATE_DIR
  try {
    delete process.env.STATE_DIR
    assert.is(stateDirName(), '.state')
    process.env.STATE_DIR = '/srv/tm-state'
    assert.is(stateDirName(), '/srv/tm-state')
  } finally {
    if (saved === undefined) delete process.env.STATE_DIR
    else process.env.STATE_DIR = saved
  }
})

test.run()
