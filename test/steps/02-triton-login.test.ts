// Step 02-triton pulling from a registry that wants a login (Debian's docker-registry with
// htpasswd on 127.0.0.1), after a real `docker login` into a DOCKER_CONFIG of the suite's own:
// logins whose X-Registry-Auth needs each padding (0, 1 and 2 `=`) all pull, `make doctor`
// agrees with the pull and names the login it checked, and a wrong password is named as one.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { registryAuthHeader } from '../../scripts/lib/engine/registry-auth.ts'
import { buildImages, dockerId, run, runStep, suiteEnv, type SuiteEnv } from '../helpers/docker-suite.ts'
import { imageExists, pushStandIn, removeTag, startRegistry, type TestRegistry } from '../helpers/registry.ts'

let suite: SuiteEnv
let env: Record<string, string>
let registry: TestRegistry
let dockerConfig: string
const tags: string[] = []
const repo = `tm-login-${process.pid}-${randomBytes(3).toString('hex')}`

interface Login {
  username: string
  password: string
}

/**
 * Logins whose X-Registry-Auth JSON has each length modulo 3, so its base64 ends in no `=`, one
 * and two: the lengths an unpadded encoding got wrong. The registry's port is part of the JSON.
 */
function logins(host: string): Login[] {
  return ['u', 'user', 'student01'].map((username, padding) => {
    let password = 'S3cret!x'
    const json = () => JSON.stringify({ username, password, serveraddress: host })
    while ((3 - (json().length % 3)) % 3 !== padding) password += 'y'
    return { username, password }
  })
}

function htpasswd(login: Login): string {
  // -i: the password on stdin, never on a command line.
  const r = spawnSync('htpasswd', ['-iBn', login.username], { input: login.password, encoding: 'utf8' })
  assert.is(r.status, 0, r.stderr)
  return r.stdout.trim()
}

function dockerLogin(login: Login): void {
  const r = spawnSync('docker', ['login', registry.host, '--username', login.username, '--password-stdin'], {
    input: login.password,
    encoding: 'utf8',
    env: { ...process.env, DOCKER_CONFIG: dockerConfig },
  })
  assert.is(r.status, 0, r.stderr)
}

let users: Login[]

test.before(async () => {
  suite = await suiteEnv('login')
  dockerConfig = mkdtempSync(join(tmpdir(), 'tm-login-docker-config-'))
  env = { ...suite.env, ...(await buildImages()), DOCKER_CONFIG: dockerConfig }
  // The logins are made before the registry's port is known: only its length counts, and ports
  // from the ephemeral range have five digits (the first test checks the paddings all the same).
  registry = await startRegistry({ htpasswd: `${logins('127.0.0.1:50000').map(htpasswd).join('\n')}\n` })
  users = logins(registry.host)
  // pushStandIn's docker runs with this process's environment: the suite's login pushes.
  process.env.DOCKER_CONFIG = dockerConfig
  const build = await run('make', ['-s', 'build'], {})
  assert.is(build.code, 0, build.text)
})

test.after(async () => {
  suite?.cleanup()
  for (const tag of tags) removeTag(tag)
  await registry?.stop()
  rmSync(dockerConfig, { recursive: true, force: true })
})

function standIn(name: string): string {
  const ref = `${registry.host}/${repo}/${name}:1`
  tags.push(ref)
  pushStandIn(env.TRITON_IMAGE!, ref, 1)
  assert.not.ok(imageExists(ref), `${ref} must not be here before the pull`)
  return ref
}

test('the three logins need each base64 padding of X-Registry-Auth', () => {
  const paddings = users.map((u) => registryAuthHeader(u, registry.host).match(/=*$/)![0].length)
  assert.equal(paddings, [0, 1, 2])
})

test('after docker login, make doctor and make triton agree for every login: each one pulls', async () => {
  for (const user of users) {
    dockerLogin(user)
    const image = standIn(`triton-${user.username}`)
    const withImage = { ...env, TRITON_IMAGE: image }
    const doctor = await runStep('doctor', [], withImage, 120_000)
    assert.match(
      doctor.text,
      new RegExp(`✔ image: TRITON_IMAGE=${image}: not here, http://${registry.host} has it for ${user.username} \\(`),
      doctor.text,
    )
    const result = await run('make', ['-s', 'triton'], withImage)
    assert.is(result.code, 0, `${user.username}: ${result.text}`)
    assert.match(result.text, `✔ pulled ${image}: `)
    assert.ok(imageExists(image))
  }
})

test('a wrong password: doctor and the pull both name it a wrong login, not "log in first"; nothing made', async () => {
  const user = users[1]!
  const image = standIn('triton-wrong')
  // What a login whose password was changed since looks like: the stored one is refused.
  const auth = Buffer.from(`${user.username}:not-${user.password}`).toString('base64')
  writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }))
  const names = { TRITON_CONTAINER: `${env.TRITON_CONTAINER}-wrong`, NETWORK: `${env.NETWORK}-wrong` }
  suite.containers.push(names.TRITON_CONTAINER)
  const withImage = { ...env, ...names, TRITON_IMAGE: image }
  try {
    const doctor = await runStep('doctor', [], withImage, 120_000)
    assert.is(doctor.code, 1, doctor.text)
    assert.match(
      doctor.text,
      `✖ image: TRITON_IMAGE=${image}: not here, http://${registry.host} refuses the stored login of ` +
        `${user.username} (a wrong or expired password`,
    )
    const result = await runStep('02-triton', [], withImage, 120_000)
    assert.is(result.code, 1, result.text)
    assert.match(result.text, `the registry refused the stored login of ${user.username} (a wrong or expired password)`)
    for (const text of [doctor.text, result.text]) {
      assert.match(text, `log in again with the right password (\`docker login ${registry.host}\``)
      assert.not.match(text, 'log in first')
      assert.not.match(text, user.password)
    }
    assert.is(dockerId('container', names.TRITON_CONTAINER), undefined)
    assert.not.ok(imageExists(image))
  } finally {
    spawnSync('docker', ['network', 'rm', names.NETWORK], { stdio: 'ignore' })
  }
})

test('no login at all: "log in first", from doctor and from the pull', async () => {
  // Pushed by the test before, never pulled: only in the registry.
  const image = `${registry.host}/${repo}/triton-wrong:1`
  assert.not.ok(imageExists(image))
  writeFileSync(join(dockerConfig, 'config.json'), '{}')
  const names = { TRITON_CONTAINER: `${env.TRITON_CONTAINER}-anonymous`, NETWORK: `${env.NETWORK}-anonymous` }
  suite.containers.push(names.TRITON_CONTAINER)
  const withImage = { ...env, ...names, TRITON_IMAGE: image }
  const doctor = await runStep('doctor', [], withImage, 120_000)
  assert.is(doctor.code, 1, doctor.text)
  const result = await runStep('02-triton', [], withImage, 120_000)
  spawnSync('docker', ['network', 'rm', names.NETWORK], { stdio: 'ignore' })
  assert.is(result.code, 1, result.text)
  for (const text of [doctor.text, result.text]) {
    assert.match(text, `log in first (\`docker login ${registry.host}\`)`)
  }
})

test.run()
