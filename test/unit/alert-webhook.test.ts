// ALERT_WEBHOOK_URL (scripts/lib/prometheus/alert-webhook.ts): checked as Alertmanager checks it, refused
// without quoting more than its scheme, stored 0600 in the state folder only once the step commits,
// kept when unset, forgotten with `none`, and masked wherever it would be printed.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  describeWebhook,
  parseWebhookUrl,
  WEBHOOK_FILE,
  webhookChoice,
} from '../../scripts/lib/prometheus/alert-webhook.ts'
import { StepError } from '../../scripts/lib/step/fail.ts'
import { maskSecrets } from '../../scripts/lib/output/mask.ts'
import { stateDirs } from '../helpers/state-dir.ts'

const work = mkdtempSync(join(tmpdir(), 'alert-webhook-'))
const useState = stateDirs(work)
const TOKEN = 'b0t-t0ken-5ecret-9f3a'
const URL_WITH_TOKEN = `https://open.feishu.example/open-apis/bot/v2/hook/${TOKEN}`

function refused(value: string): StepError {
  try {
    parseWebhookUrl(value)
  } catch (error) {
    assert.instance(error, StepError)
    return error as StepError
  }
  return assert.unreachable(`${value} was accepted`) as never
}

test.after(() => rmSync(work, { recursive: true, force: true }))

for (const [value, scheme] of [
  [`ftp://bot:${TOKEN}@files.example/hook`, /: its scheme is "ftp", not http or https \(/],
  [`hooks.example.com/${TOKEN}`, /: it does not start with http:\/\/ or https:\/\/ \(/],
  [`hooks.example.com:8080/${TOKEN}`, /: its scheme is "hooks.example.com", not http or https \(/],
  [`http:///${TOKEN}`, /: it has no host after \/\/ \(/],
  [`http://hook.example/${TOKEN} extra`, /: it contains a space or a control character \(/],
  // It had said `is not an http(s) URL (its scheme is "http"…)`: true of the scheme, not the reason.
  [`http://exa mple.com/${TOKEN}`, /: it contains a space or a control character \(/],
  [`http://hook.example:99999/${TOKEN}`, /: its host or port is not valid \(/],
  [`/${TOKEN}`, /: it does not start with http:\/\/ or https:\/\/ \(/],
] as const) {
  test(`refuses ${value.replace(TOKEN, '<token>')} with exit 2, quoting no token`, () => {
    const error = refused(value)
    assert.is(error.exitCode, 2)
    assert.match(error.cause_, scheme)
    assert.match(error.fix, /ALERT_WEBHOOK_URL=http:\/\/receiver:8080\/hook/)
    assert.not.match(`${error.cause_} ${error.fix}`, TOKEN)
  })
}

for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'hook.localhost', '[::1]', '0.0.0.0']) {
  test(`refuses a webhook on ${host}: inside the Alertmanager container that is the container itself`, () => {
    const error = refused(`http://${host}:8080/bot/${TOKEN}?token=${TOKEN}`)
    assert.is(error.exitCode, 2)
    assert.match(error.cause_, `points at ${host.toLowerCase()}: Alertmanager posts from inside its container`)
    assert.match(error.fix, /Docker network/)
    assert.not.match(`${error.cause_} ${error.fix}`, TOKEN)
  })
}

test('accepts http and https URLs with ports, queries and fragments, as they are', () => {
  for (const url of [URL_WITH_TOKEN, 'http://receiver:8080/hook', `https://h.example/x?access_token=${TOKEN}&a=1#f`])
    assert.is(parseWebhookUrl(url), url)
})

test('shown as scheme and host only, and masked wherever the whole URL is printed', () => {
  parseWebhookUrl(URL_WITH_TOKEN)
  assert.is(describeWebhook(URL_WITH_TOKEN), 'https://open.feishu.example/…')
  assert.is(describeWebhook(`https://user:${TOKEN}@h.example:8443/p`), 'https://h.example:8443/…')
  assert.not.match(maskSecrets(`posting to ${URL_WITH_TOKEN} failed`), TOKEN)
})

test('a URL from the environment is stored 0600 only on commit; unset keeps it; none forgets it', () => {
  const dir = useState()
  const given = webhookChoice({ ALERT_WEBHOOK_URL: URL_WITH_TOKEN })
  assert.is(given.url, URL_WITH_TOKEN)
  assert.not.ok(existsSync(join(dir, WEBHOOK_FILE)), 'nothing stored before the config is checked')
  given.commit()
  assert.is(statSync(join(dir, WEBHOOK_FILE)).mode & 0o777, 0o600)
  const kept = webhookChoice({})
  assert.equal([kept.url, kept.origin], [URL_WITH_TOKEN, 'state folder'])
  const off = webhookChoice({ ALERT_WEBHOOK_URL: 'none' })
  assert.equal([off.url, off.origin], [undefined, 'removed'])
  off.commit()
  assert.not.ok(existsSync(join(dir, WEBHOOK_FILE)))
  assert.equal(webhookChoice({}).origin, 'none')
})

test('a bad value changes nothing stored; a broken stored file is named as such', () => {
  const dir = useState()
  webhookChoice({ ALERT_WEBHOOK_URL: 'http://receiver:8080/hook' }).commit()
  assert.throws(() => webhookChoice({ ALERT_WEBHOOK_URL: 'ftp://x/y' }))
  assert.is(webhookChoice({}).url, 'http://receiver:8080/hook')
  writeFileSync(join(dir, WEBHOOK_FILE), 'gopher://old\n', { mode: 0o600 })
  try {
    webhookChoice({})
    assert.unreachable()
  } catch (error) {
    assert.match((error as StepError).cause_, `${WEBHOOK_FILE} in the state folder is not a usable http(s) URL`)
  }
})

test.run()
