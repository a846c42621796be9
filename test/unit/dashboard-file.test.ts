// The dashboard file steps 07 and 09 read: anything that is not a dashboard model, including valid
// JSON of another shape, is named with its fix rather than crashing the step.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StepError } from '../../scripts/lib/step/fail.ts'
import { DASHBOARD_FILE, readDashboard } from '../../scripts/lib/grafana/dashboard.ts'
import { repoRoot } from '../helpers/paths.ts'

const work = mkdtempSync(join(tmpdir(), 'dashboard-file-'))
test.after(() => rmSync(work, { recursive: true, force: true }))

test('the exported dashboard reads back with its uid and title', () => {
  const model = readDashboard(join(repoRoot, DASHBOARD_FILE))
  assert.is(model.uid, 'triton-monitoring')
  assert.type(model.title, 'string')
})

for (const [name, text] of [
  ['missing', undefined],
  ['not JSON', '{"uid": '],
  ['null', 'null'],
  ['a number', '42'],
  ['an array', '[]'],
  ['no title', '{"uid":"x"}'],
] as const) {
  test(`a dashboard file that is ${name} is a StepError naming the file`, () => {
    const path = join(work, `${name.replace(/ /g, '-')}.json`)
    if (text !== undefined) writeFileSync(path, text)
    try {
      readDashboard(path)
    } catch (error) {
      assert.instance(error, StepError, String(error))
      assert.ok((error as StepError).cause_.includes(path))
      return
    }
    assert.unreachable('expected a StepError')
  })
}

test.run()
