// Step 04's checks that come before anything is started, the state folder's owner among them
// (a `sudo make all` leaves one that is root's). Grafana itself, from nothing to a converged
// stack, is run on the real engine by test/e2e/grafana.test.ts (`make all`).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cannotPlayNobody, runStepAsNobody } from '../helpers/other-user.ts'
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

/** Root with runuser: what making another user's folder, or running as another user, takes. */
const asRoot = process.getuid?.() === 0 && spawnSync('runuser', ['--help']).status === 0
const skipped = () => console.log('  (skipped: needs root and runuser to play another user)')
const offline = { DOCKER_HOST: 'unix:///nonexistent.sock', LANG: 'C', LC_ALL: '', LANGUAGE: '' }

test('a state folder owned by another user is named with its owner and both ways out, never "a bug"', async () => {
  if (!asRoot) return skipped()
  const work = mkdtempSync(join(tmpdir(), 'grafana-steps-owner-'))
  try {
    const state = join(work, 'state')
    mkdirSync(state, { mode: 0o700 })
    chownSync(state, 65534, 65534)
    const result = await runProcess(process.execPath, ['--import', 'tsx', 'scripts/04-grafana.ts'], {
      env: { STATE_DIR: state, ...offline },
      timeoutMs: 60_000,
    })
    assert.is(result.code, 1, result.stderr)
    assert.match(result.stderr, `${state} is owned by nobody`)
    assert.match(result.stderr, `run as that user, or take the state folder: \`sudo chown -R root ${state}\``)
    assert.not.match(result.stderr, /this is a bug/)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
})

test("after `sudo make all`, the state folder is root's: a user running a step is told so", async () => {
  const cannot = cannotPlayNobody()
  if (cannot) return console.log(`  (skipped: ${cannot})`)
  const state = mkdtempSync(join(tmpdir(), 'grafana-steps-root-'))
  try {
    writeFileSync(join(state, 'grafana-admin-password'), 'made-by-sudo-make-all\n', { mode: 0o600 })
    const result = await runStepAsNobody('04-grafana', { STATE_DIR: state, ...offline })
    assert.is(result.code, 1, result.stderr)
    assert.match(result.stderr, `${state} is owned by root`)
    assert.match(result.stderr, `\`sudo chown -R nobody ${state}\``)
    assert.not.match(result.stderr, /this is a bug/)
  } finally {
    rmSync(state, { recursive: true, force: true })
  }
})

test.run()
