// What the alert drill shows of a failed delivery (scripts/lib/prometheus/notify-errors.ts):
// Alertmanager's own error, read from its log lines as 0.25 and 0.28 write them, with every URL cut
// to its scheme and host and the webhook's token masked, also where the receiver echoes it.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseWebhookUrl } from '../../scripts/lib/prometheus/alert-webhook.ts'
import { notifyErrorsIn, redactUrls } from '../../scripts/lib/prometheus/notify-errors.ts'

const PATH_SECRET = 'PATHSECRET42'
const QUERY_SECRET = 'QUERYSECRET99'
const URL_ = `http://hook:8080/bot/${PATH_SECRET}?token=${QUERY_SECRET}`

test('URLs are cut to scheme and host wherever Go puts them in an error', () => {
  assert.is(
    redactUrls(`unexpected status code 500: ${URL_}: body`),
    'unexpected status code 500: http://hook:8080/…: body',
  )
  assert.is(
    redactUrls(`Post \\"https://u:pw@h.example/x?a=1\\": dial tcp: connection refused`),
    'Post \\"https://h.example/…\\": dial tcp: connection refused',
  )
  assert.is(redactUrls(`at ${URL_}`), 'at http://hook:8080/…')
  assert.is(redactUrls('no url here: fine'), 'no url here: fine')
})

test("the errors of 0.25's and 0.28's log lines, each once, without the URL or the receiver's echo of it", () => {
  parseWebhookUrl(URL_)
  const echo = `{\\"error\\":\\"refused\\",\\"request\\":\\"/bot/${PATH_SECRET}?token=${QUERY_SECRET}\\"}`
  const log = [
    'ts=2026-12-06T16:50:00.000Z caller=main.go:240 level=info msg="Starting Alertmanager" version="(version=0.25.0)"',
    ...[1, 2].map(
      (n) =>
        `ts=2026-12-06T16:50:0${n}.000Z caller=notify.go:732 level=warn component=dispatcher receiver=webhook ` +
        `integration=webhook[0] msg="Notify attempt failed, will retry later" attempts=${n} ` +
        `err="unexpected status code 500: ${URL_}: ${echo}"`,
    ),
    'time=2026-12-06T16:50:16.000Z level=ERROR source=dispatch.go:360 msg="Notify for alerts failed" ' +
      'component=dispatcher num_alerts=1 err="webhook/webhook[0]: notify retry canceled after 3 attempts: unexpected status code 500"',
  ].join('\n')
  const errors = notifyErrorsIn(log)
  assert.is(errors.length, 2)
  assert.match(
    errors[0]!,
    /^unexpected status code 500: http:\/\/hook:8080\/…: \{"error":"refused","request":"\/bot\/\*\*\*\*/,
  )
  assert.is(errors[1], 'webhook/webhook[0]: notify retry canceled after 3 attempts: unexpected status code 500')
  for (const error of errors) {
    assert.not.match(error, PATH_SECRET)
    assert.not.match(error, QUERY_SECRET)
  }
  assert.equal(notifyErrorsIn('ts=1 level=info msg="Completed loading of configuration file"'), [])
})

test.run()
