// The import graph has no circle: a module that imports itself through others can only be read,
// tested and bundled as a knot. `npm run lint` runs this (madge, the usual import-graph tool);
// it prints each circle and exits 1.
// Usage: node --import tsx test/lint/circles.ts [folder or file ...]   (default: the whole tree)
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import madge from 'madge'
import { repoRoot } from '../helpers/paths.ts'
import { SOURCE_ROOTS } from './roots.ts'

/** The circles among the TypeScript files under `roots`, each as its files in import order. */
export async function findCircles(roots: readonly string[], baseDir = repoRoot): Promise<string[][]> {
  const graph = await madge(
    roots.map((root) => resolve(baseDir, root)),
    { baseDir, fileExtensions: ['ts'], tsConfig: `${repoRoot}/tsconfig.json` },
  )
  return graph.circular()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const circles = await findCircles(args.length ? args : SOURCE_ROOTS, args.length ? process.cwd() : repoRoot)
  for (const circle of circles) process.stderr.write(`import circle: ${[...circle, circle[0]].join(' → ')}\n`)
  if (circles.length) {
    process.stderr.write('untie it: move what both sides need into a module of its own that imports neither\n')
    process.exitCode = 1
  }
}
