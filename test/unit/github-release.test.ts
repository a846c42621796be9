// The GitHub release flow's pure parts, in-process: the repository named by a git remote, the tag
// (git's rules, both sides of each), the next tag a fix proposes, the token and API root from the
// environment, and notes merged around a hand-written text. steps/publish runs the flow itself
// against the GitHub stand-in. Expected values are literals.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mergeNotes } from '../../scripts/lib/github/release-notes.ts'
import { nextTag } from '../../scripts/lib/github/errors.ts'
import { apiUrl, fullName, parseRemoteUrl, readToken } from '../../scripts/lib/github/repository.ts'
import { validateTag } from '../../scripts/lib/github/tag.ts'
import { maskSecrets } from '../../scripts/lib/output/mask.ts'
import { StepError } from '../../scripts/lib/step/fail.ts'

const configError = (e: unknown) => e instanceof StepError && e.exitCode === 2

test('remote URLs in every form git accepts name the repository', () => {
  for (const url of [
    'https://github.com/octo/monitoring.git',
    'https://x-access-token:abc@github.com/octo/monitoring',
    'git@github.com:octo/monitoring.git',
    'ssh://git@github.com/octo/monitoring.git',
    'ssh://git@ghe.example.com:2222/octo/monitoring',
    'https://ghe.example.com/scm/octo/monitoring.git/',
    'github.com:octo/monitoring.git',
    'git@github.com:octo/monitoring/',
    '  git@github.com:octo/monitoring.git\n',
  ]) {
    assert.equal(parseRemoteUrl(url), { owner: 'octo', repo: 'monitoring' }, url)
  }
  for (const url of [
    '/srv/git/monitoring',
    'https://github.com/octo',
    'git@github.com:-bad/monitoring.git',
    'git@github.com:octo/..',
    'git@github.com:octo/.',
    // git reads a ":" after a "/" as part of a local path, not as host:path.
    '/srv/git/host:octo/monitoring',
    'git@github.com:octo/monitoring\nmore',
  ]) {
    assert.is(parseRemoteUrl(url), undefined, url)
  }
})

test("tags follow git's rules", () => {
  for (const tag of ['v1.0.0', 'release/2024-05', 'v1.0.0-rc.1+build']) assert.is(validateTag(tag), tag)
  for (const tag of ['', '-v1', 'v1.', 'v1.lock', 'a//b', '.hidden', 'v1@{0}', 'v1~1', '@']) {
    assert.throws(
      () => validateTag(tag),
      (e: unknown) => e instanceof StepError && e.exitCode === 2,
      tag,
    )
  }
})

test('the new tag a fix proposes raises the last number', () => {
  for (const [tag, next] of [
    ['v1.0.0', 'v1.0.1'],
    ['v9', 'v10'],
    ['v2.0.0-rc.1', 'v2.0.0-rc.2'],
    ['v1.0.0-beta', 'v1.0.1-beta'],
    ['v1.0.19', 'v1.0.20'],
    ['latest', 'latest-2'],
  ]) {
    assert.is(nextTag(tag!), next, tag)
    assert.not.throws(() => validateTag(nextTag(tag!)))
  }
})

test('the token and the API root come from the environment, checked', () => {
  assert.is(readToken({ GH_TOKEN: 'from-gh-token' }), 'from-gh-token')
  assert.is(readToken({ GITHUB_TOKEN: 'first', GH_TOKEN: 'second' }), 'first')
  assert.throws(() => readToken({}), configError)
  assert.is(apiUrl({}), 'https://api.github.com')
  assert.is(apiUrl({ GITHUB_API_URL: 'https://ghe.example.com/api/v3/' }), 'https://ghe.example.com/api/v3')
  assert.throws(() => apiUrl({ GITHUB_API_URL: 'ghe.example.com' }), configError)
})

test('notes written around the generated section survive a merge', () => {
  const section = '<!-- triton-monitoring:begin -->\nnew\n<!-- triton-monitoring:end -->'
  assert.is(mergeNotes(null, section), section)
  assert.is(mergeNotes('Intro', section), `Intro\n\n${section}`)
  assert.is(
    mergeNotes(`Intro\n<!-- triton-monitoring:begin -->\nold\n<!-- triton-monitoring:end -->\nOutro`, section),
    `Intro\n${section}\nOutro`,
  )
})

