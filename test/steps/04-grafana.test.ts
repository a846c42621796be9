// Step 04's checks that come before anything is started. Grafana itself, from nothing to a
// converged stack, is run on the real engine by test/e2e/grafana.test.ts (`make all`).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runProcess } from '../helpers/process.ts'

test("04 refuses a state folder whose admin password is Grafana's default, before the engine is touched", async () => {
  const own = mkdtempSync(join(tmpdir(), 'grafana-steps-default-'))
  try {
    writeFileSync(join(own, 'grafana-admin-password'), 'admin\n', { mode: 0o600 })
    const result = await runProcess(process.execPath, ['--import', 'tsx', 'scripts/04-grafana.ts'], {
      env: { STATE_DIR: own, DOCKER_HOST: 'unix:///nonexistent.sock', LANG: 'C', LC_ALL: '', LANGUAGE: '' },
      timeoutMs: 60_000,
    })
    assert.is(result.code, 1, result.stderr)
    assert.match(result.stderr, /is "admin", Grafana's default: Grafana would run with admin\/admin/)
    assert.not.match(result.stderr, /Docker engine/)
  } finally {
    rmSync(own, { recursive: true, force: true })
  }
})

test.run()
