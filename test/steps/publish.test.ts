// scripts/publish.ts run as a child process against the GitHub stand-in (two loopback
// listeners, every request checked against GitHub's OpenAPI description), in a temporary work
// folder holding fixture exports, so nothing here depends on the real dashboard or on github.com.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { build } from 'esbuild'
import { nodeBundle } from '../../build.ts'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { apiUrl, parseRemoteUrl, readToken, validateTag } from '../../scripts/lib/github.ts'
import { mergeNotes } from '../../scripts/lib/release-notes.ts'
import { StepError } from '../../scripts/lib/fail.ts'
import { repoRoot } from '../helpers/paths.ts'
import { runProcess } from '../helpers/process.ts'
import { startGithubStandin, type GithubStandin } from '../standins/github/server.ts'

const REPO = 'octo/monitoring'
const TOKEN = `ghp_${'A1b2C3d4E5f6G7h8I9j0'.repeat(2).slice(0, 36)}`
// No recognisable prefix: only registerSecret can hide it.
const READ_ONLY_TOKEN = 'plain-read-only-secret-0123456789'
const RUN_TIMEOUT_MS = 60_000
const bundleDir = mkdtempSync(join(tmpdir(), 'publish-bundle-'))
const bundle = join(bundleDir, 'publish.mjs')
const sha = (text: string) => createHash('sha256').update(text).digest('hex')

/** Everything any run printed, checked for tokens by the last test. */
const printed: string[] = []

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function dashboard(title: string, extraPanel = false): string {
  const panels = [
    { type: 'row', title: 'Overview', panels: [] },
    { type: 'stat', title: 'Current QPS' },
    { type: 'row', title: 'Latency', collapsed: true, panels: [{ type: 'timeseries', title: 'Mean latency' }] },
    ...(extraPanel ? [{ type: 'timeseries', title: 'GPU utilization' }] : []),
  ]
  return `${JSON.stringify({ title, uid: 'triton-monitoring', schemaVersion: 41, panels }, null, 2)}\n`
}

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'publish-test-'))
  mkdirSync(join(dir, 'dashboards'))
  mkdirSync(join(dir, 'prometheus', 'rules'), { recursive: true })
  writeFileSync(join(dir, 'dashboards/triton.json'), dashboard('Triton Inference Server'))
  writeFileSync(join(dir, 'prometheus/prometheus.yml'), 'global:\n  scrape_interval: 5s\n')
  writeFileSync(join(dir, 'prometheus/rules/triton.rules.yml'), 'groups: []\n')
  writeFileSync(join(dir, 'prometheus/rules.test.yml'), 'tests: []\n')
  writeFileSync(join(dir, 'prometheus/config.ts'), '// not an asset\n')
  return dir
}

async function run(gh: GithubStandin, cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const { code, stdout, stderr } = await runProcess(process.execPath, [bundle, ...args], {
    cwd,
    // Built from nothing, so a GITHUB_* variable of the machine running the tests cannot leak in.
    onlyEnv: {
      PATH: process.env.PATH!,
      HOME: cwd,
      GITHUB_API_URL: gh.apiUrl,
      GITHUB_TOKEN: TOKEN,
      GITHUB_REPOSITORY: REPO,
      ...env,
    },
    timeoutMs: RUN_TIMEOUT_MS,
  })
  printed.push(stdout, stderr)
  return { code, stdout, stderr }
}

