// Tokens and generated passwords live in a git-ignored state folder, mode 0600; each one read or
// written is registered with mask.ts, so it is hidden wherever it would be printed.
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  type Stats,
  statSync,
} from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { writeFileAtomic } from './atomic-file.ts'
import { fail, type StepError } from '../step/fail.ts'
import { t } from '../output/i18n.ts'
import { crypto } from '../step/builtins.ts'
import { log } from '../output/log.ts'
import { registerSecret } from '../output/mask.ts'

function unusable(path: string, error: unknown, fix: string): StepError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
  // Denied: most often a state folder made by `sudo make …` and used as yourself, or the reverse.
  const owner = code === 'EACCES' || code === 'EPERM' ? ownerOf(path) : undefined
  if (owner !== undefined && owner !== process.getuid?.()) return ownedByAnother(path, owner)
  return fail(t('cannot use the state file or folder {path} ({code})', { path, code }), fix)
}

/** The uid that owns `path`, or its nearest existing parent's. */
function ownerOf(path: string): number | undefined {
  for (let at = path; ; at = dirname(at)) {
    try {
      return statSync(at).uid
    } catch {
      if (dirname(at) === at) return undefined
    }
  }
}

/** A user's name from /etc/passwd, or `uid <n>` when it has none there. */
function userName(uid: number): string {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(uid))
    if (line) return line.split(':')[0]!
  } catch {
    // No /etc/passwd to read: the number says it.
  }
  return `uid ${uid}`
}

/**
 * A state folder (or file) that belongs to someone else: never written into, even by root, since
 * files it made there would lock their owner out next. Named with the two ways out.
 */
function ownedByAnother(path: string, owner: number): StepError {
  const me = process.getuid?.()
  const who = userName(owner)
  const dir = resolve(stateDirName())
  return fail(
    t('{path} is owned by {who}', { path, who }),
    t('run as that user, or take the state folder: `sudo chown -R {idUn} {dir}`', {
      idUn: me === undefined ? '$(id -un)' : userName(me),
      dir,
    }),
  )
}

const checked = new Set<string>()

/** The state folder's name: STATE_DIR, or `.state` in the current folder. */
export function stateDirName(): string {
  return process.env.STATE_DIR || '.state'
}

/** Where a state file is, as messages name it: the real STATE_DIR, never a guessed `.state`. */
export function statePath(name: string): string {
  return resolve(stateDirName(), name)
}

const stateDirFix = (dir: string) =>
  t('point STATE_DIR at a folder you own, or remove {dir} so the next step creates it (mode 0700)', { dir })

/**
 * Why an existing state folder cannot be used, or undefined when it can. One that others can
 * read is refused rather than chmod-ed: STATE_DIR may point at a folder that is not ours to narrow.
 */
export function stateDirProblem(dir: string): StepError | undefined {
  let stat: Stats
  try {
    stat = statSync(dir)
    if (!stat.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' })
    const me = process.getuid?.()
    if (me !== undefined && stat.uid !== me) return ownedByAnother(resolve(dir), stat.uid)
    accessSync(dir, constants.W_OK | constants.X_OK)
  } catch (error) {
    return unusable(resolve(dir), error, stateDirFix(dir))
  }
  if (stat.mode & 0o077) {
    const octal = (stat.mode & 0o777).toString(8).padStart(4, '0')
    return fail(
      t('the state folder {resolve} is open to other users (mode {octal}), and it ' + 'holds passwords and tokens', {
        resolve: resolve(dir),
        octal,
      }),
      t('`chmod 700 {dir}`, or point STATE_DIR at a private folder', { dir }),
    )
  }
  return undefined
}

/** The state folder, created 0700 when missing; refused when it cannot be used (stateDirProblem). */
export function stateDir(): string {
  const dir = stateDirName()
  if (checked.has(dir)) return dir
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (error) {
    throw unusable(resolve(dir), error, stateDirFix(dir))
  }
  const problem = stateDirProblem(dir)
  if (problem) throw problem
  checked.add(dir)
  return dir
}

/**
 * A stored secret, or undefined when there is none. A file someone wrote by hand (as the fixes
 * for a lost admin password ask) is narrowed to 0600; one that cannot be a secret is refused.
 */
export function readSecret(name: string): string | undefined {
  const path = join(stateDir(), name)
  if (!existsSync(path)) return undefined
  const fix = t(
    'write the value alone on one line in {path}, or delete it and run the step ' +
      'that writes it (`make grafana` for the admin password, `make token` for the ' +
      'token)',
    { path },
  )
  let value: string
  try {
    if (statSync(path).mode & 0o077) {
      chmodSync(path, 0o600)
      log.change(t('{path} was readable by others: narrowed to mode 0600', { path }))
    }
    value = readFileSync(path, 'utf8').trim()
  } catch (error) {
    throw unusable(path, error, fix)
  }
  // A newline or control character inside would break the HTTP header the secret travels in.
  if (/[\x00-\x1f\x7f]/.test(value)) {
    throw fail(t('{path} is corrupted: it holds more than one line or control characters', { path }), fix)
  }
  registerSecret(value)
  return value || undefined
}

/** Writes atomically with mode 0600 so a crash never leaves a half-written or readable secret. */
export function writeSecret(name: string, value: string): string {
  registerSecret(value)
  const path = join(stateDir(), name)
  writeFileAtomic(path, `${value}\n`, 0o600)
  return path
}

/** A state-folder file that holds no secret (a step's outcome, the last load report): atomic, mode 0600 like the rest. */
export function writeStateFile(name: string, text: string): string {
  const path = join(stateDir(), name)
  writeFileAtomic(path, text, 0o600)
  return path
}

/** A state-folder file's text, or undefined when there is none. */
export function readStateFile(name: string): string | undefined {
  const path = join(stateDir(), name)
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw unusable(path, error, t('delete {path}; the step that writes it makes it again', { path }))
  }
}

/** Deletes a stored secret; true when there was one. */
export function removeSecret(name: string): boolean {
  const path = join(stateDir(), name)
  if (!existsSync(path)) return false
  rmSync(path, { force: true })
  return true
}

export function generatePassword(): string {
  return crypto().randomBytes(18).toString('base64url')
}
