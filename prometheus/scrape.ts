// What Prometheus scrapes and how often: the interval, and the Triton targets file (file_sd) it
// watches beside prometheus.yml (config.ts says why a file). Apart from the YAML rendering, so the
// steps that only need these facts (02-triton writes the file, 06-datasource passes the interval
// on to Grafana) do not load a YAML library.
import { tritonTarget } from '../scripts/lib/triton/names.ts'

/**
 * How often Prometheus scrapes Triton. Grafana's datasource gets the same value as its scrape interval
 * (`jsonData.timeInterval`, step 06): otherwise Grafana assumes 15 s and `$__rate_interval` never drops under 60 s.
 */
export const SCRAPE_INTERVAL = '5s'

/** The Triton targets file beside prometheus.yml: written by 02-triton and 03-prometheus, read by Prometheus. */
export const TRITON_TARGETS_FILE = 'triton-targets.json'

/** The targets file's text: one group, one target per Triton container (`<name>:8002`). */
export function tritonTargetsJson(containers: string[]): string {
  return `${JSON.stringify([{ targets: containers.map(tritonTarget) }], null, 2)}\n`
}