/** A stand-in and a work folder for one test, both gone afterwards even when it fails. */
async function withStandin(
  body: (gh: GithubStandin, dir: string) => Promise<void>,
  expectViolations = false,
): Promise<void> {
  const gh = await startGithubStandin({ repositories: [REPO], tokens: { [TOKEN]: 'write', [READ_ONLY_TOKEN]: 'read' } })
  const dir = workdir()
  try {
    await body(gh, dir)
    if (!expectViolations) assert.equal(gh.violations, [], "requests that break GitHub's OpenAPI description")
  } finally {
    await gh.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

// Bundled as `make publish` runs it (build.ts): one file, started by plain node, three times
// faster per run than through the TypeScript loader.
test.before(async () => {
  await build({ ...nodeBundle, entryPoints: [join(repoRoot, 'scripts/publish.ts')], outfile: bundle })
})
test.after(() => rmSync(bundleDir, { recursive: true, force: true }))

const writes = (gh: GithubStandin) => gh.requests.filter((r) => r.method !== 'GET')
const json = (r: Run) =>
  JSON.parse(r.stdout) as {
    repository: string
    tag: string
    dryRun: boolean
    release: { action: string; id: number | null; draft: boolean; url: string | null }
    assets: { name: string; path: string; size: number; sha256: string; action: string; url: string | null }[]
  }
const ok = (r: Run) => assert.is(r.code, 0, `exit code ${r.code}\n${r.stderr}`)

test('first publish creates the release with notes and uploads through upload_url', () =>
  withStandin(async (gh, dir) => {
    const r = await run(gh, dir, ['--tag', 'v1.0.0', '--with-prometheus', '--json'])
    ok(r)
    const [release, ...others] = gh.releases(REPO)
    assert.is(others.length, 0)
    assert.is(release!.tag, 'v1.0.0')
    assert.is(release!.draft, false)
    assert.equal(release!.assets.map((a) => a.name).sort(), ['prometheus.yml', 'triton.json', 'triton.rules.yml'])
    const triton = release!.assets.find((a) => a.name === 'triton.json')!
    assert.is(triton.data.toString(), dashboard('Triton Inference Server'))
    assert.is(triton.contentType, 'application/json')
    for (const text of [
      'Triton Inference Server',
      '`triton-monitoring`',
      'schemaVersion: 41',
      'Panels: 2',
      '- **Latency**',
      '  - Mean latency (`timeseries`)',
      '- Current QPS (`stat`)',
      sha(dashboard('Triton Inference Server')),
    ]) {
      assert.ok(release!.body!.includes(text), `notes lack ${text}:\n${release!.body}`)
    }
    const uploads = gh.requests.filter((q) => q.operationId === 'repos/upload-release-asset')
    assert.is(uploads.length, 3)
    assert.ok(uploads.every((q) => q.host === 'uploads' && q.status === 201))
    assert.ok(
      gh.requests.every((q) => q.authorization === `token ${TOKEN}`),
      'every request carries the token',
    )

    const out = json(r)
    assert.equal(Object.keys(out).sort(), ['assets', 'dryRun', 'release', 'repository', 'tag'])
    assert.equal(
      { ...out.release, id: typeof out.release.id, url: typeof out.release.url },
      { action: 'create', id: 'number', draft: false, url: 'string' },
    )
    assert.equal(
      out.assets.map((a) => [a.name, a.action]),
      [
        ['triton.json', 'upload'],
        ['prometheus.yml', 'upload'],
        ['triton.rules.yml', 'upload'],
      ],
    )
    assert.equal(out.assets[0], {
      name: 'triton.json',
      path: 'dashboards/triton.json',
      size: triton.data.length,
      sha256: sha(triton.data.toString()),
      action: 'upload',
      url: `${gh.apiOrigin}/${REPO}/releases/download/v1.0.0/triton.json`,
    })
    assert.is(out.dryRun, false)
  }))

test('re-publishing replaces assets in the same release, keeps hand-written notes, then changes nothing', () =>
  withStandin(async (gh, dir) => {
    ok(await run(gh, dir, ['--tag', 'v1.0.0', '--with-prometheus']))
    const release = gh.releases(REPO)[0]!
    release.body = `Hand-written intro.\n\n${release.body}`
    const second = dashboard('Triton Inference Server', true)
    writeFileSync(join(dir, 'dashboards/triton.json'), second)

    const r = await run(gh, dir, ['--tag', 'v1.0.0', '--with-prometheus', '--json'])
    ok(r)
    assert.is(gh.releases(REPO).length, 1)
    assert.equal(release.assets.map((a) => a.name).sort(), ['prometheus.yml', 'triton.json', 'triton.rules.yml'])
    assert.is(release.assets.find((a) => a.name === 'triton.json')!.data.toString(), second)
    assert.ok(release.body!.startsWith('Hand-written intro.\n\n'))
    assert.ok(release.body!.includes(sha(second)))
    assert.not.ok(release.body!.includes(sha(dashboard('Triton Inference Server'))), 'old checksum left in the notes')
    assert.equal(json(r).release.action, 'update')
    assert.equal(
      json(r).assets.map((a) => a.action),
      ['replace', 'keep', 'keep'],
    )

    const before = gh.requests.length
    const third = await run(gh, dir, ['--tag', 'v1.0.0', '--with-prometheus', '--json'])
    ok(third)
    assert.equal(
      json(third).assets.map((a) => a.action),
      ['keep', 'keep', 'keep'],
    )
    assert.is(json(third).release.action, 'keep')
    assert.equal(
      gh.requests.slice(before).filter((q) => q.method !== 'GET'),
      [],
    )
  }))

test('a draft release past the first page of the list is found and used, not duplicated', () =>
  withStandin(async (gh, dir) => {
    const draft = gh.seedRelease(REPO, { tag: 'v2.0.0', draft: true, body: 'Draft notes.' })
    for (let i = 0; i < 150; i++) gh.seedRelease(REPO, { tag: `v0.${i}.0` })
    const r = await run(gh, dir, ['--tag', 'v2.0.0', '--json'])
    ok(r)
    assert.is(gh.releases(REPO).filter((x) => x.tag === 'v2.0.0').length, 1)
    assert.is(draft.draft, true)
    assert.equal(
      draft.assets.map((a) => a.name),
      ['triton.json'],
    )
    assert.ok(draft.body!.startsWith('Draft notes.'))
    assert.is(json(r).release.id, draft.id)
    assert.is(json(r).release.draft, true)
    assert.is(gh.requests.filter((q) => q.operationId === 'repos/list-releases').length, 2)
    assert.is(gh.requests.filter((q) => q.operationId === 'repos/create-release').length, 0)
  }))

test('--draft creates a draft release', () =>
  withStandin(async (gh, dir) => {
    ok(await run(gh, dir, ['--tag', 'v3.0.0', '--draft']))
    assert.is(gh.releases(REPO)[0]!.draft, true)
  }))

test('--dry-run prints the plan and changes nothing', () =>
  withStandin(async (gh, dir) => {
    const empty = await run(gh, dir, ['--tag', 'v1.0.0', '--dry-run', '--json'])
    ok(empty)
    assert.equal(gh.releases(REPO), [])
    assert.equal(writes(gh), [])
    assert.equal(json(empty).release, { action: 'create', id: null, draft: false, url: null })
    assert.ok(json(empty).dryRun)
    assert.match(empty.stderr, /create release v1\.0\.0/)

    ok(await run(gh, dir, ['--tag', 'v1.0.0']))
    writeFileSync(join(dir, 'dashboards/triton.json'), dashboard('Renamed'))
    const before = gh.requests.length
    const planned = await run(gh, dir, ['--tag', 'v1.0.0', '--dry-run', '--json'])
    ok(planned)
    assert.equal(
      gh.requests.slice(before).filter((q) => q.method !== 'GET'),
      [],
    )
    assert.is(gh.releases(REPO)[0]!.assets[0]!.data.toString(), dashboard('Triton Inference Server'))
    assert.is(json(planned).release.action, 'update')
    assert.equal(
      json(planned).assets.map((a) => [a.action, a.url]),
      [['replace', null]],
    )
    assert.match(planned.stderr, /replace triton\.json/)
  }))

test('the repository comes from the git remote origin when nothing else names it', () =>
  withStandin(async (gh, dir) => {
    const git = async (...args: string[]) => {
      const r = await runProcess('git', args, { cwd: dir, timeoutMs: 30_000 })
      if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.text}`)
    }
    await git('init', '-q')
    await git('remote', 'add', 'origin', `git@github.com:${REPO}.git`)
    const r = await run(gh, dir, ['--tag', 'v1.0.0', '--dry-run'], { GITHUB_REPOSITORY: '' })
    ok(r)
    assert.match(r.stderr, /repository octo\/monitoring \(from the git remote origin\)/)
  }))

test('401: a bad token is named as such, with where to make a new one', () =>
  withStandin(async (gh, dir) => {
    const bad = `ghp_${'z'.repeat(36)}`
    const r = await run(gh, dir, ['--tag', 'v1.0.0'], { GITHUB_TOKEN: bad })
    assert.is(r.code, 1)
    assert.match(r.stderr, /GitHub rejected the token .*HTTP 401: Bad credentials/)
    assert.match(r.stderr, new RegExp(`${gh.apiOrigin}/settings/tokens`))
    assert.not.ok(r.stderr.includes(bad))
  }))

test('403: a token that may only read gets the scope it needs named', () =>
  withStandin(async (gh, dir) => {
    const r = await run(gh, dir, ['--tag', 'v1.0.0'], { GITHUB_TOKEN: '', GH_TOKEN: READ_ONLY_TOKEN })
    assert.is(r.code, 1)
    assert.match(
      r.stderr,
      /may not create the release v1\.0\.0 in octo\/monitoring \(HTTP 403: Resource not accessible by personal access token\); GitHub wants contents=write/,
    )
    assert.match(r.stderr, /Contents: Read and write \(contents:write\)/)
    assert.match(r.stderr, /"repo" \(or "public_repo"/)
    assert.equal(gh.releases(REPO), [])
  }))

test('404: an unknown repository is named with where its name came from', () =>
  withStandin(async (gh, dir) => {
    const r = await run(gh, dir, ['--tag', 'v1.0.0', '--repo', 'octo/missing'])
    assert.is(r.code, 1)
    assert.match(
      r.stderr,
      /no repository octo\/missing \(from --repo\).*HTTP 404: Not Found.*does not exist, or the token cannot see it/,
    )
  }))

test("422: GitHub's validation details are shown", () =>
  withStandin(async (gh, dir) => {
    gh.inject({
      operationId: 'repos/create-release',
      status: 422,
      body: {
        message: 'Validation Failed',
        errors: [{ resource: 'Release', code: 'invalid', field: 'target_commitish' }],
        documentation_url: 'https://docs.github.com/rest/releases/releases#create-a-release',
        status: '422',
      },
    })
    const r = await run(gh, dir, ['--tag', 'v1.0.0'])
    assert.is(r.code, 1)
    assert.match(
      r.stderr,
      /refused to create the release v1\.0\.0 in octo\/monitoring \(HTTP 422: Validation Failed; Release\.target_commitish invalid\)/,
    )
    assert.match(r.stderr, /releases#create-a-release/)
  }))

test('a rate limit is waited out and the run then succeeds', () =>
  withStandin(async (gh, dir) => {
    gh.rateLimit(1, 0)
    const r = await run(gh, dir, ['--tag', 'v1.0.0'])
    ok(r)
    assert.match(r.stderr, /GitHub rate limit \(403\): retry 1 of 4/)
    assert.is(gh.requests[0]!.status, 403)
    assert.is(gh.requests[1]!.operationId, gh.requests[0]!.operationId)
    assert.is(gh.releases(REPO)[0]!.assets.length, 1)
  }))

test('a rate limit that outlasts the retries stops with a message', () =>
  withStandin(async (gh, dir) => {
    gh.rateLimit(10, 0)
    const r = await run(gh, dir, ['--tag', 'v1.0.0', '--max-retries', '1'])
    assert.is(r.code, 1)
    assert.is(gh.requests.length, 2)
    assert.match(
      r.stderr,
      /rate limit stopped us while trying to list the releases of octo\/monitoring \(HTTP 403; gave up after 1 retries/,
    )
    assert.match(r.stderr, /run the same command again after \d{4}-\d\d-\d\dT/)
  }))

test('a rate limit resetting after the wait budget stops at once, saying when it resets', () =>
  withStandin(async (gh, dir) => {
    gh.rateLimit(1, 3600)
    const r = await run(gh, dir, ['--tag', 'v1.0.0'])
    assert.is(r.code, 1)
    assert.is(gh.requests.length, 1)
    assert.match(r.stderr, /gave up after 0 retries and 0 s of waiting; it resets at /)
  }))

test('bad or missing tags stop before any request, with exit code 2', () =>
  withStandin(async (gh, dir) => {
    for (const [tag, pattern] of [
      ['', /it is empty/],
      ['v1..2', /git refuses it/],
      ['v 1', /contains a space/],
    ] as const) {
      const r = await run(gh, dir, ['--tag', tag])
      assert.is(r.code, 2)
      assert.match(r.stderr, pattern)
      assert.match(r.stderr, /make publish TAG=v1\.0\.0/)
    }
    assert.equal(gh.requests, [])
  }))

test('--token is refused with the reason, and its value is not printed', () =>
  withStandin(async (gh, dir) => {
    const typed = 'typed-on-the-command-line-secret'
    const r = await run(gh, dir, ['--tag', 'v1.0.0', '--token', typed])
    assert.is(r.code, 2)
    assert.match(r.stderr, /--token is refused: a token on the command line is visible to every user through `ps`/)
    assert.match(r.stderr, /export GITHUB_TOKEN=/)
    assert.not.ok(r.stderr.includes(typed) || r.stdout.includes(typed))
    assert.equal(gh.requests, [])
  }))

test('a missing export says how to make it', () =>
  withStandin(async (gh, dir) => {
    rmSync(join(dir, 'dashboards/triton.json'))
    const r = await run(gh, dir, ['--tag', 'v1.0.0'])
    assert.is(r.code, 1)
    assert.match(r.stderr, /cannot read dashboards\/triton\.json.*\n.*make dashboards/)
  }))

test('stand-in: an upload sent anywhere but upload_url fails', () =>
  withStandin(async (gh) => {
    const release = gh.seedRelease(REPO, { tag: 'v1.0.0' })
    const upload = (url: string) =>
      fetch(url, {
        method: 'POST',
        headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
        body: '{}',
      })
    const onApiHost = await upload(`${gh.apiUrl}/repos/${REPO}/releases/${release.id}/assets?name=x.json`)
    const noPrefix = await upload(`${gh.uploadsOrigin}/repos/${REPO}/releases/${release.id}/assets?name=x.json`)
    assert.is(onApiHost.status, 404)
    assert.is(noPrefix.status, 404)
    assert.is(release.assets.length, 0)
    assert.ok(gh.violations.some((v) => v.includes('repos/upload-release-asset is served by the uploads host')))
    assert.ok(gh.violations.some((v) => v.includes('outside /api/uploads')))
  }, true))

test('stand-in: a body or query the spec does not allow is a violation', () =>
  withStandin(async (gh) => {
    const send = (path: string, body: unknown) =>
      fetch(`${gh.apiUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    assert.is((await send(`/repos/${REPO}/releases`, { tag_name: 5 })).status, 422)
    assert.is((await send(`/repos/${REPO}/releases`, { tag_name: 'v1', tagName: 'v1' })).status, 422)
    assert.is(
      (
        await fetch(`${gh.apiUrl}/repos/${REPO}/releases?per_page=ten`, {
          headers: { authorization: `token ${TOKEN}` },
        })
      ).status,
      422,
    )
    assert.equal(gh.releases(REPO), [])
    for (const part of [
      'body/tag_name must be string',
      'body field tagName is not one of repos/create-release',
      'query parameter per_page must be integer',
    ]) {
      assert.ok(
        gh.violations.some((v) => v.includes(part)),
        `no violation mentions ${part}: ${gh.violations.join('\n')}`,
      )
    }
  }, true))

test('remote URLs in every form git accepts name the repository', () => {
  for (const url of [
    'https://github.com/octo/monitoring.git',
    'https://x-access-token:abc@github.com/octo/monitoring',
    'git@github.com:octo/monitoring.git',
    'ssh://git@github.com/octo/monitoring.git',
    'ssh://git@ghe.example.com:2222/octo/monitoring',
    'https://ghe.example.com/scm/octo/monitoring.git/',
  ]) {
    assert.equal(parseRemoteUrl(url), { owner: 'octo', repo: 'monitoring' }, url)
  }
  for (const url of ['/srv/git/monitoring', 'https://github.com/octo', 'git@github.com:-bad/monitoring.git']) {
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

test('the token and the API root come from the environment, checked', () => {
  const configError = (e: unknown) => e instanceof StepError && e.exitCode === 2
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

test('no token was printed by any run', () => {
  assert.ok(printed.length > 20)
  for (const text of printed) {
    assert.not.ok(text.includes(TOKEN), 'the write token was printed')
    assert.not.ok(text.includes(READ_ONLY_TOKEN), 'the read-only token was printed')
  }
})

test.run()
