// One shape for every step script: typed flags, `--help` that says what the step does and the
// manual command it replaces, `--verbose` that shows each docker command and HTTP request as it
// runs, and bad flags answered with a cause, a fix and exit code 2.
import { parseArgs } from 'node:util'
import { color } from '../output/color.ts'
import { fail, runStep, StepError } from './fail.ts'
import { chinese, t } from '../output/i18n.ts'
import { log, setVerbose } from '../output/log.ts'
import { recordOutcome, type StepOutcome } from '../state/outcomes.ts'
import { lockStack } from '../state/lock.ts'

export type FlagSpec =
  | {
      type: 'string'
      help: string
      default?: string
      choices?: readonly string[]
      maxLength?: number
      /** The step's own check of a given value (throws its StepError); it then also judges an empty one. */
      validate?: (value: string) => unknown
    }
  | { type: 'number'; help: string; default?: number; min?: number; max?: number; integer?: boolean }
  | { type: 'boolean'; help: string }

type FlagValue<S extends FlagSpec> = S extends { type: 'boolean' }
  ? boolean
  : S extends { type: 'number'; default: number }
    ? number
    : S extends { type: 'number' }
      ? number | undefined
      : S extends { type: 'string'; default: string }
        ? string
        : string | undefined

export type FlagValues<F extends Record<string, FlagSpec>> = { [K in keyof F]: FlagValue<F[K]> }

export interface StepMeta<F extends Record<string, FlagSpec>> {
  /** Script name as a user types it, e.g. `01-network`. */
  name: string
  /** One line: what the step does. */
  summary: string
  /** The manual command(s) of the tutorial this step replaces. */
  replaces?: string
  /** Environment variables the step reads, with their meaning. */
  env?: Record<string, string>
  flags: F
  /** Keep the outcome in the state folder for `make report` (default true; the report itself does not). */
  record?: boolean
  /** The step changes the stack: one such step at a time per state folder (state/lock.ts). */
  lock?: boolean
}

function usage<F extends Record<string, FlagSpec>>(meta: StepMeta<F>): string {
  const lines = [`${color.bold(meta.name)} — ${meta.summary}`, '']
  if (meta.replaces) lines.push(t('Replaces:'), `  ${meta.replaces}`, '')
  lines.push(t('Options:'))
  const entries: [string, string][] = Object.entries(meta.flags).map(([name, spec]) => {
    const arg = spec.type === 'boolean' ? '' : spec.type === 'number' ? ' <n>' : ' <value>'
    const def = 'default' in spec && spec.default !== undefined ? color.dim(` (${t('default')} ${spec.default})`) : ''
    const choices = spec.type === 'string' && spec.choices ? color.dim(` [${spec.choices.join('|')}]`) : ''
    return [`--${name}${arg}`, spec.help + choices + def]
  })
  entries.push(
    ['--verbose', t('show each docker command and HTTP request as it runs (VERBOSE=1)')],
    ['--help', t('show this help')],
  )
  const width = Math.max(...entries.map(([f]) => f.length))
  for (const [flag, help] of entries) lines.push(`  ${flag.padEnd(width)}  ${help}`)
  if (meta.env && Object.keys(meta.env).length) {
    lines.push('', t('Environment:'))
    const w = Math.max(...Object.keys(meta.env).map((k) => k.length))
    for (const [k, v] of Object.entries(meta.env)) lines.push(`  ${k.padEnd(w)}  ${v}`)
  }
  return lines.join('\n')
}

export function parseFlags<F extends Record<string, FlagSpec>>(
  meta: StepMeta<F>,
  argv: string[],
): FlagValues<F> | 'help' {
  // Every step's own: --help here, --verbose for the whole run (the log shows commands from now on).
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    help: { type: 'boolean' },
    verbose: { type: 'boolean' },
  }
  for (const [name, spec] of Object.entries(meta.flags))
    options[name] = { type: spec.type === 'boolean' ? 'boolean' : 'string' }
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false })
  } catch (error) {
    throw fail(
      parseError(error as NodeJS.ErrnoException, argv),
      t('run `{name} --help` for the flags it takes', { name: meta.name }),
      2,
    )
  }
  if (parsed.values.help) return 'help'
  if (parsed.values.verbose) setVerbose(true)
  const values: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(meta.flags)) {
    const raw = parsed.values[name]
    if (spec.type === 'boolean') {
      values[name] = raw === true
    } else if (spec.type === 'string') {
      if (typeof raw === 'string' && spec.validate) spec.validate(raw)
      // `--name ''` is never a name: refused here, before it reaches anything (a search for '' matches all).
      if (typeof raw === 'string' && raw.trim() === '') {
        throw fail(
          t('--{name} is empty', { name }),
          spec.default === undefined
            ? t('pass a value, or leave --{name} out', { name })
            : t('pass a value, or leave it out for {default}', { default: spec.default }),
          2,
        )
      }
      if (typeof raw === 'string' && spec.maxLength !== undefined && raw.length > spec.maxLength) {
        throw fail(
          t('--{name} is {rawLength} characters long; it takes at most {maxLength}', {
            name,
            rawLength: raw.length,
            maxLength: spec.maxLength,
          }),
          t('pass a shorter --{name}', { name }),
          2,
        )
      }
      const value = (raw as string | undefined) ?? spec.default
      if (value !== undefined && spec.choices && !spec.choices.includes(value)) {
        throw fail(
          t('--{name} must be one of {choices}, not "{value}"', { name, choices: spec.choices.join(', '), value }),
          t('pass e.g. --{name} {choices}', { name, choices: String(spec.choices[0]) }),
          2,
        )
      }
      values[name] = value
    } else {
      values[name] = raw === undefined ? spec.default : parseNumberFlag(name, raw as string, spec)
    }
  }
  return values as FlagValues<F>
}

