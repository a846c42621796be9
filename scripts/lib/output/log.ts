// Short colored lines on stderr, so stdout stays clean for `--json` and `eval "$(make -s images)"`.
// With --verbose (VERBOSE=1 for make) each docker command and HTTP request is shown as it runs,
// in the form a learner could type, secrets masked.
import { color } from './color.ts'
import { t } from './i18n.ts'
import { mask, maskSecrets } from './mask.ts'

const out = (line: string) => process.stderr.write(`${line}\n`)

let verbose = /^(1|true|yes|on)$/i.test(process.env.VERBOSE?.trim() ?? '')

/** Turns the showing of commands and requests on (`--verbose`); VERBOSE=1 turns it on from the start. */
export function setVerbose(on: boolean): void {
  verbose = on
}

export const isVerbose = () => verbose

let hushing = false

/** Hides commands (true) or shows them again (false); returns how it was. poll.ts hushes a poll's repeats. */
export function hushCommands(on: boolean): boolean {
  const was = hushing
  hushing = on
  return was
}

const plain = /^[\w@%+=:,./-]+$/
const shellQuote = (arg: string) => (plain.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)

/** How much of a request body is shown: enough to see what is sent, not a whole dashboard. */
const BODY_SHOWN = 200

/** An HTTP request as `log.request` shows it. */
export interface ShownRequest {
  method?: string
  url: string
  /** The Authorization header as sent; shown with its secret masked (`-u admin:****`, `Bearer glsa_****abcd`). */
  authorization?: string | null
  body?: string | Uint8Array | null
  /** What a reader should know besides, e.g. that it is repeated until it answers. */
  note?: string
}

/**
 * A GET whose query needs encoding (PromQL) as curl builds it from readable parts,
 * `curl -G URL --data-urlencode 'query=sum(rate(…))'`; any other URL as it is.
 */
function target(method: string, url: string): string[] {
  const parsed = new URL(url)
  const params = [...parsed.searchParams]
  if (method !== 'GET' || params.every(([k, v]) => plain.test(k) && plain.test(v))) return [url]
  return ['-G', `${parsed.origin}${parsed.pathname}`, ...params.flatMap(([k, v]) => ['--data-urlencode', `${k}=${v}`])]
}

function curl({ method = 'GET', url, authorization, body }: ShownRequest): string[] {
  const argv = ['curl', ...(method === 'GET' ? [] : ['-X', method]), ...target(method, url)]
  const [scheme, credentials = ''] = authorization?.split(' ') ?? []
  if (scheme === 'Basic') argv.push('-u', `${Buffer.from(credentials, 'base64').toString().split(':')[0]}:****`)
  else if (scheme) argv.push('-H', `Authorization: ${scheme} ${mask(credentials)}`)
  if (typeof body === 'string' && body)
    argv.push('-d', body.length > BODY_SHOWN ? `${body.slice(0, BODY_SHOWN)}…` : body)
  else if (body?.length) argv.push('--data-binary', `@<${body.length} bytes>`)
  return argv
}

export const log = {
  /** The heading of a step: what it does. */
  step(title: string) {
    out(color.bold(color.cyan(`▶ ${title}`)))
  },
  /** The manual command this step replaces, secrets masked. */
  replaces(command: string) {
    out(color.dim(`  ${t('replaces: ')}${maskSecrets(command)}`))
  },
  info(message: string) {
    out(`  ${maskSecrets(message)}`)
  },
  ok(message: string) {
    out(color.green('  ✔ ') + maskSecrets(message))
  },
  change(message: string) {
    out(color.yellow('  ↻ ') + maskSecrets(message))
  },
  warn(message: string) {
    out(color.yellow('  ⚠ ') + maskSecrets(message))
  },
  error(cause: string, fix?: string) {
    out(color.red('✖ ') + maskSecrets(cause))
    if (fix) out(color.red('  → ') + maskSecrets(fix))
  },
  /** Raw line for tables and charts. */
  raw(text: string) {
    out(maskSecrets(text))
  },
  /** With --verbose: a command as it runs, e.g. `$ docker network create ai-monitor-net`. */
  command(argv: readonly string[], note?: string) {
    if (!verbose || hushing) return
    // A spinner may be drawn on the current line (poll.ts): start from a clean one.
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K')
    out(color.dim(`  $ ${maskSecrets(argv.map(shellQuote).join(' '))}${note ? `   # ${maskSecrets(note)}` : ''}`))
  },
  /** With --verbose: an HTTP request as it is sent, as the curl command that sends it. */
  request(request: ShownRequest) {
    log.command(curl(request), request.note)
  },
}
