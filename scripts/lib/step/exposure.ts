// BIND_ADDRESS other than loopback works, but publishes the stack to the network: Triton answers
// anyone (it has no authentication), Prometheus runs with --web.enable-lifecycle (anyone can shut
// it down over HTTP), and Alertmanager's API silences alerts for whoever asks. Said once per
// `make` run (TM_RUN, exported by the Makefile), not by every step that publishes a port; a step
// run by hand says it every time.
import type { Config } from './config.ts'
import { tr } from '../output/i18n.ts'
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
    tr(
      `BIND_ADDRESS=${config.bind} publishes the stack's ports to the network: Triton answers anyone (it has no ` +
        'authentication), anyone can shut Prometheus down (--web.enable-lifecycle) and silence Alertmanager. ' +
        'Unset BIND_ADDRESS (127.0.0.1) unless that is what you want, e.g. on a trusted classroom network',
      `BIND_ADDRESS=${config.bind} 会把整套服务的端口发布到网络上：任何人都能访问 Triton（它没有身份验证），` +
        '任何人都能关闭 Prometheus（--web.enable-lifecycle）并静默 Alertmanager 的告警。' +
        '除非确实需要（例如在可信的教室网络中），请取消设置 BIND_ADDRESS（即 127.0.0.1）',
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
