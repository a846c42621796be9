// BIND_ADDRESS other than loopback works, but publishes the stack to the network: Triton answers
// anyone (it has no authentication), Prometheus runs with --web.enable-lifecycle (anyone can shut
// it down over HTTP), and Alertmanager's API silences alerts for whoever asks. Said once per
// `make` run (TM_RUN, exported by the Makefile), not by every step that publishes a port; a step
// run by hand says it every time.
import type { Config } from './config.ts'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { readStateFile, writeStateFile } from '../state/secrets.ts'

/** The state-folder file that remembers which run was told, so the next step of it is not told again. */
const NOTICE_FILE = 'exposure-notice'

function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1'
}

function told(said: string): boolean {
  try {
    return readStateFile(NOTICE_FILE) === said
  } catch {
    return false
  }
}

export function warnIfExposed(config: Config): void {
  if (isLoopback(config.bind)) return
  const run = process.env.TM_RUN
  const said = `${config.bind} ${run}\n`
  if (run && told(said)) return
  log.warn(
    t(
      "BIND_ADDRESS={bind} publishes the stack's ports to the network: Triton " +
        'answers anyone (it has no authentication), anyone can shut Prometheus down ' +
        '(--web.enable-lifecycle) and silence Alertmanager. Unset BIND_ADDRESS ' +
        '(127.0.0.1) unless that is what you want, e.g. on a trusted classroom network',
      { bind: config.bind },
    ),
  )
  if (run) {
    try {
      writeStateFile(NOTICE_FILE, said)
    } catch {
      // Told again by the next step: better than not at all.
    }
  }
}
