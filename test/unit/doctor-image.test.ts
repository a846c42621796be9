// make doctor's image check asks the engine whether it has the image: only the engine's "no such
// image" may become "not here" (and advice to pull). An engine that does not answer in time, or
// answers with an error, is named as such. A fake `docker` first on PATH plays each engine.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { EngineInfo } from '../../scripts/lib/engine/api.ts'
import { imageCheck } from '../../scripts/lib/doctor/engine-checks.ts'
import type { Setting } from '../../scripts/lib/step/config.ts'

const folder = mkdtempSync(join(tmpdir(), 'tm-doctor-image-'))
const path = process.env.PATH
const info = { OSType: 'linux', Architecture: 'x86_64' } as EngineInfo
const setting: Setting<string> = { variable: 'TRITON_IMAGE', value: 'local/triton:test' }

/** A docker whose `image inspect` exits with `code` after writing `stdout` and `stderr`. */
function fakeDocker(code: number, stdout: string, stderr: string): void {
  writeFileSync(
    join(folder, 'docker'),
    `#!/bin/sh\nprintf '%s' '${stdout}'\nprintf '%s' '${stderr}' >&2\nexit ${code}\n`,
  )
  chmodSync(join(folder, 'docker'), 0o755)
  process.env.PATH = `${folder}:${path}`
  // An endpoint the Engine API client leaves to the CLI, so the fake docker answers.
  process.env.DOCKER_HOST = 'ssh://tm-test@engine.invalid'
}

test.after(() => {
  process.env.PATH = path
  delete process.env.DOCKER_HOST
  rmSync(folder, { recursive: true, force: true })
})

test('here: its size', async () => {
  fakeDocker(0, '{"Size":151000000}', '')
  const state = await imageCheck(setting, info, 1000)
  assert.is(state.here, true)
  assert.is(state.check.status, 'ok')
  assert.match(state.check.message, 'here (151 MB)')
})

test('an engine error is named, never "not here"', async () => {
  fakeDocker(1, '', 'Error response from daemon: context deadline exceeded')
  const state = await imageCheck(setting, info, 1000)
  assert.is(state.here, false)
  assert.is(state.check.status, 'fail')
  assert.not.match(state.check.message, 'not here')
  assert.match(state.check.message, 'context deadline exceeded')
})

test.run()
