// Where the repository and the shared reference data are: CI puts shared/ beside the clone.
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const sharedDir = resolve(repoRoot, '../shared')
export const grafanaSpecPath = resolve(sharedDir, 'grafana/openapi3-subset.json')
