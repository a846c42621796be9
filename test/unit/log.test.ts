// What --verbose shows: each command as one could type it, each HTTP request as the curl that
// sends it (PromQL readable, bodies cut short), every secret masked, a poll's repeats hushed.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { hushCommands, log, setVerbose } from '../../scripts/lib/output/log.ts'
import { registerSecret } from '../../scripts/lib/output/mask.ts'
import { fail } from '../../scripts/lib/step/fail.ts'
import { waitFor } from '../../scripts/lib/step/poll.ts'

/** What `body` printed on stderr, colors removed. */
async function printed(body: () => unknown): Promise<string> {
  const write = process.stderr.write
  let text = ''
  process.stderr.write = ((chunk: string) => {
    text += chunk
    return true
  }) as typeof process.stderr.write
  try {
    await body()
  } finally {
    process.stderr.write = write
  }
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '')
}

test.before(() => setVerbose(true))
test.after(() => setVerbose(false))

test('nothing is shown unless verbose', async () => {
  setVerbose(false)
  try {
    assert.is(await printed(() => log.command(['docker', 'ps'])), '')
  } finally {
    setVerbose(true)
  }
})

test('a command is quoted where the shell needs it, a note follows as a comment', async () => {
  assert.is(
    await printed(() => log.command(['docker', 'inspect', '--format', '{{json .}}', 'triton'], 'why')),
    "  $ docker inspect --format '{{json .}}' triton   # why\n",
  )
})

test('a PromQL query is shown readable, with curl -G and --data-urlencode', async () => {
  const url = `http://127.0.0.1:3000/api/v1/query?${new URLSearchParams({ query: 'sum(rate(x{model="m"}[1m]))' })}`
  assert.is(
    await printed(() => log.request({ url })),
    `  $ curl -G http://127.0.0.1:3000/api/v1/query --data-urlencode 'query=sum(rate(x{model="m"}[1m]))'\n`,
  )
  assert.is(
    await printed(() => log.request({ url: 'http://h/api?state=active' })),
    "  $ curl 'http://h/api?state=active'\n",
  )
})

test('credentials are masked: basic auth as -u user:****, a token as its masked form', async () => {
  const password = 'a-long-admin-password'
  const basic = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`
  const token = 'glsa_0123456789abcdefghijklmnopqrstuv_12345678'
  registerSecret(token)
  const text = await printed(() => {
    log.request({ method: 'POST', url: 'http://g/api/x', authorization: basic, body: '{"a":1}' })
    log.request({ url: 'http://g/api/y', authorization: `Bearer ${token}` })
  })
  assert.is(
    text,
    "  $ curl -X POST http://g/api/x -u 'admin:****' -d '{\"a\":1}'\n" +
      "  $ curl http://g/api/y -H 'Authorization: Bearer glsa_****5678'\n",
  )
  assert.not.ok(text.includes(password) || text.includes(basic.slice(6)) || text.includes(token))
})

test('a long body is cut short, a binary one named by its size', async () => {
  const text = await printed(() => {
    log.request({ method: 'POST', url: 'http://g/a', body: `{"data":"${'x'.repeat(500)}"}` })
    log.request({ method: 'POST', url: 'http://g/b', body: new Uint8Array(453) })
  })
  const [long, binary] = text.trimEnd().split('\n')
  assert.ok(long!.endsWith(`${'x'.repeat(191)}…'`), long)
  assert.is(binary, "  $ curl -X POST http://g/b --data-binary '@<453 bytes>'")
})

test('hushed commands are not shown, and showing comes back as it was', async () => {
  const text = await printed(() => {
    log.command(['curl', 'first'])
    const was = hushCommands(true)
    log.command(['curl', 'again'])
    hushCommands(was)
    log.command(['curl', 'after'])
  })
  assert.is(text, '  $ curl first\n  $ curl after\n')
})

test('a poll (waitFor) shows the commands of its first round only, even one that failed', async () => {
  let round = 0
  const text = await printed(() =>
    waitFor(
      async () => {
        log.command(['curl', 'http://h/ready'])
        if (++round === 1) throw new Error('connection refused')
        return round === 3
      },
      { what: 'ready', timeoutMs: 5000, intervalMs: 1, onTimeout: () => fail('not ready', 'wait longer') },
    ),
  )
  assert.is(round, 3)
  assert.is(text.split('$ curl http://h/ready').length - 1, 1, text)
})

test.run()
