// BIND_ADDRESS beyond loopback: it works, and it is said once per `make` run, in the person's
// language, that Triton and Prometheus become reachable from the network; and `::` (IPv6 any,
// which docker-proxy publishes on IPv6 only) is probed on [::1], not on 127.0.0.1 (where the
// step waited 300 s and blamed the model).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { buildImages, run, runStep, suiteEnv, type SuiteEnv } from '../helpers/docker-suite.ts'

let suite: SuiteEnv
let env: Record<string, string>
const state = mkdtempSync(join(tmpdir(), 'bind-address-state-'))

test.before(async () => {
  suite = await suiteEnv('bind')
  env = { ...suite.env, ...(await buildImages()), STATE_DIR: state }
})

test.after(() => {
  suite?.cleanup()
  rmSync(state, { recursive: true, force: true })
})

const count = (text: string, part: string) => text.split(part).length - 1

for (const [language, locale, said] of [
  ['English', 'C.UTF-8', "publishes the stack's ports to the network: Triton answers anyone"],
  ['Chinese', 'zh_CN.UTF-8', '会把整套服务的端口发布到网络上：任何人都能访问 Triton'],
] as const) {
  test(`BIND_ADDRESS=0.0.0.0: one warning per make run, in ${language}, though three steps publish ports`, async () => {
    // No engine: every step stops at it, after the checks that come first; -k runs them all.
    const result = await run('make', ['-k', '--no-print-directory', 'network', 'triton', 'prometheus', 'grafana'], {
      ...env,
      BIND_ADDRESS: '0.0.0.0',
      DOCKER_HOST: 'unix:///nonexistent.sock',
      LANG: locale,
      TM_RUN: '',
    })
    assert.is.not(result.code, 0)
    assert.is(count(result.text, said), 1, result.text)
    assert.match(result.text, '--web.enable-lifecycle')
  })
}

test('BIND_ADDRESS=:: publishes on IPv6 and the step reaches Triton on [::1]', async () => {
  const result = await runStep('02-triton', ['--timeout', '60'], { ...env, BIND_ADDRESS: '::' }, 120_000)
  assert.is(result.code, 0, result.text)
  assert.match(result.text, `Triton is ready: http://[::1]:${env.TRITON_HTTP_PORT} (HTTP)`)
  const answer = await fetch(`http://[::1]:${env.TRITON_HTTP_PORT}/v2/health/ready`)
  assert.is(answer.status, 200)
})

test.run()