test("owner and repository names: GitHub's limits, on both sides", () => {
  const owner39 = `a${'b'.repeat(38)}`
  assert.equal(parseRemoteUrl(`https://github.com/${owner39}/r`), { owner: owner39, repo: 'r' })
  assert.is(parseRemoteUrl(`https://github.com/${owner39}c/r`), undefined, '40 characters')
  assert.equal(parseRemoteUrl('https://github.com/a-b/r'), { owner: 'a-b', repo: 'r' })
  for (const owner of ['a--b', 'ab-', '-ab', 'a_b'])
    assert.is(parseRemoteUrl(`https://github.com/${owner}/r`), undefined, owner)
  const repo100 = 'r'.repeat(100)
  assert.equal(parseRemoteUrl(`git@github.com:o/${repo100}.git`), { owner: 'o', repo: repo100 })
  assert.is(parseRemoteUrl(`git@github.com:o/${repo100}x.git`), undefined, '101 characters')
  assert.equal(parseRemoteUrl('git@github.com:o/a.b_c-d'), { owner: 'o', repo: 'a.b_c-d' })
  for (const repo of ['.', '..', 'a b', 'a+b'])
    assert.is(parseRemoteUrl(`https://github.com/o/${repo}`), undefined, repo)
  assert.equal(parseRemoteUrl('  https://github.com/o/r.git/  '), { owner: 'o', repo: 'r' }, 'trimmed, .git/ dropped')
  assert.equal(parseRemoteUrl('https://github.com/o/r.github.io'), { owner: 'o', repo: 'r.github.io' })
  assert.is(fullName({ owner: 'octo', repo: 'monitoring' }), 'octo/monitoring')
})

test('a tag: 255 characters or fewer, trimmed, and each character git refuses, refused', () => {
  assert.is(validateTag(`v${'1'.repeat(254)}`), `v${'1'.repeat(254)}`)
  assert.throws(() => validateTag(`v${'1'.repeat(255)}`), configError, '256 characters')
  assert.is(validateTag('  v1.2  '), 'v1.2')
  assert.throws(
    () => validateTag(undefined),
    (e: unknown) => configError(e) && /empty/.test((e as StepError).message),
  )
  assert.throws(() => validateTag('   '), configError)
  for (const c of [' ', '\t', '\x00', '\x1f', '\x7f', '~', '^', ':', '?', '*', '[', '\\']) {
    assert.throws(() => validateTag(`v1${c}x`), configError, JSON.stringify(c))
  }
  for (const tag of ['v1..2', 'a/.b', '/v1', 'v1/', 'v1.lock/x', 'x.lock'])
    assert.throws(() => validateTag(tag), configError, tag)
  for (const tag of ['v1.2', 'a/b', 'a@b', 'v1-lock', 'lock.v1', 'a.b/c', 'v1-', '!v1'])
    assert.is(validateTag(tag), tag)
})

test('the token: trimmed, GITHUB_TOKEN first unless blank, and registered so it is masked', () => {
  assert.is(readToken({ GITHUB_TOKEN: '  gh-token-one  ' }), 'gh-token-one')
  assert.is(readToken({ GITHUB_TOKEN: '   ', GH_TOKEN: 'gh-token-two' }), 'gh-token-two')
  assert.throws(() => readToken({ GITHUB_TOKEN: ' ', GH_TOKEN: ' ' }), configError)
  assert.is(maskSecrets('token gh-token-one'), 'token ****-one')
})

test('the API root: http or https, no query or fragment, every trailing slash dropped', () => {
  assert.is(apiUrl({ GITHUB_API_URL: 'http://127.0.0.1:8080//' }), 'http://127.0.0.1:8080')
  assert.is(apiUrl({ GITHUB_API_URL: '  ' }), 'https://api.github.com')
  for (const url of [
    'ftp://ghe.example.com',
    'https://ghe.example.com/api?x=1',
    'https://ghe.example.com/#a',
    'https//x',
    'git+https://ghe.example.com/api/v3',
  ]) {
    assert.throws(() => apiUrl({ GITHUB_API_URL: url }), configError, url)
  }
})

test('notes: no previous text, blank text, and an end marker before the begin marker', () => {
  const section = '<!-- triton-monitoring:begin -->\nnew\n<!-- triton-monitoring:end -->'
  assert.is(mergeNotes(undefined, section), section)
  assert.is(mergeNotes('  \n', section), section)
  assert.is(mergeNotes('Intro  \n\n', section), `Intro\n\n${section}`)
  // The section at the very start is replaced too; a begin marker without its end is text.
  assert.is(
    mergeNotes(`<!-- triton-monitoring:begin -->\nold\n<!-- triton-monitoring:end -->\nOutro`, section),
    `${section}\nOutro`,
  )
  const unended = 'Intro\n<!-- triton-monitoring:begin -->\nold'
  assert.is(mergeNotes(unended, section), `${unended}\n\n${section}`)
  const stray = '<!-- triton-monitoring:end -->\nIntro'
  assert.is(mergeNotes(stray, section), `${stray}\n\n${section}`)
})

test.run()
