// Regenerates the committed prometheus.yml (the tutorial's names), rules.yml and alertmanager.yml
// from the typed code beside this file: `node --import tsx prometheus/generate.ts`.
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultFiles } from './defaults.ts'

const here = dirname(fileURLToPath(import.meta.url))
for (const [name, text] of Object.entries(defaultFiles())) {
  writeFileSync(join(here, name), text)
  process.stderr.write(`wrote prometheus/${name}\n`)
}
