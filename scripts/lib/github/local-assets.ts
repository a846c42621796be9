// The files `make publish` uploads, read and checked before any request: the exported dashboard,
// and with --with-prometheus the Prometheus config and its rules files. A name GitHub would rename,
// or two files with one asset name, stop the step.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { fail } from '../step/fail.ts'
import { t } from '../output/i18n.ts'
import { sha256 } from './release-notes.ts'
import type { UploadFile } from './releases.ts'

const PROMETHEUS_DIR = 'prometheus'

/** A file to publish: where it is read from, and what is uploaded. */
export interface LocalAsset extends UploadFile {
  path: string
}

const contentTypes: Record<string, string> = {
  '.json': 'application/json',
  '.yml': 'application/yaml',
  '.yaml': 'application/yaml',
}

export function readAsset(path: string): LocalAsset {
  let data: Buffer
  try {
    data = readFileSync(path)
  } catch (error) {
    throw fail(
      t('cannot read {path}: {message}', { path, message: (error as Error).message }),
      path.endsWith('.json')
        ? t('export the dashboard first: make dashboards')
        : t('write {path} first, or leave out --with-prometheus', { path }),
    )
  }
  const name = basename(path)
  // GitHub silently renames other names, and a renamed asset would never be found to replace.
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name)) {
    throw fail(
      t('{path}: GitHub would rename the asset "{name}"', { path, name }),
      t('rename the file with letters, digits, ".", "_" and "-" only'),
    )
  }
  return {
    name,
    path,
    data,
    size: data.length,
    sha256: sha256(data),
    contentType: contentTypes[extname(name)] ?? 'application/octet-stream',
  }
}

/**
 * prometheus/prometheus.yml first, then the other YAML files under prometheus/ (the rules),
 * leaving out promtool's unit tests of the rules (`*.test.yml`), which Prometheus never loads.
 */
export function prometheusFiles(): string[] {
  const config = join(PROMETHEUS_DIR, 'prometheus.yml')
  let found: string[] = []
  try {
    found = readdirSync(PROMETHEUS_DIR, { recursive: true, encoding: 'utf8' })
      .map((entry) => join(PROMETHEUS_DIR, entry))
      .filter(
        (path) => /\.ya?ml$/.test(path) && !/\.test\.ya?ml$/.test(path) && path !== config && statSync(path).isFile(),
      )
      .sort()
  } catch {
    // A missing folder is reported below, by the missing prometheus.yml.
  }
  return [config, ...found]
}

/** The assets, or a stop when two of them would get the same asset name. */
export function uniqueNames(assets: LocalAsset[]): LocalAsset[] {
  const seen = new Map<string, string>()
  for (const asset of assets) {
    const other = seen.get(asset.name)
    if (other) {
      throw fail(
        t('{other} and {path} would both be the release asset "{name}"', { other, path: asset.path, name: asset.name }),
        t('rename one of them'),
      )
    }
    seen.set(asset.name, asset.path)
  }
  return assets
}
