// The Alertmanager config (prometheus/alertmanager.ts) on Debian's real amtool (0.25, the strictest
// of the versions the stack runs: no url_file): it passes check-config with and without a webhook,
// its routes send every alert to the webhook (or to the terminal-only receiver), and amtool's checks
// can fail, so a green run means something.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { alertmanagerConfig, alertmanagerYaml, RECEIVERS } from '../../prometheus/alertmanager.ts'
import { ruleGroups } from '../../prometheus/rules.ts'
import { repoRoot } from '../helpers/paths.ts'

const scratch = mkdtempSync(join(tmpdir(), 'am-config-'))
const WEBHOOK = 'https://hooks.example.com/bot/send?access_token=abc&x=#frag'

function amtool(...args: string[]) {
  const result = spawnSync('amtool', args, { encoding: 'utf8' })
  return { code: result.status, stdout: result.stdout.trim(), output: `${result.stdout}${result.stderr}` }
}
function file(name: string, text: string): string {
  const path = join(scratch, name)
  writeFileSync(path, text)
  return path
}
const committed = join(repoRoot, 'prometheus/alertmanager.yml')
const withWebhook = () => file('webhook.yml', alertmanagerYaml(alertmanagerConfig({ webhookUrl: WEBHOOK })))
/** Labels of every alert the rules can raise, as Prometheus sends them. */
const alerts = ruleGroups
  .flatMap((g) => g.rules)
  .flatMap((r) => ('alert' in r ? [[`alertname=${r.alert}`, `severity=${r.labels.severity}`, 'job=triton']] : []))

test('amtool check-config accepts the committed config (no webhook) and one with a webhook', () => {
  for (const path of [committed, withWebhook()]) {
    const { code, output } = amtool('check-config', path)
    assert.is(code, 0, output)
    assert.match(output, /SUCCESS/)
  }
})

test('the webhook URL survives YAML as it is, whatever characters it holds', () => {
  const config = parse(readFileSync(withWebhook(), 'utf8')) as {
    receivers: { webhook_configs: { url: string; send_resolved: boolean }[] }[]
  }
  assert.is(config.receivers[0]!.webhook_configs[0]!.url, WEBHOOK)
  // The drill watches the alert resolve at the webhook too.
  assert.is(config.receivers[0]!.webhook_configs[0]!.send_resolved, true)
})

test("alerts are grouped per alert and instance, so one replica's resolve never waits for another's", () => {
  for (const webhookUrl of [undefined, WEBHOOK]) {
    const config = parse(alertmanagerYaml(alertmanagerConfig({ webhookUrl }))) as { route: { group_by: string[] } }
    assert.equal(config.route.group_by, ['alertname', 'job', 'instance'])
  }
})

test('amtool config routes test: every alert of the rules goes to the webhook, or to the terminal receiver', () => {
  for (const [path, receiver] of [
    [withWebhook(), RECEIVERS.webhook],
    [committed, RECEIVERS.none],
  ] as const) {
    for (const labels of alerts) {
      const { code, stdout, output } = amtool(
        'config',
        'routes',
        'test',
        `--config.file=${path}`,
        `--verify.receivers=${receiver}`,
        ...labels,
        'instance=triton:8002',
      )
      assert.is(code, 0, `${labels.join(' ')}: ${output}`)
      assert.is(stdout, receiver)
    }
  }
})

test('the routes test can fail: a receiver the route does not pick exits 1', () => {
  const { code, output } = amtool(
    'config',
    'routes',
    'test',
    `--config.file=${committed}`,
    `--verify.receivers=${RECEIVERS.webhook}`,
    'alertname=TritonTargetDown',
  )
  assert.is(code, 1, output)
  assert.match(output, /Expected receivers did not match/)
})

test('check-config can fail: a route to an undefined receiver, and a webhook without a host', () => {
  const config = alertmanagerConfig()
  config.route.receiver = 'nowhere'
  const undefinedReceiver = amtool('check-config', file('bad.yml', alertmanagerYaml(config)))
  assert.is.not(undefinedReceiver.code, 0)
  assert.match(undefinedReceiver.output, /undefined receiver "nowhere" used in route/)
  const noHost = amtool(
    'check-config',
    file('nohost.yml', alertmanagerYaml(alertmanagerConfig({ webhookUrl: 'http:///hook' }))),
  )
  assert.is.not(noHost.code, 0)
  assert.match(noHost.output, /missing host for URL/)
})

test.after(() => rmSync(scratch, { recursive: true, force: true }))

test.run()
