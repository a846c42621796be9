// Every command a step runs goes through zx and bash (scripts/lib/step/shell.ts). Debian's bash
// reads ~/.bashrc for `bash -c` when stdin is a socket and SHLVL is unset (as under `env -i`, CI,
// cron): a heavy .bashrc (pyenv init) then cost every docker command seconds. Here a .bashrc that
// leaves a mark shows whether it was read.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { zx } from '../../scripts/lib/step/shell.ts'

const home = mkdtempSync(join(tmpdir(), 'tm-shell-'))
const mark = join(home, 'bashrc-was-read')
writeFileSync(join(home, '.bashrc'), `touch '${mark}'\n`)
const env = { PATH: process.env.PATH, HOME: home }

test.after(() => rmSync(home, { recursive: true, force: true }))

test('the bash under zx does not read ~/.bashrc, with stdin on a pipe and no SHLVL', async () => {
  const { $ } = await zx()
  const out = await $({ quiet: true, nothrow: true, input: 'x', env })`cat`
  assert.is(out.stdout, 'x')
  assert.not.ok(existsSync(mark), '~/.bashrc was read')
})

test('the check can see it: a bash started the way zx starts one, without SHLVL, reads it', async () => {
  const { spawnSync } = await import('node:child_process')
  // stdio 'pipe' is a socketpair in Node: the case bash takes for a remote shell.
  spawnSync('/usr/bin/bash', ['-c', 'cat'], { input: 'x', env })
  assert.ok(existsSync(mark), 'this bash does not read ~/.bashrc in any case; the first test proves nothing here')
})

test.run()
