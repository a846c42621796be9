// The Engine API version a pull speaks, chosen as the docker CLI chooses it (the newest both
// sides know), against the engines users have: Docker 20.10 (up to 1.41), 29.0–29.2 (1.44 and
// up only), 29.3 and later (1.40 up), an engine older than this client, one newer than it.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { CLIENT_API } from '../../scripts/lib/engine/api.ts'
import { apiTooOld, chooseApi, compareApi, tooOldAnswer } from '../../scripts/lib/engine/api-version.ts'

test('versions compare part by part: 1.9 < 1.41 < 1.52', () => {
  assert.is(compareApi('1.9', '1.41'), -1)
  assert.is(compareApi('1.52', '1.41'), 1)
  assert.is(compareApi('1.44', '1.44'), 0)
})

for (const [engine, release, oldest, newest, speaks] of [
  ['Docker 20.10', '20.10.24', '1.12', '1.41', '1.41'],
  ['Docker 29.1', '29.1.3', '1.44', '1.52', '1.52'],
  ['Docker 29.7', '29.7.2', '1.40', '1.55', CLIENT_API.newest],
  ['an engine before /version said its minimum', '1.13.1', undefined, '1.26', undefined],
] as const) {
  test(`${engine}: the newest version both know`, () => {
    const choice = chooseApi({ release, oldest, newest })
    if (!speaks) return assert.is(choice.kind, 'engine-older')
    assert.is(choice.kind, 'speak')
    assert.is(choice.kind === 'speak' && choice.version, speaks)
  })
}

test('an engine whose oldest is above our newest: refused by name, with the real fix', () => {
  const engine = { release: '31.0.0', oldest: '1.60', newest: '1.62' }
  assert.is(chooseApi(engine).kind, 'engine-newer')
  const error = apiTooOld('unix:///var/run/docker.sock', engine)
  assert.match(error.message, `Docker 31.0.0 (API 1.60–1.62), refuses Engine API ${CLIENT_API.newest} and older`)
  assert.match(error.message, 'client version too old')
  assert.match(error.fix, 'git pull && make build')
  assert.match(error.fix, `DOCKER_MIN_API_VERSION=${CLIENT_API.newest}`)
})

test("the engine's own too-old answer is read, anything else is not", () => {
  const said =
    'client version 1.41 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version'
  assert.is(tooOldAnswer(said), '1.44')
  assert.is(tooOldAnswer('client version 1.60 is too new. Maximum supported API version is 1.41'), undefined)
})

test.run()
