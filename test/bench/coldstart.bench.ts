// Cold start of a step as `make` runs it (bundled, plain node) beside node doing nothing: the
// cost each of the nine steps of `make all` pays before its first useful line.
import { readdirSync } from 'node:fs'
import { builtStep, line, median, ratio, wallMs } from './measure.ts'

const RUNS = 9
/** A step may cost at most this many times a node that does nothing before its first line. */
const TARGET_RATIO = 1.5

const steps = [
  '08-load',
  ...readdirSync('dist/scripts')
    .filter((f) => f.endsWith('.mjs') && f !== '08-load.mjs')
    .map((f) => f.replace(/\.mjs$/, ''))
    .sort(),
].map(builtStep)

// `make <step>` runs `node dist/scripts/<step>.mjs` (source maps only with DEBUG=1).
const commands: [string, string[]][] = [
  ['node -e 0', ['-e', '0']],
  ...steps.map((path): [string, string[]] => [`node ${path} --help`, [path, '--help']]),
]
const times = new Map<string, number[]>(commands.map(([label]) => [label, []]))
// Interleaved rounds, so a neighbour's burst of CPU use hits every command alike.
for (let round = 0; round <= RUNS; round++) {
  for (const [label, args] of commands) {
    const ms = wallMs(process.execPath, args)
    if (round > 0) times.get(label)!.push(ms)
  }
}

const baseline = median(times.get('node -e 0')!)
line('node -e 0', `${baseline.toFixed(0)} ms (median of ${RUNS})`)
for (const [label] of commands.slice(1)) {
  const ms = median(times.get(label)!)
  line(label, `${ms.toFixed(0)} ms, ${ratio(ms, baseline, { op: '<=', value: TARGET_RATIO })} node -e 0`)
}
