// The Grafana stand-in's image against the grafana/grafana image it stands for: `grafana cli admin
// reset-admin-password` (flags, the `New Password: ` prompt, Grafana's success and `Error: ✗`
// lines, exit codes) changes the password the running server checks, and leaves the login
// lockout alone; the entrypoint resolves GF_*__FILE as run.sh does. Facts: the shared reference
// grafana-admin-reset-and-secrets.md (reset_password_command.go, main.go, run.sh).
import { spawnSync } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fail } from '../../scripts/lib/step/fail.ts'
import { waitFor } from '../../scripts/lib/step/poll.ts'
import { buildImages, freePort } from '../helpers/docker-suite.ts'
import { runGrafanaImage } from '../helpers/grafana-standin.ts'

const name = `tm-grafana-cli-${process.pid}`
const FIRST = 'first-admin-pw-3'
const CLI = ['grafana', 'cli', '--homepath', '/usr/share/grafana', '--config', '/etc/grafana/grafana.ini']
let image = ''
let port = 0

const status = (password: string, user = 'admin') =>
  fetch(`http://127.0.0.1:${port}/api/user`, {
    headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
    signal: AbortSignal.timeout(2000),
  }).then(
    (r) => r.status,
    () => undefined,
  )

/** `docker exec -i <stand-in> <args>` with `input` on stdin. */
function exec(args: string[], input?: string, options: string[] = []) {
  const out = spawnSync('docker', ['exec', '-i', ...options, name, ...args], { input: input ?? '', encoding: 'utf8' })
  return { code: out.status, stdout: out.stdout, stderr: out.stderr }
}

test.before(async () => {
  image = (await buildImages()).GRAFANA_IMAGE!
  port = await freePort()
  runGrafanaImage(name, image, port, ['-e', `GF_SECURITY_ADMIN_PASSWORD=${FIRST}`])
  await waitFor(async () => (await status(FIRST)) === 200, {
    what: 'stand-in up',
    timeoutMs: 30_000,
    onTimeout: () => fail('the Grafana stand-in never accepted its first password', 'see docker logs'),
  })
})

test.after(() => {
  spawnSync('docker', ['rm', '--force', name], { stdio: 'ignore' })
})

test('reset from stdin: the prompt, the success line, exit 0, and the running server takes the new password', async () => {
  const out = exec([...CLI, 'admin', 'reset-admin-password', '--password-from-stdin'], 'second-admin-pw-4\n')
  assert.is(out.code, 0, out.stdout + out.stderr)
  assert.is(out.stdout, 'New Password: \nAdmin password changed successfully ✔\n\n')
  assert.is(await status('second-admin-pw-4'), 200)
  assert.is(await status(FIRST), 401)
})

test('the password as an argument works too, with the global flags before the command', async () => {
  const out = exec([...CLI, 'admin', 'reset-admin-password', 'third-admin-pw-5'])
  assert.is(out.code, 0, out.stdout)
  assert.is(await status('third-admin-pw-5'), 200)
})

for (const [what, args, input, said] of [
  ['a password under 4 characters', ['--password-from-stdin'], 'abc\n', 'new password is too short'],
  ['empty stdin', ['--password-from-stdin'], '', "can't read password from stdin"],
  ['a user id that is not the admin', ['--user-id', '2', 'fourth-pw-6'], '', 'could not read user from database'],
  ['an unknown flag', ['--no-such-flag'], '', 'flag provided but not defined: -no-such-flag'],
] as const) {
  test(`${what}: "Error: ✗ <why>" on stdout, exit 1, the password unchanged`, async () => {
    const out = exec([...CLI, 'admin', 'reset-admin-password', ...args], input)
    assert.is(out.code, 1, out.stdout)
    assert.match(out.stdout, `Error: ✗ ${said}`)
    assert.is(await status('third-admin-pw-5'), 200)
  })
}

test('without --homepath, outside the install folder: the config defaults are not found', () => {
  const out = exec(['grafana', 'cli', 'admin', 'reset-admin-password', 'fifth-pw-7'], '', ['--workdir', '/'])
  assert.is(out.code, 1)
  assert.match(out.stdout, 'Could not find config defaults, make sure homepath command line parameter is set')
})

test('a reset does not lift the lockout: after 5 failures the new password is refused too', async () => {
  for (let i = 0; i < 5; i++) assert.is(await status('wrong-password'), 401)
  assert.is(exec([...CLI, 'admin', 'reset-admin-password', 'sixth-admin-pw-8']).code, 0)
  const locked = await fetch(`http://127.0.0.1:${port}/api/user`, {
    headers: { authorization: `Basic ${Buffer.from('admin:sixth-admin-pw-8').toString('base64')}` },
  })
  assert.is(locked.status, 401)
  assert.is(((await locked.json()) as { messageId: string }).messageId, 'login-attempt.blocked')
})

test('run.sh: a variable and its __FILE both set stop the container with its ERROR line', () => {
  const out = spawnSync(
    'docker',
    [
      'run',
      '--rm',
      '-e',
      'GF_SECURITY_ADMIN_PASSWORD=x1234',
      '-e',
      'GF_SECURITY_ADMIN_PASSWORD__FILE=/etc/passwd',
      image,
    ],
    { encoding: 'utf8' },
  )
  assert.is(out.status, 1)
  assert.match(
    out.stderr,
    'ERROR: Both GF_SECURITY_ADMIN_PASSWORD and GF_SECURITY_ADMIN_PASSWORD__FILE are set (but are exclusive)',
  )
})

test.run()
