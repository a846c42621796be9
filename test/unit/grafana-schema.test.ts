// The committed Grafana API types must be exactly what the generator makes from the spec today,
// so nobody hand-edits them and a spec update is one `npm run generate:grafana` away.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { grafanaSpecPath, repoRoot } from '../helpers/paths.ts'

const committed = join(repoRoot, 'scripts/lib/grafana/schema.ts')
const generator = join(repoRoot, 'scripts/lib/grafana/generate.ts')

test('the npm script regenerates the committed file from the reference spec', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'))
  assert.is(
    pkg.scripts['generate:grafana'],
    `node --import tsx ${relative(repoRoot, generator)} ${relative(repoRoot, grafanaSpecPath)} ${relative(repoRoot, committed)}`,
  )
})

test('the committed schema.ts equals a fresh generation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grafana-schema-'))
  try {
    const fresh = join(dir, 'schema.ts')
    execFileSync(process.execPath, ['--import', 'tsx', generator, grafanaSpecPath, fresh], {
      stdio: 'pipe',
      cwd: repoRoot,
    })
    assert.fixture(readFileSync(committed, 'utf8'), readFileSync(fresh, 'utf8'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('no token-shaped example from the spec lands in git', () => {
  assert.not.match(readFileSync(committed, 'utf8'), /glsa_[A-Za-z0-9]{8,}/)
})

test.run()
