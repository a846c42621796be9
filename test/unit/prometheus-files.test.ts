// The files 03-prometheus writes are read inside the container by prom/prometheus's user `nobody`,
// not by their owner: they must be world-readable whatever the umask of the person running the step.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { runProcess } from '../helpers/process.ts'

test('under umask 077 the generated folder and files are still readable by other users', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'prom-files-')), 'prometheus')
  try {
    // The step writes the files, then stops at the unreachable engine: nothing else is touched.
    const result = await runProcess(
      'sh',
      ['-c', 'umask 077 && exec "$0" --import tsx scripts/03-prometheus.ts', process.execPath],
      {
        env: {
          PROMETHEUS_CONFIG_DIR: dir,
          DOCKER_HOST: 'unix:///nonexistent.sock',
          LANG: 'C.UTF-8',
          LC_ALL: '',
          LANGUAGE: '',
        },
        timeoutMs: 60_000,
      },
    )
    assert.is(result.code, 1, result.text)
    assert.match(result.text, 'the Docker engine is not answering')
    assert.is(statSync(dir).mode & 0o777, 0o755)
    for (const name of ['prometheus.yml', 'rules.yml']) assert.is(statSync(join(dir, name)).mode & 0o777, 0o644, name)
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true })
  }
})

test.run()
