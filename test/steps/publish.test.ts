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
import { repoRoot } from '../helpers/paths.ts'
import { runProcess } from '../helpers/process.ts'
import { startGithubStandin, type GithubStandin } from '../standins/github/server.ts'

const REPO = 'octo/monitoring'
const TOKEN = `ghp_${'A1b2C3d4E5f6G7h8I9j0'.repeat(2).slice(0, 36)}`
// No recognisable prefix: only registerSecret can hide it.
const READ_ONLY_TOKEN = 'plain-read-only-secret-0123456789'
// The repository's administrator, who turns immutable releases on and off.
const ADMIN_TOKEN = `ghp_${'admin'.repeat(8).slice(0, 36)}`
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
  { expectViolations = false, immutable = false } = {},
): Promise<void> {
  const gh = await startGithubStandin({
    repositories: [REPO],
    tokens: { [TOKEN]: 'write', [READ_ONLY_TOKEN]: 'read', [ADMIN_TOKEN]: 'admin' },
    immutableReleases: immutable ? [REPO] : [],
  })
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
    release: { action: string; id: number | null; draft: boolean; immutable: boolean; url: string | null }
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
      { action: 'create', id: 'number', draft: false, immutable: false, url: 'string' },
    )
    // A draft first, filled, then published: the only order an immutable release accepts.
    assert.equal(
      writes(gh).map((q) => [q.operationId, q.json?.draft]),
      [
        ['repos/create-release', true],
        ['repos/upload-release-asset', undefined],
        ['repos/upload-release-asset', undefined],
        ['repos/upload-release-asset', undefined],
        ['repos/update-release', false],
      ],
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

test('a draft release past the first page of the list is found, filled and published, not duplicated', () =>
  withStandin(async (gh, dir) => {
    const draft = gh.seedRelease(REPO, { tag: 'v2.0.0', draft: true, body: 'Draft notes.' })
    for (let i = 0; i < 150; i++) gh.seedRelease(REPO, { tag: `v0.${i}.0` })
    const r = await run(gh, dir, ['--tag', 'v2.0.0', '--json'])
    ok(r)
    assert.is(gh.releases(REPO).filter((x) => x.tag === 'v2.0.0').length, 1)
    assert.is(draft.draft, false)
    assert.equal(
      draft.assets.map((a) => a.name),
      ['triton.json'],
    )
    assert.ok(draft.body!.startsWith('Draft notes.'))
    assert.equal(json(r).release, {
      action: 'publish',
      id: draft.id,
      draft: false,
      immutable: false,
      url: json(r).release.url,
    })
    assert.match(r.stderr, /publish the draft release v2\.0\.0 once it holds every file, with updated notes/)
    assert.is(gh.requests.filter((q) => q.operationId === 'repos/list-releases').length, 2)
    assert.is(gh.requests.filter((q) => q.operationId === 'repos/create-release').length, 0)
  }))

test('--draft creates a draft release with every file, and leaves an existing draft a draft', () =>
  withStandin(async (gh, dir) => {
    const r = await run(gh, dir, ['--tag', 'v3.0.0', '--draft', '--json'])
    ok(r)
    const [release] = gh.releases(REPO)
    assert.is(release!.draft, true)
    assert.equal(
      release!.assets.map((a) => a.name),
      ['triton.json'],
    )
    assert.is(json(r).release.draft, true)
    assert.match(r.stderr, /the release is a draft: publish it with make publish TAG=v3\.0\.0 \(without --draft\)/)
    writeFileSync(join(dir, 'dashboards/triton.json'), dashboard('Triton Inference Server', true))
    ok(await run(gh, dir, ['--tag', 'v3.0.0', '--draft']))
    assert.is(gh.releases(REPO).length, 1)
    assert.is(release!.draft, true)
    assert.is(release!.assets[0]!.data.toString(), dashboard('Triton Inference Server', true))
    ok(await run(gh, dir, ['--tag', 'v3.0.0']))
    assert.is(release!.draft, false)
  }))

/** The stand-in's API as the repository's administrator calls it, outside publish. */
const admin = (gh: GithubStandin, method: string, path: string) =>
  fetch(`${gh.apiUrl}/repos/${REPO}${path}`, { method, headers: { authorization: `token ${ADMIN_TOKEN}` } })

test(
  'immutable releases: make publish twice ends with one published release holding every asset; ' +
    'the second run changes nothing and is not refused',
  () =>
    withStandin(
      async (gh, dir) => {
        const first = await run(gh, dir, ['--tag', 'v1.0.0', '--with-prometheus', '--json'])
        ok(first)
        const [release, ...others] = gh.releases(REPO)
        assert.is(others.length, 0)
        assert.is(release!.draft, false)
        assert.is(release!.immutable, true)
        assert.equal(release!.assets.map((a) => a.name).sort(), ['prometheus.yml', 'triton.json', 'triton.rules.yml'])
        assert.equal(json(first).release.immutable, true)
        assert.match(first.stderr, /GitHub made it immutable: its files and its tag can no longer change/)

        const before = gh.requests.length
        const second = await run(gh, dir, ['--tag', 'v1.0.0', '--with-prometheus', '--json'])
        ok(second)
        const requests = gh.requests.slice(before)
        assert.equal(
          requests.filter((q) => q.method !== 'GET'),
          [],
        )
        assert.ok(
          requests.every((q) => q.status < 400),
          'a request of the second run was refused',
        )
        assert.match(second.stderr, /release v1\.0\.0 is immutable and already holds these files: nothing to do/)
        assert.equal(json(second).release, { ...json(first).release, action: 'keep' })
        assert.equal(
          json(second).assets.map((a) => a.action),
          ['keep', 'keep', 'keep'],
        )
        assert.is(gh.releases(REPO).length, 1)
      },
      { immutable: true },
    ),
)

test('immutable release, same files, notes that differ: only the notes are refreshed, as GitHub allows', () =>
  withStandin(
    async (gh, dir) => {
      ok(await run(gh, dir, ['--tag', 'v1.0.0', '--with-prometheus']))
      const release = gh.releases(REPO)[0]!
      const fresh = release.body!
      const assets = release.assets.map((a) => [a.name, a.digest])
      // Notes an older triton-monitoring worded differently, around a hand-written intro.
      const section = /<!-- triton-monitoring:begin -->[\s\S]*<!-- triton-monitoring:end -->/
      const older = '<!-- triton-monitoring:begin -->\nold wording\n<!-- triton-monitoring:end -->'
      release.body = `Hand-written intro.\n\n${fresh.replace(section, older)}`
      const before = gh.requests.length
      const r = await run(gh, dir, ['--tag', 'v1.0.0', '--with-prometheus', '--json'])
      ok(r)
      assert.match(r.stderr, /release v1\.0\.0 is immutable and already holds these files; update its generated notes/)
      assert.equal(json(r).release.action, 'update')
      assert.equal(
        json(r).assets.map((a) => a.action),
        ['keep', 'keep', 'keep'],
      )
      // One PATCH with the notes alone: no file, no tag, no draft flag sent.
      const changes = gh.requests.slice(before).filter((q) => q.method !== 'GET')
      assert.equal(
        changes.map((q) => [q.method, q.operationId, Object.keys(q.json ?? {})]),
        [['PATCH', 'repos/update-release', ['body']]],
      )
      assert.ok(changes.every((q) => q.status < 400))
      assert.is(release.body, `Hand-written intro.\n\n${fresh}`)
      assert.is(release.immutable, true)
      assert.equal(
        release.assets.map((a) => [a.name, a.digest]),
        assets,
      )
      // Up to date now: the next run sends nothing.
      const again = gh.requests.length
      const third = await run(gh, dir, ['--tag', 'v1.0.0', '--with-prometheus', '--json'])
      ok(third)
      assert.equal(json(third).release.action, 'keep')
      assert.equal(
        gh.requests.slice(again).filter((q) => q.method !== 'GET'),
        [],
      )
    },
    { immutable: true },
  ))

test('immutable release, files differ: stops before any change, naming each file, with a new tag as the fix', () =>
  withStandin(
    async (gh, dir) => {
      ok(await run(gh, dir, ['--tag', 'v1.0.0']))
      const release = gh.releases(REPO)[0]!
      const published = { body: release.body, assets: release.assets.map((a) => [a.name, a.digest]) }
      writeFileSync(join(dir, 'dashboards/triton.json'), dashboard('Triton Inference Server', true))
      const before = gh.requests.length
      for (const args of [[], ['--with-prometheus'], ['--dry-run']]) {
        const r = await run(gh, dir, ['--tag', 'v1.0.0', ...args])
        assert.is(r.code, 1, r.stderr)
        assert.match(
          r.stderr,
          /release v1\.0\.0 is immutable \(published with immutable releases on\), so its files cannot change/,
        )
        assert.match(r.stderr, /: triton\.json differs \(sha256 [0-9a-f]{12}… here, [0-9a-f]{12}… there\)/)
        assert.match(r.stderr, /publish under a new tag, e.g\. make publish TAG=v1\.0\.1/)
        if (args[0] === '--with-prometheus')
          assert.match(r.stderr, /prometheus\.yml is not in it; triton\.rules\.yml is not in it/)
      }
      assert.equal(
        gh.requests.slice(before).filter((q) => q.method !== 'GET'),
        [],
      )
      assert.equal({ body: release.body, assets: release.assets.map((a) => [a.name, a.digest]) }, published)
      // The fix works: a new tag publishes.
      ok(await run(gh, dir, ['--tag', 'v1.0.1']))
      assert.equal(
        gh.releases(REPO).map((r) => [r.tag, r.immutable]),
        [
          ['v1.0.0', true],
          ['v1.0.1', true],
        ],
      )
    },
    { immutable: true },
  ))

test('immutable releases: a draft left by an interrupted run is filled and published by the next run', () =>
  withStandin(
    async (gh, dir) => {
      gh.inject({
        operationId: 'repos/upload-release-asset',
        status: 502,
        body: { message: 'Server Error', documentation_url: 'https://docs.github.com/rest' },
      })
      const broken = await run(gh, dir, ['--tag', 'v1.0.0', '--with-prometheus'])
      assert.is(broken.code, 1)
      assert.match(broken.stderr, /GitHub answered HTTP 502: Server Error while trying to upload triton\.json/)
      const draft = gh.releases(REPO)[0]!
      assert.is(draft.draft, true, 'the interrupted run published a release without its files')
      ok(await run(gh, dir, ['--tag', 'v1.0.0', '--with-prometheus']))
      assert.is(gh.releases(REPO).length, 1)
      assert.is(draft.draft, false)
      assert.is(draft.immutable, true)
      assert.equal(draft.assets.map((a) => a.name).sort(), ['prometheus.yml', 'triton.json', 'triton.rules.yml'])
    },
    { immutable: true },
  ))

test('immutable release with assets from before GitHub computed digests: compared by their bytes', () =>
  withStandin(
    async (gh, dir) => {
      const exported = dashboard('Triton Inference Server')
      const release = gh.seedRelease(REPO, {
        tag: 'v1.0.0',
        assets: [{ name: 'triton.json', data: exported, digest: null }],
      })
      assert.is(release.immutable, true)
      const same = await run(gh, dir, ['--tag', 'v1.0.0'])
      ok(same)
      // The same bytes: its files are kept, and its empty notes get the generated section (notes stay editable).
      assert.match(same.stderr, /already holds these files; update its generated notes/)
      assert.is(gh.requests.filter((q) => q.operationId === 'repos/get-release-asset').length, 1)
      assert.equal(
        writes(gh).map((q) => [q.operationId, Object.keys(q.json ?? {})]),
        [['repos/update-release', ['body']]],
      )
      const again = gh.requests.length
      const noted = await run(gh, dir, ['--tag', 'v1.0.0'])
      ok(noted)
      assert.match(noted.stderr, /nothing to do/)
      assert.equal(
        gh.requests.slice(again).filter((q) => q.method !== 'GET'),
        [],
      )
      writeFileSync(join(dir, 'dashboards/triton.json'), dashboard('Triton Inference Server', true))
      const writesBefore = writes(gh).length
      const differ = await run(gh, dir, ['--tag', 'v1.0.0'])
      assert.is(differ.code, 1)
      // Same size would need the bytes; a different size tells at once.
      assert.match(differ.stderr, /triton\.json differs \(sha256 [0-9a-f]{12}… here, other bytes… there\)/)
      assert.is(writes(gh).length, writesBefore)
    },
    { immutable: true },
  ))

test('the tag of a deleted immutable release is refused by GitHub: named, with a new tag as the fix', () =>
  withStandin(
    async (gh, dir) => {
      const old = gh.seedRelease(REPO, { tag: 'v1.0.0', assets: [{ name: 'triton.json', data: 'old' }] })
      assert.is((await admin(gh, 'DELETE', `/releases/${old.id}`)).status, 204)
      const r = await run(gh, dir, ['--tag', 'v1.0.0'])
      assert.is(r.code, 1)
      assert.match(
        r.stderr,
        new RegExp(
          'GitHub refused to create the draft release v1\\.0\\.0 in octo/monitoring: the tag v1\\.0\\.0 was used by an immutable ' +
            'release \\(HTTP 422: Validation Failed; Release\\.tag_name custom tag_name was used by an immutable release\\)',
        ),
      )
      assert.match(r.stderr, /make publish TAG=v1\.0\.1/)
      assert.equal(gh.releases(REPO), [])
    },
    { immutable: true },
  ))

test('a release published before immutable releases were turned on stays replaceable; the next one is immutable', () =>
  withStandin(async (gh, dir) => {
    ok(await run(gh, dir, ['--tag', 'v1.0.0']))
    assert.is((await admin(gh, 'PUT', '/immutable-releases')).status, 204)
    assert.equal(await (await admin(gh, 'GET', '/immutable-releases')).json(), {
      enabled: true,
      enforced_by_owner: false,
    })
    writeFileSync(join(dir, 'dashboards/triton.json'), dashboard('Triton Inference Server', true))
    const r = await run(gh, dir, ['--tag', 'v1.0.0', '--json'])
    ok(r)
    assert.equal(
      json(r).assets.map((a) => a.action),
      ['replace'],
    )
    assert.is(gh.releases(REPO)[0]!.immutable, false)
    ok(await run(gh, dir, ['--tag', 'v1.1.0']))
    assert.is(gh.releases(REPO)[1]!.immutable, true)
  }))

test(
  "stand-in: a published immutable release refuses uploads and deletes with GitHub's 422, " +
    "keeps notes editable, and the setting is an admin's",
  () =>
    withStandin(
      async (gh) => {
        const release = gh.seedRelease(REPO, { tag: 'v1.0.0', assets: [{ name: 'a.json', data: '{}' }] })
        const asset = release.assets[0]!
        const as = (token: string, method: string, url: string, body?: string) =>
          fetch(url, {
            method,
            headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
            body,
          })
        const upload = await as(
          TOKEN,
          'POST',
          `${gh.uploadsOrigin}/api/uploads/repos/${REPO}/releases/${release.id}/assets?name=b.json`,
          '{}',
        )
        assert.is(upload.status, 422)
        assert.equal(Object.keys((await upload.json()) as object), ['message', 'request_id', 'documentation_url'])
        const remove = await as(TOKEN, 'DELETE', `${gh.apiUrl}/repos/${REPO}/releases/assets/${asset.id}`)
        assert.is(remove.status, 422)
        assert.match(((await remove.json()) as { message: string }).message, /immutable release/)
        const notes = await as(
          TOKEN,
          'PATCH',
          `${gh.apiUrl}/repos/${REPO}/releases/${release.id}`,
          JSON.stringify({ body: 'Edited.' }),
        )
        assert.is(notes.status, 200)
        assert.is(release.body, 'Edited.')
        assert.equal(
          release.assets.map((a) => a.name),
          ['a.json'],
        )
        const again = await as(
          TOKEN,
          'POST',
          `${gh.apiUrl}/repos/${REPO}/releases`,
          JSON.stringify({ tag_name: 'v1.0.0', draft: true }),
        )
        assert.is(again.status, 422)
        assert.is((await as(TOKEN, 'PUT', `${gh.apiUrl}/repos/${REPO}/immutable-releases`)).status, 403)
        assert.is((await admin(gh, 'DELETE', '/immutable-releases')).status, 204)
        assert.is((await admin(gh, 'GET', '/immutable-releases')).status, 404)
        assert.is(gh.immutableReleases(REPO), false)
        // Turning the setting off does not unlock what was published with it on.
        assert.is((await as(TOKEN, 'DELETE', `${gh.apiUrl}/repos/${REPO}/releases/assets/${asset.id}`)).status, 422)
        assert.equal(gh.violations, [])
      },
      { immutable: true },
    ),
)

test('--dry-run prints the plan and changes nothing', () =>
  withStandin(async (gh, dir) => {
    const empty = await run(gh, dir, ['--tag', 'v1.0.0', '--dry-run', '--json'])
    ok(empty)
    assert.equal(gh.releases(REPO), [])
    assert.equal(writes(gh), [])
    assert.equal(json(empty).release, { action: 'create', id: null, draft: false, immutable: false, url: null })
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

test('--verbose shows each request to GitHub as it is sent, as curl, the token masked', () =>
  withStandin(async (gh, dir) => {
    const r = await run(gh, dir, ['--tag', 'v1.0.0', '--verbose'])
    ok(r)
    const shown = r.stderr.split('\n').filter((line) => line.includes('$ curl'))
    const bearer = `-H 'Authorization: Bearer ghp_****${TOKEN.slice(-4)}'`
    assert.ok(shown.length >= gh.requests.length, `one line per request:\n${shown.join('\n')}`)
    assert.ok(
      shown.every((line) => line.includes(bearer)),
      shown.join('\n'),
    )
    assert.match(r.stderr, `$ curl '${gh.apiUrl}/repos/${REPO}/releases?per_page=100' ${bearer}`)
    assert.match(r.stderr, `$ curl -X POST ${gh.apiUrl}/repos/${REPO}/releases ${bearer} -d '{"tag_name":"v1.0.0"`)
    assert.match(r.stderr, /\$ curl -X POST '?http\S+\/assets\?name=triton\.json\S* .* --data-binary '@<\d+ bytes>'/)
    const quiet = await run(gh, dir, ['--tag', 'v1.0.0'])
    ok(quiet)
    assert.not.match(quiet.stderr, '$ curl')
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
      /may not create the draft release v1\.0\.0 in octo\/monitoring \(HTTP 403: Resource not accessible/,
    )
    assert.match(r.stderr, /by personal access token\); GitHub wants contents=write/)
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

for (const { what, operationId, body, said } of [
  {
    what: "GitHub's validation details are shown",
    operationId: 'repos/create-release',
    body: {
      message: 'Validation Failed',
      errors: [{ resource: 'Release', code: 'invalid', field: 'target_commitish' }],
      documentation_url: 'https://docs.github.com/rest/releases/releases#create-a-release',
      status: '422',
    },
    said: [
      /refused to create the draft release v1\.0\.0 in octo\/monitoring \(HTTP 422: Validation Failed; Release\.target_commitish/,
      /releases#create-a-release/,
    ],
  },
  {
    what: "an immutable release (made so behind this run's back) is named, with a new tag as the fix",
    operationId: 'repos/upload-release-asset',
    body: {
      message: 'Cannot upload assets to an immutable release.',
      request_id: '0A1B:2C3D',
      documentation_url: 'https://docs.github.com/rest',
    },
    said: [
      /GitHub refused to upload triton\.json: the release is immutable \(HTTP 422: Cannot upload assets/,
      /publish under a new tag, e\.g\. make publish TAG=v1\.0\.1/,
    ],
  },
]) {
  test(`422: ${what}`, () =>
    withStandin(async (gh, dir) => {
      gh.inject({ operationId, status: 422, body })
      const r = await run(gh, dir, ['--tag', 'v1.0.0'])
      assert.is(r.code, 1)
      for (const pattern of said) assert.match(r.stderr, pattern)
    }))
}

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
  withStandin(
    async (gh) => {
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
    },
    { expectViolations: true },
  ))

test('stand-in: a body or query the spec does not allow is a violation', () =>
  withStandin(
    async (gh) => {
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
    },
    { expectViolations: true },
  ))

test('no token was printed by any run', () => {
  assert.ok(printed.length > 20)
  for (const text of printed) {
    assert.not.ok(text.includes(TOKEN), 'the write token was printed')
    assert.not.ok(text.includes(READ_ONLY_TOKEN), 'the read-only token was printed')
  }
})

test.run()
