// The folder Prometheus reads (mounted at /etc/prometheus): prometheus.yml and rules.yml, rendered
// by 03-prometheus, and the Triton targets file, which 02-triton keeps in step with the replicas it
// runs. Generated, with this machine's names: in the state folder, never the committed prometheus/.
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { TRITON_TARGETS_FILE, tritonTargetsJson } from '../../../prometheus/scrape.ts'
import { writeFileAtomic } from '../state/atomic-file.ts'
import { stateDir } from '../state/secrets.ts'
import type { Config } from '../step/config.ts'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'

/** Where the folder is in Prometheus's container. */
export const CONFIG_IN_CONTAINER = '/etc/prometheus'
/** The folder in the state folder the files go to when PROMETHEUS_CONFIG_DIR is unset. */
export const RENDERED = 'prometheus'

export const renderedDir = (config: Config) => resolve(config.prometheus.configDir ?? join(stateDir(), RENDERED))

/** Writes the files (each replaced whole, by rename); says whether any of them changed. */
export function writeFiles(dir: string, files: Record<string, string>): boolean {
  mkdirSync(dir, { recursive: true })
  // The container runs as an unprivileged user: the folder and files must be world-readable.
  chmodSync(dir, 0o755)
  let changed = false
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name)
    changed ||= !existsSync(path) || readFileSync(path, 'utf8') !== text
    writeFileAtomic(path, text, 0o644)
  }
  return changed
}

/**
 * Lists `containers` as Prometheus's Triton targets. Prometheus watches the file and scrapes the new
 * list within seconds: no reload, no restart, whatever the count.
 */
export function writeTritonTargets(config: Config, containers: string[]): void {
  const dir = renderedDir(config)
  if (writeFiles(dir, { [TRITON_TARGETS_FILE]: tritonTargetsJson(containers) })) {
    log.change(
      t('{dir}/{TRITON_TARGETS_FILE} lists {containers}: Prometheus scrapes them from now on', {
        dir,
        TRITON_TARGETS_FILE,
        containers: containers.join(t(', ')),
      }),
    )
  }
}

/** The targets the file lists (`triton:8002`, …), or undefined when there is no readable file. */
export function listedTargets(dir: string): string[] | undefined {
  try {
    const groups = JSON.parse(readFileSync(join(dir, TRITON_TARGETS_FILE), 'utf8')) as { targets?: string[] }[]
    return groups.flatMap((g) => g.targets ?? [])
  } catch {
    return undefined
  }
}
