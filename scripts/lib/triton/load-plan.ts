// What 08-load sends and where: the plan (how many, how long, at what rate) from its flags, and
// the endpoints (one per replica, or those --url lists) with the container whose log explains each.
import { assertHttpUrl } from '../step/cli.ts'
import { type Config, url as portUrl } from '../step/config.ts'
import type { Plan } from './load-run.ts'

export const MAX_REQUESTS = 1_000_000
export const DEFAULT_REQUESTS = 1000

export function makePlan(flags: { requests?: number; duration?: number; rate?: number }): Plan {
  const count =
    flags.requests ??
    (flags.duration === undefined
      ? DEFAULT_REQUESTS
      : flags.rate
        ? Math.min(MAX_REQUESTS, Math.ceil(flags.rate * flags.duration))
        : MAX_REQUESTS)
  return {
    count,
    durationMs: flags.duration === undefined ? undefined : flags.duration * 1000,
    rate: flags.rate,
  }
}

/** Where the load goes: one Triton HTTP endpoint per replica, with the container whose log explains it. */
export interface Endpoint {
  /** The replica's container, or the address for an endpoint given with --url. */
  name: string
  url: string
  container: string
}

/** Every replica of TRITON_REPLICAS on its published HTTP port, or the endpoints --url lists. */
export function loadEndpoints(config: Config, urls: string | undefined): Endpoint[] {
  if (urls === undefined) {
    return config.triton.replicas.map((r) => ({ name: r.name, url: portUrl(config, r.httpPort), container: r.name }))
  }
  return urls.split(',').map((raw) => {
    const url = raw.trim()
    assertHttpUrl('url', url, 'http://127.0.0.1:8000')
    return { name: new URL(url).host, url, container: config.triton.container }
  })
}
