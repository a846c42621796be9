// Step 01 on the real Docker engine: the network is created once and kept after; a bad name is
// refused before the engine is asked; an engine that cannot be used is named with its fix.
import { chownSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { dockerId, run, runStep, suiteEnv, type SuiteEnv } from '../helpers/docker-suite.ts'
import { cannotPlayNobody, runStepAsNobody } from '../helpers/other-user.ts'

let suite: SuiteEnv
let env: Record<string, string>

test.before(async () => {
  suite = await suiteEnv('network')
  env = suite.env
  const build = await run('make', ['-s', 'build'], {})
  assert.is(build.code, 0, build.text)
})

test.after(() => suite?.cleanup())

test('creates the network, and a second run keeps the same one', async () => {
  const first = await runStep('01-network', [], env)
  assert.is(first.code, 0, first.text)
  assert.match(first.text, `network ${env.NETWORK} created`)
  const id = dockerId('network', env.NETWORK!)
  assert.ok(id)
  const second = await runStep('01-network', [], env)
  assert.is(second.code, 0, second.text)
  assert.match(second.text, `network ${env.NETWORK} exists, kept`)
  assert.is(dockerId('network', env.NETWORK!), id)
})

test('make network VERBOSE=1 shows each request to the engine as it runs; without it none is shown', async () => {
  // The engine is asked over its API (engine/api-read.ts): each request shown as the curl that sends it.
  const asked = (path: string) => new RegExp(`\\$ curl --unix-socket \\S+ -X GET http://docker${path}\\s`)
  const shown = await run('make', ['-s', 'network', 'VERBOSE=1'], env)
  assert.is(shown.code, 0, shown.text)
  assert.match(shown.text, asked('/_ping'))
  assert.match(shown.text, asked(`/v[\\d.]+/networks/${env.NETWORK}`))
  const flag = await runStep('01-network', ['--verbose'], { ...env, VERBOSE: '' })
  assert.match(flag.text, asked(`/v[\\d.]+/networks/${env.NETWORK}`))
  const quiet = await run('make', ['-s', 'network'], { ...env, VERBOSE: '' })
  assert.is(quiet.code, 0, quiet.text)
  assert.not.match(quiet.text, /\$ (docker|curl) /)
})

test('a NETWORK that is not a Docker name: exit 2 before the engine is asked', async () => {
  const result = await runStep('01-network', [], { ...env, NETWORK: 'my net', DOCKER_HOST: 'unix:///nonexistent.sock' })
  assert.is(result.code, 2, result.text)
  assert.match(result.text, 'NETWORK="my net" is not a valid Docker name')
  assert.not.match(result.text, /Docker engine/)
})

test('daemon unreachable: names DOCKER_HOST, exit 1', async () => {
  const result = await runStep('01-network', [], { ...env, DOCKER_HOST: 'unix:///nonexistent.sock' })
  assert.is(result.code, 1, result.text)
  assert.match(result.text, 'the Docker engine is not answering at DOCKER_HOST=unix:///nonexistent.sock')
  assert.match(result.text, 'unset DOCKER_HOST')
})

test('no permission on the socket: says how to get it, exit 1', async () => {
  const cannot = cannotPlayNobody()
  if (cannot) return console.log(`  (skipped: ${cannot})`)
  // A state folder of nobody's own: the suite's is root's, which the step would refuse first.
  const state = mkdtempSync(join(tmpdir(), 'network-nobody-state-'))
  chownSync(state, 65534, 65534)
  const result = await runStepAsNobody('01-network', { ...env, STATE_DIR: state }).finally(() =>
    rmSync(state, { recursive: true, force: true }),
  )
  assert.is(result.code, 1, result.text)
  assert.match(result.text, "no permission to use the Docker engine's socket")
  assert.match(result.text, 'usermod -aG docker')
})

test.run()
