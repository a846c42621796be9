// Bundles every step script into one ESM file under dist/scripts, so a step starts with plain
// `node` (no TypeScript loader, no module graph walk): the cold start every `make all` step pays.
// What only some paths load (zx, Octokit, the report's charts, the Chinese catalog) sits beside
// them in dist/scripts/chunks. Tests bundle their own entries with the same options.
import { build, type BuildOptions, type Plugin } from 'esbuild'
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { relative, resolve } from 'node:path'
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

/**
 * What a step loads only on the paths that need it, each bundled once beside the steps as
 * dist/scripts/chunks/<name>.mjs: large, and none holds state a step's own modules share (the
 * charts keep a copy of i18n's pure t()). Every import of them is `await import(…)`.
 */
const lazy: Record<string, string> = {
  zx: 'zx',
  octokit: '@octokit/rest',
  charts: 'scripts/lib/report/charts.ts',
}
/** The Chinese catalog goes as it is, JSON that Node parses, read only in a Chinese locale (i18n.ts). */
const CATALOG = 'locales/zh-CN.json'

/** An import of a lazy module, or of the catalog, becomes a path to its file under `chunks`. */
function lazyChunks(chunks: string): Plugin {
  const byTarget = new Map<string, string>(Object.entries(lazy).map(([name, source]) => [source, `${name}.mjs`]))
  byTarget.set(CATALOG, 'zh-CN.json')
  return {
    name: 'lazy-chunks',
    setup(build) {
      build.onResolve({ filter: /^(zx|@octokit\/rest)$|(charts\.ts|zh-CN\.json)$/ }, (args) => {
        if (args.kind === 'entry-point') return undefined
        const target = args.path.startsWith('.') ? relative('.', resolve(args.resolveDir, args.path)) : args.path
        const file = byTarget.get(target)
        return file ? { path: `${chunks}${file}`, external: true } : undefined
      })
    },
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Each build replaces the chunks whole: none of an older build may linger (a copy of
  // dist/scripts carries the folder along).
  rmSync('dist/scripts/chunks', { recursive: true, force: true })
  mkdirSync('dist/scripts/chunks', { recursive: true })
  copyFileSync(CATALOG, 'dist/scripts/chunks/zh-CN.json')
  const steps = readdirSync('scripts').filter((f) => f.endsWith('.ts'))
  await Promise.all([
    build({
      ...nodeBundle,
      entryPoints: lazy,
      outdir: 'dist/scripts/chunks',
      outExtension: { '.js': '.mjs' },
      sourcemap: 'linked',
      plugins: [lazyChunks('./')],
    }),
    // One file per step, with every module it imports statically: Node reads, compiles and links
    // each file of a module graph on its own, so a step split into twenty shared chunks started
    // markedly slower than the same code in one file. What a step imports with `await import`
    // (its pull, its YAML) stays in the file, evaluated only when reached.
    ...steps.map((f) =>
      build({
        ...nodeBundle,
        entryPoints: [`scripts/${f}`],
        outfile: `dist/scripts/${f.replace(/\.ts$/, '.mjs')}`,
        sourcemap: 'linked',
        plugins: [lazyChunks('./chunks/')],
      }),
    ),
  ])
}
