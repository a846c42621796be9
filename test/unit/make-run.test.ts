// TM_STEPS, the targets of one make run in order: the Makefile spells out all and up, and a step
// reads it to leave out a hint to run what this run does next (02-triton's replica count hint).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { laterInThisRun } from '../../scripts/lib/step/make-run.ts'
import { repoRoot } from '../helpers/paths.ts'

/** TM_STEPS as make computes it for these goals (make's database, nothing run). */
const steps = (...goals: string[]) =>
  // -q: nothing runs, and the exit code only says whether the goals are up to date.
  spawnSync('make', ['-pq', '--no-print-directory', ...goals], { cwd: repoRoot, encoding: 'utf8' })
    .stdout.split('\n')
    .find((line) => line.startsWith('TM_STEPS :='))
    ?.slice('TM_STEPS :='.length)
    .trim()

test('the Makefile spells out up and all, in the order they run', () => {
  assert.is(steps('up'), 'network triton prometheus alertmanager')
  assert.match(steps('all') ?? '', /^network triton prometheus grafana .* verify alertmanager$/)
  assert.is(steps('triton'), 'triton')
})

test('a later target of the same run is seen; an earlier one, another run or none is not', () => {
  const env = (value: string) => ({ TM_STEPS: value })
  assert.ok(laterInThisRun('triton', 'prometheus', env('network triton prometheus alertmanager')))
  assert.not.ok(laterInThisRun('triton', 'prometheus', env('triton')))
  assert.not.ok(laterInThisRun('triton', 'prometheus', env('prometheus triton')))
  assert.not.ok(laterInThisRun('triton', 'prometheus', {}))
})

test.run()
