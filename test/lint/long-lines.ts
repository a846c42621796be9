// No hand-written TypeScript line is longer than MAX_LINE characters. Biome formats at 120 but
// cannot break a string, so a long message would pass it: split it into a cause and a fix, or
// wrap it (`'…' +` on the next line). `npm run lint` runs this: it lists each line and exits 1.
// Length is the width a terminal or editor shows, as Biome measures it: a Chinese character or a
// fullwidth sign （，：） takes two columns. (`awk 'length'` with mawk counts UTF-8 bytes, three
// for each: more than one sees, and more than Biome lets a formatted line have.)
// Usage: node --import tsx test/lint/long-lines.ts [folder or file ...]   (default: the whole tree)
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { repoRoot } from '../helpers/paths.ts'
import { GENERATED, SOURCE_ROOTS } from './roots.ts'

export const MAX_LINE = 140

// East Asian Wide and Fullwidth characters, the ones our messages hold: CJK scripts, their
// punctuation, fullwidth forms, and emoji shown as pictures.
const WIDE =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Emoji_Presentation}\u3000-\u303f\uff01-\uff60\uffe0-\uffe6]/u

/** Columns `text` takes on a terminal. */
export function displayWidth(text: string): number {
  let width = 0
  for (const char of text) width += WIDE.test(char) ? 2 : 1
  return width
}

export interface LongLine {
  file: string
  line: number
  length: number
}

function typescriptFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return path.endsWith('.ts') ? [path] : []
  return readdirSync(path).flatMap((entry) => (entry === 'node_modules' ? [] : typescriptFiles(join(path, entry))))
}

/** The lines wider than MAX_LINE columns in the TypeScript files under `roots`. */
export function findLongLines(roots: readonly string[], baseDir = repoRoot): LongLine[] {
  return roots
    .flatMap((root) => typescriptFiles(resolve(baseDir, root)))
    .map((path) => relative(baseDir, path))
    .filter((file) => !GENERATED.includes(file))
    .flatMap((file) =>
      readFileSync(resolve(baseDir, file), 'utf8')
        .split('\n')
        .map((text, i) => ({ file, line: i + 1, length: displayWidth(text) }))
        .filter(({ length }) => length > MAX_LINE),
    )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const long = findLongLines(args.length ? args : SOURCE_ROOTS, args.length ? process.cwd() : repoRoot)
  for (const { file, line, length } of long) process.stderr.write(`${file}:${line}: ${length} columns\n`)
  if (long.length) {
    process.stderr.write(
      `${long.length} lines are wider than ${MAX_LINE} columns: wrap them, or split a message into cause and fix\n`,
    )
    process.exitCode = 1
  }
}
