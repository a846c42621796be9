// The files `make publish` uploads, read and checked before any request: the exported dashboard,
// and with --with-prometheus the Prometheus config and its rules files. A name GitHub would rename,
// or two files with one asset name, stop the step.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { fail } from '../step/fail.ts'
import { tr } from '../output/i18n.ts'
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
      tr(`cannot read ${path}: ${(error as Error).message}`, `无法读取 ${path}：${(error as Error).message}`),
      path.endsWith('.json')
        ? tr('export the dashboard first: make dashboards', '请先导出仪表盘：make dashboards')
        : tr(`write ${path} first, or leave out --with-prometheus`, `请先生成 ${path}，或去掉 --with-prometheus`),
    )
  }
  const name = basename(path)
  // GitHub silently renames other names, and a renamed asset would never be found to replace.
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name)) {
    throw fail(
      tr(`${path}: GitHub would rename the asset "${name}"`, `${path}：GitHub 会重命名资源文件 "${name}"`),
      tr('rename the file with letters, digits, ".", "_" and "-" only', '请只用字母、数字、"."、"_"、"-" 重命名该文件'),
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
        tr(
          `${other} and ${asset.path} would both be the release asset "${asset.name}"`,
          `${other} 和 ${asset.path} 会成为同名资源文件 "${asset.name}"`,
        ),
        tr('rename one of them', '请重命名其中一个'),
      )
    }
    seen.set(asset.name, asset.path)
  }
  return assets
}
