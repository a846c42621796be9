// Step 10 on the real engine with the real Alertmanager binary (Debian's, in the local image) and
// amtool: the webhook URL is a secret (never in argv, a container's Cmd, Env, Mounts or Labels, or
// the output; the config file in the container readable by its user alone), a re-run keeps the
// container, bad input
// (a URL that is not http(s), a config amtool rejects) is named and changes nothing, and amtool
// runs from the image when this machine has none. The alerts flowing through it: e2e/alerts.test.ts.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { WEBHOOK_FILE } from '../../scripts/lib/prometheus/alert-webhook.ts'
import { ALERTMANAGER_CONFIG_PATH, ALERTMANAGER_USER } from '../../scripts/lib/prometheus/alertmanager.ts'
import { buildImages, dockerId, run, runStep, suiteEnv, type Result, type SuiteEnv } from '../helpers/docker-suite.ts'

let suite: SuiteEnv
let env: Record<string, string>
const work = mkdtempSync(join(tmpdir(), 'am-step-'))
const TOKEN = 'hook-t0ken-for-the-step-7c1d'
const WEBHOOK = `http://tm-hook.example:8080/bot/${TOKEN}`
const outputs: string[] = []

async function step(extra: Record<string, string> = {}, args: string[] = []): Promise<Result> {
  const result = await runStep('10-alertmanager', args, { ...env, ...extra }, 120_000)
  outputs.push(result.text)
  return result
}
const container = () => env.ALERTMANAGER_CONTAINER!
const base = () => `http://127.0.0.1:${env.ALERTMANAGER_PORT}`
/** The config file in the container, as `docker cp` hands it out: `tar -tv` of it, and its content. */
function configInContainer(): { listing: string; text: string } {
  const tar = spawnSync('docker', ['cp', `${container()}:${ALERTMANAGER_CONFIG_PATH}`, '-']).stdout
  const listing = spawnSync('tar', ['-tv', '--numeric-owner'], { input: tar, encoding: 'utf8' }).stdout.trim()
  const text = spawnSync('tar', ['-xO'], { input: tar, encoding: 'utf8' }).stdout
  return { listing, text }
}
const receivers = async () =>
  ((await (await fetch(`${base()}/api/v2/receivers`)).json()) as { name: string }[]).map((r) => r.name)
const inspect = () => spawnSync('docker', ['container', 'inspect', container()], { encoding: 'utf8' }).stdout
const stored = () => readFileSync(join(suite.stateDir, WEBHOOK_FILE), 'utf8').trim()

test.before(async () => {
  suite = await suiteEnv('alertmanager')
  env = { ...suite.env, ...(await buildImages()) }
  assert.match(env.ALERTMANAGER_IMAGE ?? '', /^triton-monitoring\/alertmanager:[0-9a-f]+$/)
  const build = await run('make', ['-s', 'build'], {})
  assert.is(build.code, 0, build.text)
})

test.after(() => {
  suite?.cleanup()
  rmSync(work, { recursive: true, force: true })
})

test('a webhook URL that is not http(s): exit 2 before the engine is asked anything, no token printed', async () => {
  const result = await step({
    ALERT_WEBHOOK_URL: `ftp://bot:${TOKEN}@files.example/hook`,
    DOCKER_HOST: 'unix:///nonexistent.sock',
  })
  assert.is(result.code, 2, result.text)
  assert.match(result.text, /ALERT_WEBHOOK_URL is not a usable http\(s\) URL: its scheme is "ftp", not http or https/)
  assert.not.match(result.text, /Docker engine/)
  assert.is(dockerId('container', container()), undefined)
  assert.not.ok(spawnSync('test', ['-e', join(suite.stateDir, WEBHOOK_FILE)]).status === 0, 'nothing stored')
})

