// Readiness waits on the real engine when the engine itself fails under them: 03-prometheus waits
// for a triton target that stays down (a running container where Triton should be, outside the
// stack's network) while its DOCKER_HOST, a proxy to the real engine, dies or goes mute, or the
// container stops. Each wait must end in seconds, not at its --timeout, naming the cause and fix
// (issue 12 item 4: it sat out 120 s and said "read the log above", with no log).
import { spawnSync } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fail } from '../../scripts/lib/step/fail.ts'
import { waitFor } from '../../scripts/lib/step/poll.ts'
import { buildImages, run, runStep, suiteEnv, type Result, type SuiteEnv } from '../helpers/docker-suite.ts'
import { type EngineProxy, startEngineProxy } from '../helpers/engine-proxy.ts'

let suite: SuiteEnv
let env: Record<string, string>

test.before(async () => {
  suite = await suiteEnv('engine-faults')
  env = { ...suite.env, ...(await buildImages()) }
  const build = await run('make', ['-s', 'build'], {})
  assert.is(build.code, 0, build.text)
})

test.after(() => suite?.cleanup())

/**
 * Runs 03-prometheus through a fresh engine proxy with a 90 s timeout, applies `fault` once
 * Prometheus answers (the step is in its waits then), and returns the result and how long the step
 * went on after the fault.
 */
async function faultDuringWait(fault: (proxy: EngineProxy) => unknown): Promise<{ result: Result; afterMs: number }> {
  // --volumes: the dummy and Prometheus both run the Prometheus image, whose VOLUME leaves one each.
  for (const name of suite.containers) spawnSync('docker', ['rm', '--force', '--volumes', name], { stdio: 'ignore' })
  const dummy = spawnSync('docker', ['run', '-d', '--name', env.TRITON_CONTAINER!, env.PROMETHEUS_IMAGE!], {
    encoding: 'utf8',
  })
  assert.is(dummy.status, 0, dummy.stderr)
  const proxy = await startEngineProxy()
  try {
    const step = runStep('03-prometheus', ['--timeout', '90'], { ...env, DOCKER_HOST: proxy.host }, 150_000)
    // Prometheus answering means the step is past docker start, in one of its waits.
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${env.PROMETHEUS_PORT}/-/ready`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.ok,
          () => false,
        ),
      {
        what: 'Prometheus ready',
        timeoutMs: 60_000,
        onTimeout: () => fail('03-prometheus never started Prometheus', 'see its output'),
      },
    )
    await fault(proxy)
    const faulted = Date.now()
    const result = await step
    return { result, afterMs: Date.now() - faulted }
  } finally {
    await proxy.close()
  }
}

test('the engine stops during the wait: the step ends in seconds, naming the engine and how to start it', async () => {
  const { result, afterMs } = await faultDuringWait((proxy) => proxy.die())
  assert.is(result.code, 1, result.text)
  assert.ok(afterMs < 15_000, `the step went on ${afterMs} ms after the engine died (--timeout 90)`)
  assert.match(result.text, /while waiting for http:\/\/\S+, the Docker engine is not answering at DOCKER_HOST=unix:/)
  assert.match(result.text, /start the engine there, or unset DOCKER_HOST/)
})

test('the engine goes mute during the wait: the step ends in seconds, naming a stuck engine', async () => {
  const { result, afterMs } = await faultDuringWait((proxy) => proxy.mute())
  assert.is(result.code, 1, result.text)
  assert.ok(afterMs < 20_000, `the step went on ${afterMs} ms after the engine went mute (--timeout 90)`)
  assert.match(result.text, /the Docker engine stopped answering while waiting for/)
  assert.match(result.text, /restart it/)
})

test('the container the wait depends on stops: the step ends at once, with its state and last log lines', async () => {
  const { result, afterMs } = await faultDuringWait(() =>
    spawnSync('docker', ['kill', env.TRITON_CONTAINER!], { stdio: 'ignore' }),
  )
  assert.is(result.code, 1, result.text)
  assert.ok(afterMs < 15_000, `the step went on ${afterMs} ms after the container stopped (--timeout 90)`)
  assert.match(result.text, new RegExp(`container ${env.TRITON_CONTAINER} stopped \\(exited, exit code \\d+\\)`))
  assert.match(result.text, 'make triton')
})

test.run()
