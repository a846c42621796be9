// Why Alertmanager could not deliver a notification, told without the webhook URL. Up to 0.27
// Alertmanager writes the whole URL into the error it logs for a failed delivery (webhook.go
// errDetails; 0.25 also for a refused connection), tokens in its path or query included, and
// Debian's 0.25 runs in the tests. So a person is never sent to `docker logs alertmanager` for this:
// the drill reads the errors itself and shows them with every URL cut to its scheme and host and
// every registered secret masked (a receiver may echo its path or token in the body it answers).
import { runDocker } from '../engine/cli.ts'
import { maskSecrets } from '../output/mask.ts'

/** `http://user:pw@hook:8080/bot/X?token=Y` → `http://hook:8080/…`, in any text. */
export function redactUrls(text: string): string {
  // A URL in Go's errors ends at `: ` (errDetails, Retrier.Check), a quote (url.Error) or a space.
  return text.replace(
    /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^/\s"\\?#@]*@)?([^/\s"\\?#:]+(?::\d+)?)[^\s"\\]*?(?=: |\\?"|\s|$)/gi,
    '$1$2/…',
  )
}

/** `err="…"` of one logfmt line (go-kit in 0.25 to 0.27, slog from 0.28), unquoted. */
const errValue = (line: string) => /\berr="((?:[^"\\]|\\.)*)"/.exec(line)?.[1]?.replace(/\\(["\\])/g, '$1')

/** At most this much of one error: the status code and the start of the receiver's answer. */
const MAX_ERROR = 300

/**
 * Alertmanager's errors for failed notifications (`Notify attempt failed…`, `Notify for alerts
 * failed`) in its container's log since `since` (RFC 3339), newest last, each once, URLs cut and
 * secrets masked. Empty when the log has none or cannot be read.
 */
export function notifyErrorsIn(log: string, max = 2): string[] {
  const errors = log
    .split('\n')
    .filter((line) => /msg="Notify (attempt failed|for alerts failed)/.test(line))
    .map(errValue)
    .filter((error): error is string => !!error)
    .map((error) => {
      const shown = maskSecrets(redactUrls(error))
      return shown.length > MAX_ERROR ? `${shown.slice(0, MAX_ERROR)}…` : shown
    })
  return [...new Set(errors)].slice(-max)
}

export async function notifyErrors(container: string, since: string, max = 2): Promise<string[]> {
  const out = await runDocker(['logs', '--since', since, container])
  return out.exitCode === 0 ? notifyErrorsIn(out.stdall, max) : []
}
