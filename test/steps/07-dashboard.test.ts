// Step 07 against the Grafana stand-in: the exported dashboard imported into its folder, pointing
// at the fixed datasource uid, kept on a re-run, and the folder's title converged to --folder.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { assertRefusedBeforeAnyCall, testWhatEveryGrafanaStepOwes, useGrafanaSteps } from '../helpers/grafana-steps.ts'

const steps = useGrafanaSteps(() => [['05-token', []]])

test('07 imports the dashboard, and a second run keeps it (one dashboard, in folder triton)', async () => {
  await steps.assertKeptOnRerun('07-dashboard')
  const dashboards = await steps.api('/api/search?type=dash-db')
  assert.equal(
    dashboards.map((d: { uid: string; folderUid: string }) => [d.uid, d.folderUid]),
    [['triton-monitoring', 'triton']],
  )
  const stored = await steps.api('/api/dashboards/uid/triton-monitoring')
  const variable = stored.dashboard.templating.list.find((v: { type: string }) => v.type === 'datasource')
  assert.is(variable.current.value, 'triton-prometheus')
})

test('07 converges the folder title to --folder, once, and back', async () => {
  const renamed = await steps.run('07-dashboard', ['--folder', 'Triton serving'])
  assert.is(renamed.code, 0, renamed.stderr)
  assert.match(renamed.stderr, /folder triton renamed from "Triton" to "Triton serving"/)
  assert.is((await steps.api('/api/folders/triton')).title, 'Triton serving')
  const again = await steps.run('07-dashboard', ['--folder', 'Triton serving'])
  assert.is(again.code, 0, again.stderr)
  assert.not.match(again.stderr, /renamed/)
  assert.is((await steps.run('07-dashboard')).code, 0)
  assert.is((await steps.api('/api/folders/triton')).title, 'Triton')
})

test("an empty --folder, or a --folder-uid outside Grafana's uid rule, is refused with exit 2 before any call", async () => {
  await assertRefusedBeforeAnyCall(steps, '07-dashboard', ['--folder', ''], /--folder is empty/)
  await assertRefusedBeforeAnyCall(steps, '07-dashboard', ['--folder-uid', 'my folder!'], /is not a Grafana uid/)
  await assertRefusedBeforeAnyCall(steps, '07-dashboard', ['--folder-uid', 'x'.repeat(41)], /is not a Grafana uid/)
})

testWhatEveryGrafanaStepOwes(steps, '07-dashboard')

test.run()