/**
 * node:util's parseArgs speaks English only: its message as it is, or its three errors, by code,
 * in Chinese (the English of those is the catalog's key only).
 */
function parseError(error: NodeJS.ErrnoException, argv: string[]): string {
  if (!chinese) return error.message
  // The first quoted text: from a quote to the next one that ends a word, so an argument that is
  // itself a quote (''') is still named.
  const what = error.message.match(/'(.*?)'(?=[\s.,:]|$)/)?.[1] ?? ''
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return t('unknown option {what}', { what })
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return t('unexpected argument {what}: this step takes --options only', { what })
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(error.message)) return t('option {what} needs a value', { what })
      // `--concurrency -1`: a value that starts with a dash reads as another option.
      if (/ambiguous/.test(error.message)) {
        const value = argv.find((arg, i) => argv[i - 1] === what && arg.startsWith('-'))
        return t('the value after option {what} starts with a dash and reads as an option: write it as {example}', {
          what,
          example: `${what}=${value}`,
        })
      }
      return t('option {what} takes no value', { what })
    default:
      return error.message
  }
}

function parseNumberFlag(name: string, raw: string, spec: Extract<FlagSpec, { type: 'number' }>): number {
  const value = raw.trim() === '' ? NaN : Number(raw)
  const bad =
    !Number.isFinite(value) ||
    (spec.integer && !Number.isInteger(value)) ||
    (spec.min !== undefined && value < spec.min) ||
    (spec.max !== undefined && value > spec.max)
  if (bad) {
    const kind = spec.integer ? t('a whole number') : t('a number')
    const { min, max } = spec
    const range =
      min !== undefined && max !== undefined
        ? t('{kind} from {min} to {max}', { kind, min, max })
        : min !== undefined
          ? `${kind} >= ${min}`
          : max !== undefined
            ? `${kind} <= ${max}`
            : kind
    throw fail(
      t('--{name} must be {range}, not "{raw}"', { name, range, raw }),
      t('pass e.g. --{name} {default}', { name, default: spec.default ?? spec.min ?? 1 }),
      2,
    )
  }
  return value
}

/** A flag that names a web address: http(s) only, refused with exit code 2 before anything is sent. */
export function assertHttpUrl(name: string, value: string, example: string): void {
  let parsed: URL | undefined
  try {
    parsed = new URL(value)
  } catch {
    /* reported below */
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol)) {
    throw fail(
      t('--{name} "{value}" is not an http:// address', { name, value }),
      t('pass e.g. --{name} {example}', { name, example }),
      2,
    )
  }
}

/**
 * Declares a step script: parses flags (or prints --help), then runs the body with failures
 * turned into cause/fix messages. Top-level usage: `await step({...}, async (flags) => {...})`.
 */
export async function step<F extends Record<string, FlagSpec>>(
  meta: StepMeta<F>,
  body: (flags: FlagValues<F>) => Promise<void>,
): Promise<void> {
  await runStep(async () => {
    const flags = parseFlags(meta, process.argv.slice(2))
    if (flags === 'help') {
      process.stdout.write(`${usage(meta)}\n`)
      return
    }
    log.step(meta.summary)
    if (meta.replaces) log.replaces(meta.replaces)
    if (meta.lock) await lockStack(meta.name)
    if (meta.record === false) return body(flags)
    const outcome: StepOutcome = {
      step: meta.name,
      summary: meta.summary,
      replaces: meta.replaces,
      started: new Date().toISOString(),
      status: 'running',
    }
    recordOutcome(outcome)
    try {
      await body(flags)
      recordOutcome({ ...outcome, finished: new Date().toISOString(), status: 'ok', exitCode: 0 })
    } catch (error) {
      const known = error instanceof StepError
      recordOutcome({
        ...outcome,
        finished: new Date().toISOString(),
        status: 'failed',
        exitCode: known ? error.exitCode : 70,
        cause: known ? error.cause_ : String((error as Error)?.message ?? error),
        fix: known ? error.fix : undefined,
      })
      throw error
    }
  })
}
