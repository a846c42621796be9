// `make dashboards` (and `make generate`): writes the typed dashboards as JSON beside this file.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { t } from '../scripts/lib/output/i18n.ts'
import { log } from '../scripts/lib/output/log.ts'
import { writeSourceFile } from '../scripts/lib/output/source-file.ts'
import { loadConfig } from '../scripts/lib/step/config.ts'
import { runStep } from '../scripts/lib/step/fail.ts'
import { tritonDashboardFiles } from './triton.ts'

const here = dirname(fileURLToPath(import.meta.url))

await runStep(async () => {
  const { datasourceUid } = loadConfig()
  log.step(t('Exporting dashboards (datasource uid {datasourceUid})', { datasourceUid }))
  for (const [name, text] of Object.entries(tritonDashboardFiles({ datasourceUid })))
    writeSourceFile(join(here, name), text)
})
