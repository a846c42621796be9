// Regenerates schema.ts from Grafana's OpenAPI spec (`npm run generate:grafana`).
// Usage: node --import tsx scripts/lib/grafana/generate.ts <spec.json> <out.ts>
// Examples are dropped before generation: they are documentation the types do not need, and
// Grafana's spec uses a real-looking service-account key as one, which must not land in git.
import { readFileSync, writeFileSync } from 'node:fs'
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript'

function withoutExamples(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutExamples)
  if (node === null || typeof node !== 'object') return node
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'example' && key !== 'examples')
      .map(([key, value]) => [key, withoutExamples(value)]),
  )
}

const [specPath, outPath] = process.argv.slice(2)
if (!specPath || !outPath) {
  process.stderr.write('usage: generate.ts <spec.json> <out.ts>\n')
  process.exit(2)
}
const spec = withoutExamples(JSON.parse(readFileSync(specPath, 'utf8')))
const ast = await openapiTS(spec as Parameters<typeof openapiTS>[0])
writeFileSync(outPath, COMMENT_HEADER + astToString(ast))
