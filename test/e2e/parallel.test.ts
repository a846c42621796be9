// `make all` runs its steps at once where the Makefile's prerequisites allow (issue 22): from
// nothing it converges, each step's lines stay together under its own heading (--output-sync),
// a summary lists the steps in the tutorial's order, and a second run changes nothing.
import { spawnSync } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { buildImages, run, suiteEnv, type SuiteEnv } from '../helpers/docker-suite.ts'

let suite: SuiteEnv
let env: Record<string, string>

const make = (...args: string[]) => run('make', ['--no-print-directory', ...args], env)

/** A line each step prints only at its end: it must sit in that step's own block. */
const LAST_WORDS: [string, RegExp][] = [
  ['Docker network for the stack', /network \S+ (created|exists, kept)/],
  ['Triton Inference Server serving models/', /Triton is ready: /],
  ['Prometheus scraping Triton', /Prometheus is up at /],
  ['Grafana with a generated admin password', /Grafana \S+ is ready at /],
  ['Grafana service account and its token', /token (of|\S+ issued for) cli-service/],
  ['Prometheus and Alertmanager datasources', /datasource Alertmanager .*\(uid triton-alertmanager/],
  ['import the Triton dashboard', /open http:\S+\/d\/triton-monitoring\//],
  ['Inference load on the model', /Accuracy +\d/],
  ['verify the dashboard', /QPS [\d.]+ req\/s, mean latency/],
  ['Alertmanager receiving the alerts', /Alertmanager \S+ is ready at /],
]

/** The output cut at each `▶` heading: one block per step, its heading first. */
function blocks(text: string): string[] {
  return text.split(/^(?=▶ )/m).filter((b) => b.startsWith('▶ '))
}

function assertOneBlockEach(text: string): void {
  const all = blocks(text)
  for (const [heading, last] of LAST_WORDS) {
    const mine = all.filter((b) => b.startsWith(`▶ ${heading}`))
    assert.is(mine.length, 1, `one block headed "${heading}":\n${text}`)
    assert.match(mine[0]!, last, `"${heading}" ends inside its own block:\n${text}`)
    assert.match(mine[0]!.split('\n')[1]!, /^ {2}replaces: /, `"${heading}": the manual command right under it`)
  }
}

test.before(async () => {
  suite = await suiteEnv('parallel')
  env = { ...suite.env, ...(await buildImages()) }
})

test.after(() => suite?.cleanup())

test('make all from nothing: converges, each step one block, the summary in the tutorial order', async () => {
  const result = await make('all')
  assert.is(result.code, 0, result.text)
  assertOneBlockEach(result.text)
  const summary = blocks(result.text).at(-1)!
  assert.match(summary, /^▶ Summary/)
  const rows = [...summary.matchAll(/^ {2}(\d\d-[\w-]+) +(\S+)/gm)].map((m) => [m[1], m[2]])
  assert.equal(
    rows.map(([name]) => name),
    [
      '01-network',
      '02-triton',
      '03-prometheus',
      '04-grafana',
      '05-token',
      '06-datasource',
      '07-dashboard',
      '08-load',
      '09-verify',
      '10-alertmanager',
    ],
  )
  assert.ok(
    rows.every(([, status]) => status === 'ok'),
    summary,
  )
})

test('make all again: every container kept, one of each, the same blocks', async () => {
  const result = await make('all')
  assert.is(result.code, 0, result.text)
  assertOneBlockEach(result.text)
  for (const name of suite.containers) {
    assert.match(result.text, `container ${name} already runs with this configuration, kept`)
    const ps = spawnSync('docker', ['ps', '-a', '-q', '--filter', `name=^${name}$`], { encoding: 'utf8' })
    assert.is(ps.stdout.trim().split('\n').length, 1, `one ${name}`)
  }
  assert.not.match(result.text, /another run is changing this stack/)
})

test.run()
