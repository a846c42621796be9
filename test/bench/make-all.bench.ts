// `make all` from nothing (images present) and again on the converged stack, against the targets
// (<= 45 s and <= 15 s on 2 cores), beside the peer measured in the same run: the bare
// `docker run -d` of the same three containers with no readiness wait, the floor every step
// builds on. Each step's share comes from the moment its heading appears.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildImages, suiteEnv } from '../helpers/docker-suite.ts'
import { line } from './measure.ts'

const TARGET_FROM_NOTHING_S = 45
const TARGET_RERUN_S = 15
const work = mkdtempSync(join(tmpdir(), 'make-all-bench-'))
const images = await buildImages()
const suite = await suiteEnv('bench-all')
const env: NodeJS.ProcessEnv = { ...process.env, ...suite.env, ...images, STATE_DIR: join(work, 'state') }

interface Timed {
  ms: number
  steps: [string, number][]
}
/** Runs make; fails loudly on a non-zero exit; times each step from its `▶` heading to the next. */
function timedMake(args: string[]): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const marks: [string, number][] = []
    const child = spawn('make', ['--no-print-directory', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString()
      err += text
      for (const m of text.matchAll(/▶ (.+)/g)) marks.push([m[1]!.replace(/\x1b\[[0-9;]*m/g, ''), performance.now()])
    })
    child.on('close', (code) => {
      const ms = performance.now() - started
      if (code !== 0) return reject(new Error(`make ${args.join(' ')} exited ${code}:\n${err.slice(-3000)}`))
      resolve({ ms, steps: marks.map(([name, at], i) => [name, (marks[i + 1]?.[1] ?? started + ms) - at]) })
    })
  })
}

/** The peer: the four containers started bare, as the tutorial does, with no wait for readiness. */
function bareDockerRun(): number {
  const names = suite.containers.map((n) => `${n}-bare`)
  const net = `${suite.network}-bare`
  const cleanup = () => {
    execFileSync('sh', [
      '-c',
      `docker rm -f -v ${names.join(' ')} >/dev/null 2>&1; docker network rm ${net} >/dev/null 2>&1; true`,
    ])
  }
  cleanup()
  const started = performance.now()
  const docker = (args: string[]) => execFileSync('docker', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  docker(['network', 'create', net])
  docker([
    'run',
    '-d',
    '--name',
    names[0]!,
    '--network',
    net,
    '-v',
    `${process.cwd()}/models:/models:ro`,
    images.TRITON_IMAGE!,
    'tritonserver',
    '--model-repository=/models',
  ])
  docker(['run', '-d', '--name', names[1]!, '--network', net, images.PROMETHEUS_IMAGE!])
  docker(['run', '-d', '--name', names[2]!, '--network', net, images.GRAFANA_IMAGE!])
  docker(['run', '-d', '--name', names[3]!, '--network', net, images.ALERTMANAGER_IMAGE!])
  const ms = performance.now() - started
  cleanup()
  return ms
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const verdict = (ms: number, target: number) =>
  `${s(ms)} (target <= ${target} s: ${ms / 1000 <= target ? 'met' : 'NOT met'})`
try {
  execFileSync('make', ['--no-print-directory', 'build'], { stdio: 'ignore' })
  const bare = bareDockerRun()
  const first = await timedMake(['all'])
  const again = await timedMake(['all'])
  process.stdout.write('make all (Triton, Prometheus, Alertmanager and Grafana stand-in images, 2-core machine)\n')
  line(
    'from nothing (images present)',
    `${verdict(first.ms, TARGET_FROM_NOTHING_S)}, ${(first.ms / bare).toFixed(1)}x the bare docker run`,
  )
  line(
    're-run on the converged stack',
    `${verdict(again.ms, TARGET_RERUN_S)}, ${(again.ms / bare).toFixed(1)}x the bare docker run`,
  )
  line('peer: bare docker run -d of the 4 containers', `${s(bare)} (no readiness wait, no configuration)`)
  process.stdout.write('  per step, from nothing / re-run:\n')
  for (const [i, [name, ms]] of first.steps.entries())
    line(`    ${name.slice(0, 40)}`, `${s(ms)} / ${s(again.steps[i]?.[1] ?? NaN)}`)
} finally {
  suite.cleanup()
  rmSync(work, { recursive: true, force: true })
}
