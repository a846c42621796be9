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
import { tr } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { DASHBOARD_FILE, parseDashboard } from './lib/grafana/dashboard.ts'
import { registerSecret } from './lib/output/mask.ts'

await step(
  {
    name: 'publish',
    summary: tr('Publish the exported dashboard to a GitHub release', '把导出的仪表盘发布到 GitHub Release'),
    replaces: 'gh release create TAG dashboards/triton.json --notes "…"   (GitHub → Releases → Draft a new release)',
    env: {
      GITHUB_TOKEN: tr(
        'token with Contents: read and write (classic: repo or public_repo); GH_TOKEN also works',
        '具有 Contents 读写权限的令牌（经典令牌：repo 或 public_repo）；也可用 GH_TOKEN',
      ),
      GITHUB_REPOSITORY: tr(
        'owner/name when --repo is absent (default: the git remote origin)',
        '未给 --repo 时使用的 所有者/仓库名（默认取 git 远程仓库 origin）',
      ),
      GITHUB_API_URL: tr(
        'API root, e.g. https://HOST/api/v3 for GitHub Enterprise Server',
        'API 根地址，GitHub Enterprise Server 例如 https://主机/api/v3',
      ),
    },
    flags: {
      tag: {
        type: 'string',
        help: tr('release tag, e.g. v1.0.0 (make publish TAG=…)', '发布标签，例如 v1.0.0（make publish TAG=…）'),
        // `make publish` with no TAG passes --tag '': the tag's own message names TAG=.
        validate: validateTag,
      },
      repo: { type: 'string', help: tr('repository owner/name', '仓库 所有者/仓库名') },
      dashboard: {
        type: 'string',
        help: tr('exported dashboard model', '导出的仪表盘模型'),
        default: DASHBOARD_FILE,
      },
      'with-prometheus': {
        type: 'boolean',
        help: tr(
          'also publish prometheus/prometheus.yml and the rules files under prometheus/',
          '同时发布 prometheus/prometheus.yml 及 prometheus/ 下的规则文件',
        ),
      },
      draft: {
        type: 'boolean',
        help: tr(
          'leave the release a draft (a new one, or a draft that exists) instead of publishing it',
          '让版本保持为草稿（新建的或已有的草稿），不发布',
        ),
      },
      'dry-run': { type: 'boolean', help: tr('print the plan and change nothing', '只打印计划，不做任何修改') },
      json: { type: 'boolean', help: tr('print the result as JSON on stdout', '在标准输出打印 JSON 结果') },
      'max-retries': {
        type: 'number',
        help: tr('retries of a request refused by a rate limit', '被速率限制拒绝的请求的重试次数'),
        default: 4,
        min: 0,
        max: 10,
        integer: true,
      },
      'max-wait': {
        type: 'number',
        help: tr('seconds the run may spend waiting for rate limits', '本次运行等待速率限制的总秒数上限'),
        default: 120,
        min: 0,
        max: 3600,
      },
      token: {
        type: 'string',
        help: tr('refused: pass the token in GITHUB_TOKEN instead', '不接受：请通过 GITHUB_TOKEN 传入令牌'),
      },
    },
  },
  async (flags) => {
    if (flags.token !== undefined) {
      registerSecret(flags.token)
      throw fail(
        tr(
          '--token is refused: a token on the command line is visible to every user through `ps` and stays in the shell history',
          '不接受 --token：命令行中的令牌可被所有用户通过 `ps` 看到，并会留在 shell 历史中',
        ),
        tr(
          'export GITHUB_TOKEN=… (or GH_TOKEN) and run the command without --token; consider revoking the token you typed',
          '请 export GITHUB_TOKEN=…（或 GH_TOKEN）后不带 --token 运行；建议撤销刚才输入的令牌',
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
    const octokit = githubClient(token, api, {
      maxRetries: flags['max-retries'],
      maxWaitMs: flags['max-wait'] * 1000,
      requestTimeoutMs: 60_000,
    })
    const name = fullName(repository)
    log.info(
      tr(
        `repository ${name} (from ${repository.source}), tag ${tag}, API ${api}`,
        `仓库 ${name}（来自 ${repository.source}），标签 ${tag}，API ${api}`,
      ),
    )

    // The plan, from what GitHub holds: a stop here (an immutable release needing other files) changes nothing.
    const github = releaseApi(octokit, repository, api, tag)
    let release = await github.find()
    const steps = await planAssets(github, assets, release ? await github.assets(release) : [])
    const plan = planRelease(tag, release, section, steps, flags.draft)
    if (flags['dry-run']) log.info(tr('dry run: the plan below changes nothing', '试运行：以下计划不会做任何修改'))
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
      log.ok(tr(`release ${tag}: ${target.html_url}`, `版本 ${tag}：${target.html_url}`))
      if (target.draft)
        log.info(
          tr(
            `the release is a draft: publish it with make publish TAG=${tag} (without --draft), or on GitHub`,
            `该版本是草稿：用 make publish TAG=${tag}（不带 --draft）或在 GitHub 上发布`,
          ),
        )
      else if (target.immutable && plan.publishing)
        log.info(
          tr(
            'GitHub made it immutable: its files and its tag can no longer change',
            'GitHub 已将其设为不可变：其文件和标签都不能再更改',
          ),
        )
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
