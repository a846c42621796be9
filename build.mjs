// Bundles every step script into one self-contained ESM file under dist/, so a step starts
// with plain `node` (no TypeScript loader, no module graph walk): the cold start every
// `make all` step pays.
import { build } from 'esbuild'
import { readdirSync } from 'node:fs'

const entryPoints = readdirSync('scripts')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `scripts/${f}`)

await build({
  entryPoints,
  outdir: 'dist/scripts',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Bundled CommonJS dependencies call require(); give ESM output one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
})
