// The files 03-prometheus writes are read inside the container by prom/prometheus's user `nobody`,
// not by their owner: they must be world-readable whatever the umask of the person running the step.
// They hold one machine's names, so by default they go to the state folder, never into the
// committed prometheus/ folder, which stays the tutorial's rendering.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { defaultFiles } from '../../prometheus/defaults.ts'
import { repoRoot } from '../helpers/paths.ts'
import { runProcess } from '../helpers/process.ts'

/**
 * Runs the step under `umask` with `env`: it writes the files, then stops at the unreachable
 * engine, so nothing else is touched.
 */
async function untilTheEngine(env: Record<string, string>, umask = '022') {
  const result = await runProcess(
    'sh',
    ['-c', `umask ${umask} && exec "$0" --import tsx scripts/03-prometheus.ts`, process.execPath],
    {
      env: { ...env, DOCKER_HOST: 'unix:///nonexistent.sock', LANG: 'C.UTF-8', LC_ALL: '', LANGUAGE: '' },
      timeoutMs: 60_000,
    },
  )
  assert.is(result.code, 1, result.text)
  assert.match(result.text, 'the Docker engine is not answering')
  return result
}

test('under umask 077 the generated folder and files are still readable by other users', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'prom-files-')), 'prometheus')
  try {
    await untilTheEngine({ PROMETHEUS_CONFIG_DIR: dir }, '077')
    assert.is(statSync(dir).mode & 0o777, 0o755)
    for (const name of ['prometheus.yml', 'rules.yml', 'triton-targets.json'])
      assert.is(statSync(join(dir, name)).mode & 0o777, 0o644, name)
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true })
  }
})

test('by default the files go to prometheus/ in the state folder, and the committed prometheus/ is left as it is', async () => {
  const work = mkdtempSync(join(tmpdir(), 'prom-files-state-'))
  const committed = () => readFileSync(join(repoRoot, 'prometheus/prometheus.yml'), 'utf8')
  const before = committed()
  try {
    const state = join(work, 'state')
    const result = await untilTheEngine({
      STATE_DIR: state,
      PROMETHEUS_CONFIG_DIR: '',
      TRITON_CONTAINER: 'tm-elsewhere-triton',
    })
    assert.match(result.text, `generated ${join(state, 'prometheus')}/prometheus.yml and rules.yml`)
    assert.match(readFileSync(join(state, 'prometheus/prometheus.yml'), 'utf8'), /- triton-targets\.json/)
    // The targets file, written from the settings when no 02-triton wrote it: one target per replica.
    assert.equal(JSON.parse(readFileSync(join(state, 'prometheus/triton-targets.json'), 'utf8')), [
      { targets: ['tm-elsewhere-triton:8002'] },
    ])
    assert.is(statSync(state).mode & 0o777, 0o700, 'the state folder is created private')
    assert.is(committed(), before)
    assert.is(committed(), defaultFiles()['prometheus.yml'])
  } finally {
    // A regression would have written this machine's names into the committed file: put it back.
    if (committed() !== before) writeFileSync(join(repoRoot, 'prometheus/prometheus.yml'), before)
    rmSync(work, { recursive: true, force: true })
  }
})

test.run()
