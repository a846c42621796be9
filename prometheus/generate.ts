// `make generate`: writes the committed prometheus.yml (the tutorial's names), rules.yml and
// alertmanager.yml from the typed code beside this file. The steps render their own copies, with
// this machine's names, into the state folder; these are the ones to read and to diff.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { t } from '../scripts/lib/output/i18n.ts'
import { log } from '../scripts/lib/output/log.ts'
import { writeSourceFile } from '../scripts/lib/output/source-file.ts'
import { runStep } from '../scripts/lib/step/fail.ts'
import { defaultFiles } from './defaults.ts'

const here = dirname(fileURLToPath(import.meta.url))

await runStep(async () => {
  log.step(t('Writing the Prometheus and Alertmanager configuration'))
  for (const [name, text] of Object.entries(defaultFiles())) writeSourceFile(join(here, name), text)
})
