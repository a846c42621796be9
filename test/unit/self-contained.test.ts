// A clone alone must pass its tests: no tracked file may point outside the repository, neither a
// relative path that climbs out of it (`../../../shared/triton/`) nor the course's reference folder
// by name, which a user who clones from GitHub does not have. Reference data lives in test/reference/.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { repoRoot } from '../helpers/paths.ts'

/** `../` runs, with what follows them up to a quote, space or bracket. */
const CLIMB = /(?:\.\.\/)+(?:\.\.(?![\w.])|[^\s'"`)\]},;:]*)/g
/** The course folder (a sibling of the checkout in CI and in the team's worktrees), by name. */
const COURSE = /(?:\.\.\/|\/work\/)shared\b|\bshared\/(?:grafana|triton|reference|hooks|TUTORIAL\.md)\b/g

/** What in `text` (the file at `path`, relative to the repository) refers to a place outside it. */
export function outsideReferences(path: string, text: string): string[] {
  const found = new Set<string>()
  for (const [climb] of text.matchAll(CLIMB)) {
    // Relative to the file (imports, new URL(…, import.meta.url)); for files at the top, the same as
    // relative to the working directory that make and npm scripts run in.
    const target = relative(repoRoot, resolve(repoRoot, dirname(path), climb))
    if (target === '..' || target.startsWith('../')) found.add(climb)
  }
  for (const [name] of text.matchAll(COURSE)) found.add(name)
  return [...found]
}

test('the check finds paths that leave the repository and lets inner ones pass', () => {
  assert.equal(outsideReferences('test/unit/x.test.ts', "new URL('../../../shared/triton/', import.meta.url)"), [
    '../../../shared/triton/',
    '../shared',
  ])
  assert.equal(outsideReferences('package.json', '"gen": "node gen.ts ../shared/grafana/openapi3-subset.json"'), [
    '../shared/grafana/openapi3-subset.json',
    '../shared',
  ])
  assert.equal(outsideReferences('test/helpers/paths.ts', "resolve(here, '../../..')"), ['../../..'])
  assert.equal(outsideReferences('README.md', 'needs the shared/grafana folder beside the checkout'), [
    'shared/grafana',
  ])
  assert.equal(outsideReferences('scripts/x.ts', "readFileSync('/work/shared/TUTORIAL.md')"), ['/work/shared'])
  assert.equal(
    outsideReferences(
      'test/unit/x.test.ts',
      "import a from '../helpers/paths.ts'\nnew URL('../../models/', import.meta.url)\nresolve(here, '../..')",
    ),
    [],
  )
  assert.equal(outsideReferences('scripts/lib/triton/names.ts', '// on the shared network; shared memory regions'), [])
})

test('no tracked file refers to a path outside the repository', () => {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' }).split('\0').filter(Boolean)
  assert.ok(files.length > 50, `git ls-files listed ${files.length} files`)
  // This file's own examples are the first test's business.
  const self = relative(repoRoot, fileURLToPath(import.meta.url))
  const offences: string[] = []
  for (const file of files.filter((f) => f !== self)) {
    const bytes = readFileSync(join(repoRoot, file))
    if (bytes.includes(0)) continue // binary (the ONNX model)
    for (const ref of outsideReferences(file, bytes.toString('utf8'))) offences.push(`${file}: ${ref}`)
  }
  assert.equal(offences, [], 'copy what is needed into test/reference/ and load it with test/helpers/paths.ts')
})

test.run()
