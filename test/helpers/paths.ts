// Where the repository and its reference data are. The reference data (upstream specs, schemas,
// real metric scrapes) is committed under test/reference/ with its provenance in the README
// there, so a clone alone runs every test: nothing reads a path outside the repository.
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const referenceDir = resolve(repoRoot, 'test/reference')
/** Grafana's HTTP API (OpenAPI 3, the endpoints the steps use). The Grafana stand-in imports the same file. */
export const grafanaSpecPath = resolve(referenceDir, 'grafana/openapi3-subset.json')
/** Grafana's dashboard JSON model and panel schemas, from grafana-foundation-sdk. */
export const dashboardSchemaDir = resolve(referenceDir, 'grafana/dashboard-schema')
/** A file of test/reference/triton/: real Triton scrapes and model configurations. */
export const tritonReference = (name: string) => resolve(referenceDir, 'triton', name)