test("with a webhook: Alertmanager runs with it, the URL only in a 0400 file of the container's user", async () => {
  const result = await step({ ALERT_WEBHOOK_URL: WEBHOOK })
  assert.is(result.code, 0, result.text)
  assert.match(result.text, /amtool check-config: valid \(local amtool\)/)
  assert.match(result.text, `container ${container()} created and started`)
  assert.match(result.text, /receiver webhook → http:\/\/tm-hook\.example:8080\/…/)
  assert.equal(await receivers(), ['webhook'])
  const { listing, text } = configInContainer()
  assert.match(listing, `-r-------- ${ALERTMANAGER_USER.uid}/${ALERTMANAGER_USER.gid} `)
  assert.match(text, `url: ${WEBHOOK}`)
  assert.is(statSync(join(suite.stateDir, WEBHOOK_FILE)).mode & 0o777, 0o600)
  assert.is(stored(), WEBHOOK)
  const info = JSON.parse(inspect())[0] as { Config: { User: string; Cmd: string[]; Env: string[] } }
  assert.is(info.Config.User, `${ALERTMANAGER_USER.uid}:${ALERTMANAGER_USER.gid}`)
  assert.not.match(inspect(), TOKEN, "the URL is in the container's inspect output")
})

test('a re-run without the variable keeps the container and the stored webhook', async () => {
  const id = dockerId('container', container())
  const result = await step()
  assert.is(result.code, 0, result.text)
  // The same config from the same image passed amtool on the first run: not checked again.
  assert.match(result.text, 'amtool check-config: valid (passed before, unchanged since)')
  assert.match(result.text, `container ${container()} already runs with this configuration, kept`)
  assert.is(dockerId('container', container()), id)
  assert.equal(await receivers(), ['webhook'])
})

test('a config amtool rejects (ALERTMANAGER_CONFIG): its reason, exit 1, nothing changed', async () => {
  const id = dockerId('container', container())
  const before = configInContainer().text
  const bad = join(work, 'bad.yml')
  writeFileSync(bad, 'route:\n  receiver: pager\nreceivers:\n  - name: email\n')
  const result = await step({ ALERTMANAGER_CONFIG: bad })
  assert.is(result.code, 1, result.text)
  assert.match(result.text, /amtool rejects the Alertmanager config:[\s\S]*undefined receiver "pager" used in route/)
  assert.match(result.text, /nothing was changed/)
  assert.is(dockerId('container', container()), id)
  assert.is(configInContainer().text, before)
  assert.is(stored(), WEBHOOK)
  assert.equal(await receivers(), ['webhook'])
})

test('ALERTMANAGER_CONFIG and ALERT_WEBHOOK_URL together: exit 2, nothing changed', async () => {
  const own = join(work, 'own.yml')
  writeFileSync(own, 'route:\n  receiver: email\nreceivers:\n  - name: email\n')
  const result = await step({ ALERTMANAGER_CONFIG: own, ALERT_WEBHOOK_URL: 'http://other:1/x' })
  assert.is(result.code, 2, result.text)
  assert.match(result.text, /ALERTMANAGER_CONFIG and ALERT_WEBHOOK_URL are both set/)
  assert.is(stored(), WEBHOOK)
})

test('your own config is checked by the image amtool when there is none here, and replaces the generated one', async () => {
  // A PATH with what the step needs (node, docker, a shell for zx) and no amtool.
  const bin = join(work, 'bin')
  mkdirSync(bin)
  for (const tool of ['node', 'docker', 'bash', 'sh']) {
    const path = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim()
    symlinkSync(path, join(bin, tool))
  }
  const own = join(work, 'own.yml')
  const id = dockerId('container', container())
  const result = await step({ ALERTMANAGER_CONFIG: own, PATH: bin })
  assert.is(result.code, 0, result.text)
  assert.match(result.text, `amtool check-config: valid (amtool in ${env.ALERTMANAGER_IMAGE})`)
  assert.match(result.text, `container ${container()} has a different configuration (labels): recreating it`)
  assert.is.not(dockerId('container', container()), id)
  assert.equal(await receivers(), ['email'])
})

test('ALERT_WEBHOOK_URL=none forgets the webhook: alerts go to the terminal-only receiver', async () => {
  const result = await step({ ALERT_WEBHOOK_URL: 'none' })
  assert.is(result.code, 0, result.text)
  assert.match(result.text, `webhook removed (${WEBHOOK_FILE} deleted)`)
  assert.match(result.text, /no webhook: alerts show in `make alerts`/)
  assert.equal(await receivers(), ['terminal'])
  assert.is(spawnSync('test', ['-e', join(suite.stateDir, WEBHOOK_FILE)]).status, 1)
})

test('the webhook URL never appeared in any output of the step', () => {
  for (const text of outputs) assert.not.match(text, TOKEN)
})

test.run()
