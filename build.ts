// Bundles every step script into one self-contained ESM file under dist/, so a step starts
// with plain `node` (no TypeScript loader, no module graph walk): the cold start every
// `make all` step pays. Tests bundle their own entries with the same options.
import { build, type BuildOptions } from 'esbuild'
import { readdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const nodeBundle = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // subset-font (the Chinese report's font) loads WebAssembly from beside its own files through
  // __dirname: bundled, it finds neither. It stays in node_modules, imported when a report needs it.
  external: ['subset-font'],
  // Bundled CommonJS dependencies call require(); give ESM output one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
} satisfies BuildOptions

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Chunk names carry a hash of their content, so each build writes new files beside the old ones,
  // which nothing reads any more: they pile up (and a copy of dist/scripts carries them along).
  rmSync('dist/scripts/chunks', { recursive: true, force: true })
  await build({
    ...nodeBundle,
    entryPoints: readdirSync('scripts')
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `scripts/${f}`),
    outdir: 'dist/scripts',
    outExtension: { '.js': '.mjs' },
    sourcemap: 'linked',
    // What a step loads only when it needs it (`await import('zx')`) goes to a chunk of its own,
    // shared by the steps, so `--help` and a converged step do not parse it at start.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  })
}
