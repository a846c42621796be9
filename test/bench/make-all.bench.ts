// `make all` from nothing (images present) and on the converged stack, and a converged
// `make up grafana`, each beside its peer measured in the same run: from nothing, the bare
// `docker run -d` of the same four containers with no readiness wait (the floor every step builds
// on); converged, `docker-compose up -d` (Debian's docker-compose 1.29) of the same four services
// on a converged project, its compose file written from the same config (images, ports, network,
// mounts). Each step's share comes from its block in make's output.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildImages, freePort, suiteEnv } from '../helpers/docker-suite.ts'
import { line, median, ratio, wallMs } from './measure.ts'

const RERUNS = 3
const TARGET_FROM_NOTHING = 6
const TARGET_UP_GRAFANA = 1.5
const TARGET_ALL_CONVERGED = 4
const work = mkdtempSync(join(tmpdir(), 'make-all-bench-'))
const images = await buildImages()
const suite = await suiteEnv('bench-all')
const env: NodeJS.ProcessEnv = { ...process.env, ...suite.env, ...images, STATE_DIR: join(work, 'state') }

interface Timed {
  ms: number
  steps: Map<string, number>
}
/** Runs make; fails loudly on a non-zero exit; each step's time from the summary `make all` ends with. */
function timedMake(args: string[]): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    // stdout a pipe, drained, not /dev/null: make's --output-sync (make all, make up) locks its
    // stdout, and where another process holds a lock on /dev/null (a dockerd started with it
    // locked, as on this machine) make waits for it forever: the bench ran past its timeout.
    const child = spawn('make', ['--no-print-directory', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.resume()
    let err = ''
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString()
    })
    child.on('close', (code) => {
      const ms = performance.now() - started
      if (code !== 0) return reject(new Error(`make ${args.join(' ')} exited ${code}:\n${err.slice(-3000)}`))
      const plain = err.replace(/\x1b\[[0-9;]*m/g, '')
      const steps = new Map(
        [...plain.matchAll(/^ {2}(\d\d-[\w-]+) +ok +([\d.]+) s/gm)].map((m) => [m[1]!, Number(m[2]) * 1000]),
      )
      resolve({ ms, steps })
    })
  })
}

const docker = (args: string[]) => execFileSync('docker', args, { stdio: ['ignore', 'ignore', 'pipe'] })
const quietly = (script: string) => execFileSync('sh', ['-c', `{ ${script}; } >/dev/null 2>&1; true`])

/** The from-nothing peer: the four containers started bare, as the tutorial does, with no wait for readiness. */
function bareDockerRun(): number {
  const names = suite.containers.map((n) => `${n}-bare`)
  const net = `${suite.network}-bare`
  const cleanup = () => quietly(`docker rm -f -v ${names.join(' ')}; docker network rm ${net}`)
  cleanup()
  const started = performance.now()
  docker(['network', 'create', net])
  const models = `${process.cwd()}/models:/models:ro`
  docker([
    'run',
    '-d',
    '--name',
    names[0]!,
    '--network',
    net,
    '-v',
    models,
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

/**
 * The converged peer's project: the stack's four services from the same config (images, container
 * ports, the models and Prometheus config mounts, a network, Grafana's data volume), on ports and
 * names of their own so it runs beside the stack. JSON is YAML, so it is written as JSON.
 */
async function composeProject(): Promise<{ up: () => number; down: () => void }> {
  const project = `${suite.network.replace(/-net$/, '')}-compose`.replace(/[^a-z0-9_-]/g, '')
  const port = async (inside: number) => `127.0.0.1:${await freePort()}:${inside}`
  const file = join(work, 'docker-compose.yml')
  const services = {
    triton: {
      image: images.TRITON_IMAGE,
      command: ['tritonserver', '--model-repository=/models'],
      ports: [await port(8000), await port(8001), await port(8002)],
      volumes: [`${process.cwd()}/models:/models:ro`],
    },
    prometheus: {
      image: images.PROMETHEUS_IMAGE,
      ports: [await port(9090)],
      volumes: [`${suite.configDir}:/etc/prometheus:ro`],
    },
    grafana: { image: images.GRAFANA_IMAGE, ports: [await port(3000)], volumes: ['grafana-data:/var/lib/grafana'] },
    alertmanager: { image: images.ALERTMANAGER_IMAGE, ports: [await port(9093)] },
  }
  writeFileSync(file, JSON.stringify({ version: '2.4', services, volumes: { 'grafana-data': {} } }, null, 2))
  const args = ['-p', project, '-f', file]
  return {
    up: () => wallMs('docker-compose', [...args, 'up', '-d'], 300_000),
    down: () => quietly(`docker-compose -p ${project} -f ${file} down -v`),
  }
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`
const compose = await composeProject()
try {
  execFileSync('make', ['--no-print-directory', 'build'], { stdio: 'ignore' })
  const bare = bareDockerRun()
  const first = await timedMake(['all'])
  const again: Timed[] = []
  for (let i = 0; i < 2; i++) again.push(await timedMake(['all']))
  compose.up() // from nothing: not timed, the project is now converged
  // Interleaved, so a neighbour's burst of CPU use hits both alike.
  const upTimes: number[] = []
  const composeTimes: number[] = []
  for (let i = 0; i < RERUNS; i++) {
    upTimes.push((await timedMake(['up', 'grafana'])).ms)
    composeTimes.push(compose.up())
  }
  const peer = median(composeTimes)
  const allAgain = median(again.map((t) => t.ms))
  process.stdout.write(
    'Stack start-up (Triton, Prometheus, Alertmanager and Grafana stand-in images; shared 2-core machine)\n',
  )
  line('peer: bare docker run -d of the 4 containers', `${s(bare)} (no readiness wait, no configuration)`)
  line(
    'make all from nothing (images present)',
    `${s(first.ms)}, ${ratio(first.ms, bare, { op: '<=', value: TARGET_FROM_NOTHING })} the bare docker run`,
  )
  line(`peer: docker-compose up -d, converged`, `${s(peer)} (median of ${RERUNS})`)
  line(
    'make up grafana, converged',
    `${s(median(upTimes))} (median of ${RERUNS}), ${ratio(median(upTimes), peer, { op: '<=', value: TARGET_UP_GRAFANA })} compose`,
  )
  line(
    'make all, converged (load and verify included)',
    `${s(allAgain)} (median of 2), ${ratio(allAgain, peer, { op: '<=', value: TARGET_ALL_CONVERGED })} compose`,
  )
  process.stdout.write('  per step (from its start to its end; steps overlap), from nothing / converged:\n')
  for (const [name, ms] of first.steps) line(`    ${name}`, `${s(ms)} / ${s(again[0]!.steps.get(name) ?? NaN)}`)
} finally {
  compose.down()
  suite.cleanup()
  rmSync(work, { recursive: true, force: true })
}
