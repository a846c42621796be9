// Publishes the exported dashboard (and on request the Prometheus config and rules) as assets of
// the GitHub release for a tag, so a class or a team downloads one versioned, checksummed file.
// Idempotent: the release is found (drafts too) or created once, always as a draft that gets every
// file before it is published (GitHub's immutable releases accept no file once published); an
// asset with the same name is replaced, an identical one is kept, and the generated notes section
// is rewritten in place. An immutable release never gets other files: identical files mean only
// its notes may be refreshed (GitHub keeps them editable), different ones a stop before any
// change, with a new tag as the fix.
import { step } from './lib/step/cli.ts'
import { fail } from './lib/step/fail.ts'
import { githubClient } from './lib/github/client.ts'
import { readAsset, prometheusFiles, uniqueNames } from './lib/github/local-assets.ts'
import { planAssets, planRelease, showPlan } from './lib/github/publish-plan.ts'
import { releaseNotes } from './lib/github/release-notes.ts'
import { releaseApi } from './lib/github/releases.ts'
import { apiUrl, fullName, readToken, resolveRepository } from './lib/github/repository.ts'
import { validateTag } from './lib/github/tag.ts'
import { t } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { DASHBOARD_FILE, parseDashboard } from './lib/grafana/dashboard.ts'
import { registerSecret } from './lib/output/mask.ts'

await step(
  {
    name: 'publish',
    summary: t('Publish the exported dashboard to a GitHub release'),
    replaces: 'gh release create TAG dashboards/triton.json --notes "…"   (GitHub → Releases → Draft a new release)',
    env: {
      GITHUB_TOKEN: t('token with Contents: read and write (classic: repo or public_repo); GH_TOKEN also works'),
      GITHUB_REPOSITORY: t('owner/name when --repo is absent (default: the git remote origin)'),
      GITHUB_API_URL: t('API root, e.g. https://HOST/api/v3 for GitHub Enterprise Server'),
    },
    flags: {
      tag: {
        type: 'string',
        help: t('release tag, e.g. v1.0.0 (make publish TAG=…)'),
        // `make publish` with no TAG passes --tag '': the tag's own message names TAG=.
        validate: validateTag,
      },
      repo: { type: 'string', help: t('repository owner/name') },
      dashboard: {
        type: 'string',
        help: t('exported dashboard model'),
        default: DASHBOARD_FILE,
      },
      'with-prometheus': {
        type: 'boolean',
        help: t('also publish prometheus/prometheus.yml and the rules files under prometheus/'),
      },
      draft: {
        type: 'boolean',
        help: t('leave the release a draft (a new one, or a draft that exists) instead of publishing it'),
      },
      'dry-run': { type: 'boolean', help: t('print the plan and change nothing') },
      json: { type: 'boolean', help: t('print the result as JSON on stdout') },
      'max-retries': {
        type: 'number',
        help: t('retries of a request refused by a rate limit'),
        default: 4,
        min: 0,
        max: 10,
        integer: true,
      },
      'max-wait': {
        type: 'number',
        help: t('seconds the run may spend waiting for rate limits'),
        default: 120,
        min: 0,
        max: 3600,
      },
      token: {
        type: 'string',
        help: t('refused: pass the token in GITHUB_TOKEN instead'),
      },
    },
  },
  async (flags) => {
    if (flags.token !== undefined) {
      registerSecret(flags.token)
      throw fail(
        t(
          '--token is refused: a token on the command line is visible to every user ' +
            'through `ps` and stays in the shell history',
        ),
        t(
          'export GITHUB_TOKEN=… (or GH_TOKEN) and run the command without --token; ' +
            'consider revoking the token you typed',
        ),
        2,
      )
    }
    // Everything local is read and checked before GitHub is asked anything.
    const tag = validateTag(flags.tag)
    const files = [flags.dashboard, ...(flags['with-prometheus'] ? prometheusFiles() : [])]
    const assets = uniqueNames(files.map(readAsset))
    const dashboard = parseDashboard(assets[0]!.data.toString('utf8'), assets[0]!.path)
    const section = releaseNotes(dashboard, assets)

    const repository = await resolveRepository(flags.repo)
    const token = readToken()
    const api = apiUrl()
    const octokit = await githubClient(token, api, {
      maxRetries: flags['max-retries'],
      maxWaitMs: flags['max-wait'] * 1000,
      requestTimeoutMs: 60_000,
    })
    const name = fullName(repository)
    log.info(
      t('repository {name} (from {source}), tag {tag}, API {api}', { name, source: repository.source, tag, api }),
    )

    // The plan, from what GitHub holds: a stop here (an immutable release needing other files) changes nothing.
    const github = releaseApi(octokit, repository, api, tag)
    let release = await github.find()
    const steps = await planAssets(github, assets, release ? await github.assets(release) : [])
    const plan = planRelease(tag, release, section, steps, flags.draft)
    if (flags['dry-run']) log.info(t('dry run: the plan below changes nothing'))
    showPlan(tag, release, plan, steps, flags.draft)

    const urls = new Map(
      steps.flatMap(({ asset, old, action }) =>
        action === 'keep' ? [[asset.name, old!.browser_download_url] as const] : [],
      ),
    )
    if (!flags['dry-run']) {
      let target = release ?? (await github.createDraft(`${dashboard.title} ${tag}`, plan.notes))
      for (const { asset, old, action } of steps) {
        if (action === 'keep') continue
        if (old) await github.deleteAsset(old)
        urls.set(asset.name, await github.upload(target, asset))
      }
      if (plan.publishing || plan.notesChange) {
        target = await github.update(target, {
          body: plan.notesChange ? plan.notes : undefined,
          publish: plan.publishing,
        })
      }
      release = target
      log.ok(t('release {tag}: {html_url}', { tag, html_url: target.html_url }))
      if (target.draft)
        log.info(
          t('the release is a draft: publish it with make publish TAG={tag} (without --draft), or on GitHub', { tag }),
        )
      else if (target.immutable && plan.publishing)
        log.info(t('GitHub made it immutable: its files and its tag can no longer change'))
    }

    if (flags.json) {
      const result = {
        repository: name,
        tag,
        dryRun: flags['dry-run'],
        release: {
          action: plan.action,
          id: release?.id ?? null,
          draft: release?.draft ?? flags.draft,
          immutable: release?.immutable ?? false,
          url: release?.html_url ?? null,
        },
        assets: steps.map(({ asset, action }) => ({
          name: asset.name,
          path: asset.path,
          size: asset.size,
          sha256: asset.sha256,
          action,
          url: urls.get(asset.name) ?? null,
        })),
      }
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    }
  },
)
