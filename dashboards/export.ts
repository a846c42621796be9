// `make dashboards`: writes the typed dashboards as JSON beside this file. Only files whose
// bytes change are rewritten, so a second run leaves `git status` clean.
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../scripts/lib/step/config.ts'
import { runStep } from '../scripts/lib/step/fail.ts'
import { tr } from '../scripts/lib/output/i18n.ts'
import { log } from '../scripts/lib/output/log.ts'
import { tritonDashboardFiles } from './triton.ts'

const here = dirname(fileURLToPath(import.meta.url))

function current(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

await runStep(async () => {
  const { datasourceUid } = loadConfig()
  log.step(tr(`Exporting dashboards (datasource uid ${datasourceUid})`, `导出仪表盘（数据源 uid ${datasourceUid}）`))
  for (const [name, text] of Object.entries(tritonDashboardFiles({ datasourceUid }))) {
    const path = join(here, name)
    const shown = relative(process.cwd(), path)
    if (current(path) === text) {
      log.ok(tr(`${shown} is up to date`, `${shown} 已是最新`))
    } else {
      writeFileSync(path, text)
      log.change(tr(`${shown} written`, `已写入 ${shown}`))
    }
  }
})
