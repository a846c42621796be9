// Stryker's command runner runs this once per mutant, in its sandbox, with the mutant's id in
// __STRYKER_ACTIVE_MUTANT__. It finds the module whose file holds the mutant (Stryker instruments
// each mutant as stryMutAct_9fa48("<id>") in its file), runs only that module's suites
// (test/mutation/modules.ts) in this one process, and stops at the first failed test: exit 1 is
// "killed", exit 0 "survived". Without a mutant (Stryker's dry run) it runs nothing: run.ts has just
// run each module's suites this same way, green, and timed them (TM_MUTATION_MODULE names the module).
import './uvu-defer.ts'
import '../setup/uvu-hooks.ts'
import { readFileSync, writeSync } from 'node:fs'
import { resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import { exec } from 'uvu'
import { fileOf, modules, suiteFile } from './modules.ts'

/** How long a module's suites may take under a mutant: their measured time times this, plus SLACK_MS. */
const SLOWDOWN = 3
const SLACK_MS = 15_000
const FALLBACK_MS = 120_000

const id = process.env.__STRYKER_ACTIVE_MUTANT__
const marker = `stryMutAct_9fa48("${id}")`
const owner =
  id === undefined
    ? modules.find((m) => m.name === process.env.TM_MUTATION_MODULE)
    : modules.find((m) => m.mutate.some((entry) => readFileSync(fileOf(entry), 'utf8').includes(marker)))
if (!owner) {
  if (id !== undefined) console.error(`mutant ${id} is in no file of test/mutation/modules.ts`)
  process.exit(id === undefined ? 0 : 2)
}

// A mutant can turn a loop endless, and a synchronous one starves every timer of this thread: the
// deadline lives in a worker thread, which kills the whole process.
const measured = (JSON.parse(process.env.TM_MUTATION_MODULE_MS ?? '{}') as Record<string, number>)[owner.name]
const budget = measured ? measured * SLOWDOWN + SLACK_MS : FALLBACK_MS
new Worker(
  `const { writeSync } = require('node:fs')
   setTimeout(() => {
     writeSync(2, 'killed: ${owner.name} ran past ${Math.round(budget / 1000)} s (an endless loop?)\\n')
     process.kill(process.pid, 'SIGKILL')
   }, ${budget})`,
  { eval: true },
).unref()

// uvu writes ✘ as soon as a test fails: the mutant is killed, the other tests need not run.
const write = process.stdout.write.bind(process.stdout) as (chunk: string | Uint8Array) => boolean
process.stdout.write = ((chunk: string | Uint8Array) => {
  const text = String(chunk)
  // uvu names each suite as it starts it.
  for (const suite of owner.suites) if (text.includes(suite)) current = suite
  if (text.includes('✘')) {
    writeSync(1, `killed by a test of ${current}\n`)
    process.exit(1)
  }
  return write(chunk)
}) as typeof process.stdout.write

const queue = globalThis as { UVU_QUEUE?: unknown[][]; UVU_INDEX?: number } as {
  UVU_QUEUE: unknown[][]
  UVU_INDEX: number
}
queue.UVU_QUEUE ??= []
let current = ''
for (const [index, suite] of owner.suites.entries()) {
  current = suite
  queue.UVU_QUEUE.push([suite])
  queue.UVU_INDEX = index
  await import(resolve(suiteFile(suite)))
}
await exec(true)
