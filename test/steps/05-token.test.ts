// Step 05 against the Grafana stand-in: one service account and one token, kept on a re-run, a
// lost token re-issued, one login attempt only with a wrong admin password, and a token per account.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { rmSync, writeFileSync } from 'node:fs'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fail } from '../../scripts/lib/step/fail.ts'
import { waitFor } from '../../scripts/lib/step/poll.ts'
import { join } from 'node:path'
import {
  assertRefusedBeforeAnyCall,
  PASSWORD,
  testWhatEveryGrafanaStepOwes,
  useGrafanaSteps,
} from '../helpers/grafana-steps.ts'

const steps = useGrafanaSteps()

test('05 issues the token, and a second run keeps it (one service account, role Admin)', async () => {
  await steps.assertKeptOnRerun('05-token')
  const accounts = await steps.api('/api/serviceaccounts/search?query=cli-service')
  assert.equal(
    accounts.serviceAccounts.map((s: { name: string; role: string }) => [s.name, s.role]),
    [['cli-service', 'Admin']],
  )
})

test('a token deleted in Grafana is re-issued, the old one replaced', async () => {
  const old = steps.token()
  const sa = (await steps.api('/api/serviceaccounts/search?query=cli-service')).serviceAccounts[0]
  for (const t of await steps.api(`/api/serviceaccounts/${sa.id}/tokens`)) {
    await steps.api(`/api/serviceaccounts/${sa.id}/tokens/${t.id}`, { method: 'DELETE' })
  }
  const result = await steps.run('05-token')
  assert.is(result.code, 0, result.stderr)
  assert.match(result.stderr, /Invalid API key/)
  const fresh = steps.token()
  assert.is.not(fresh, old)
  const works = await fetch(`${steps.grafana.url}/api/search`, { headers: { authorization: `Bearer ${fresh}` } })
  assert.is(works.status, 200)
  assert.is((await steps.api(`/api/serviceaccounts/${sa.id}/tokens`)).length, 1)
})

test('a wrong admin password is reported after exactly one login attempt', async () => {
  const before = await steps.grafana.failedLogins()
  writeFileSync(join(steps.state, 'grafana-admin-password'), 'not-the-password\n')
  try {
    const result = await steps.run('05-token')
    assert.is(result.code, 1)
    assert.match(result.stderr, /Invalid username or password/)
    assert.is(await steps.grafana.failedLogins(), before + 1)
  } finally {
    writeFileSync(join(steps.state, 'grafana-admin-password'), `${PASSWORD}\n`)
  }
})

test('05 for another account issues that account its own token, and so does switching back', async () => {
  const first = steps.token()
  const other = await steps.run('05-token', ['--account', 'other-sa', '--token-name', 'other-token'])
  assert.is(other.code, 0, other.stderr)
  assert.not.match(other.stderr, /still works, kept/)
  const sa = (await steps.api('/api/serviceaccounts/search?query=other-sa')).serviceAccounts[0]
  assert.equal(
    (await steps.api(`/api/serviceaccounts/${sa.id}/tokens`)).map((t: { name: string }) => t.name),
    ['other-token'],
  )
  assert.is.not(steps.token(), first)
  const back = await steps.run('05-token')
  assert.is(back.code, 0, back.stderr)
  assert.not.match(back.stderr, /still works, kept/)
  assert.match((await steps.run('05-token')).stderr, /still works, kept/)
  steps.token()
})

/**
 * A proxy to the Grafana stand-in that holds every request until `release()`: a run sent through
 * it is caught inside its step, holding the stack's lock, for as long as the test needs.
 */
async function holdingProxy(target: string) {
  const waiting: (() => void)[] = []
  let held = true
  const server = createServer((req, res) => {
    const forward = () => {
      const upstream = request(
        new URL(req.url ?? '/', target),
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
        },
      )
      upstream.on('error', () => res.destroy())
      req.pipe(upstream)
    }
    if (held) waiting.push(forward)
    else forward()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: String((server.address() as AddressInfo).port),
    held: () => waiting.length,
    release() {
      held = false
      for (const forward of waiting.splice(0)) forward()
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** Polls `probe` until it holds, failing the test after 30 s. */
const until = (what: string, probe: () => boolean) =>
  waitFor(async () => probe(), {
    what,
    timeoutMs: 30_000,
    intervalMs: 50,
    onTimeout: () => fail(`${what}: not within 30 s`, ''),
  })

test('two runs at once (two terminals): the second waits for the first; one account, one token, no false clash', async () => {
  // Both start with a lost token, so both would issue one: only the lock keeps them apart.
  rmSync(join(steps.state, 'grafana-token'), { force: true })
  const proxy = await holdingProxy(steps.grafana.url)
  try {
    // The first run is held at its first call to Grafana, inside its step, the lock taken.
    const first = steps.run('05-token', [], { GRAFANA_PORT: proxy.port })
    await until('the first run calling Grafana', () => proxy.held() > 0)
    let secondSaid = ''
    const second = steps.run('05-token', [], {}, (soFar) => (secondSaid = soFar))
    await until('the second run waiting for the lock', () => /another run is changing this stack/.test(secondSaid))
    proxy.release()
    const [a, b] = await Promise.all([first, second])
    assert.is(a.code, 0, a.stderr)
    assert.is(b.code, 0, b.stderr)
    assert.match(b.stderr, /another run is changing this stack: 05-token \(pid \d+/)
    assert.not.match(a.stderr + b.stderr, /already exists|another service account has a token/)
    const sa = (await steps.api('/api/serviceaccounts/search?query=cli-service')).serviceAccounts
    assert.is(sa.length, 1)
    assert.is((await steps.api(`/api/serviceaccounts/${sa[0].id}/tokens`)).length, 1)
  } finally {
    proxy.release()
    await proxy.close()
  }
})

test('an empty --account or --token-name is refused with exit 2 before any call (it was silently searched for)', async () => {
  await assertRefusedBeforeAnyCall(steps, '05-token', ['--account', ''], /--account is empty/)
  await assertRefusedBeforeAnyCall(steps, '05-token', ['--token-name', ' '], /--token-name is empty/)
})

test('--verbose shows each call to Grafana as curl, the admin password and the token masked', async () => {
  const result = await steps.run('05-token', ['--verbose'])
  assert.is(result.code, 0, result.stderr)
  const api = `${steps.grafana.url}/api`
  assert.match(result.stderr, `$ curl '${api}/serviceaccounts/search?query=cli-service&perpage=1000' -u 'admin:****'`)
  const bearer = `-H 'Authorization: Bearer glsa_****${steps.token().slice(-4)}'`
  assert.ok(
    result.stderr
      .split('\n')
      .some((line) => line.startsWith(`  $ curl ${api}/serviceaccounts/`) && line.endsWith(bearer)),
    result.stderr,
  )
  const basic = Buffer.from(`admin:${PASSWORD}`).toString('base64')
  assert.not.ok(result.stderr.includes(basic), 'the admin credentials were printed in base64')
  const quiet = await steps.run('05-token', [], { VERBOSE: '' })
  assert.not.match(quiet.stderr, '$ curl')
})

testWhatEveryGrafanaStepOwes(steps, '05-token')

test.run()
