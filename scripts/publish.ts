// Publishes the exported dashboard (and on request the Prometheus config and rules) as assets of
// the GitHub release for a tag, so a class or a team downloads one versioned, checksummed file.
// Idempotent: the release is found (drafts too) or created once, always as a draft that gets every
// file before it is published (GitHub's immutable releases accept no file once published); an
// asset with the same name is replaced, an identical one is kept, and the generated notes section
// is rewritten in place. An immutable release is never changed: identical files mean nothing to
// do, different ones a stop before any change, with a new tag as the fix.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import type { RestEndpointMethodTypes } from '@octokit/rest'
import { step } from './lib/step/cli.ts'
import { fail } from './lib/step/fail.ts'
import {
  apiUrl,
  call,
  fullName,
  githubClient,
  newTagFix,
  readToken,
  resolveRepository,
  validateTag,
  type GithubCall,
} from './lib/github/releases.ts'
import { tr } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { DASHBOARD_FILE, parseDashboard } from './lib/grafana/dashboard.ts'
import { mergeNotes, releaseNotes, sha256 } from './lib/github/release-notes.ts'
import { registerSecret } from './lib/output/mask.ts'

// Releases are listed newest first; a draft for this tag past the first 1000 is not looked for.
const MAX_RELEASE_PAGES = 10
// GitHub allows 1000 assets per release.
const MAX_ASSET_PAGES = 10
const PROMETHEUS_DIR = 'prometheus'

interface LocalAsset {
  name: string
  path: string
  data: Buffer
  size: number
  sha256: string
  contentType: string
}

/** create: a new draft, filled, then published (unless --draft); publish: an existing draft, filled, published. */
type ReleaseAction = 'create' | 'publish' | 'update' | 'keep'
type Release = RestEndpointMethodTypes['repos']['listReleases']['response']['data'][number]
type Asset = RestEndpointMethodTypes['repos']['listReleaseAssets']['response']['data'][number]
type AssetAction = 'upload' | 'replace' | 'keep'

const contentTypes: Record<string, string> = {
  '.json': 'application/json',
  '.yml': 'application/yaml',
  '.yaml': 'application/yaml',
}

function readAsset(path: string): LocalAsset {
  let data: Buffer
  try {
    data = readFileSync(path)
  } catch (error) {
    throw fail(
      tr(`cannot read ${path}: ${(error as Error).message}`, `无法读取 ${path}：${(error as Error).message}`),
      path.endsWith('.json')
        ? tr('export the dashboard first: make dashboards', '请先导出仪表盘：make dashboards')
        : tr(`write ${path} first, or leave out --with-prometheus`, `请先生成 ${path}，或去掉 --with-prometheus`),
    )
  }
  const name = basename(path)
  // GitHub silently renames other names, and a renamed asset would never be found to replace.
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name)) {
    throw fail(
      tr(`${path}: GitHub would rename the asset "${name}"`, `${path}：GitHub 会重命名资源文件 "${name}"`),
      tr('rename the file with letters, digits, ".", "_" and "-" only', '请只用字母、数字、"."、"_"、"-" 重命名该文件'),
    )
  }
  return {
    name,
    path,
    data,
    size: data.length,
    sha256: sha256(data),
    contentType: contentTypes[extname(name)] ?? 'application/octet-stream',
  }
}

/**
 * prometheus/prometheus.yml first, then the other YAML files under prometheus/ (the rules),
 * leaving out promtool's unit tests of the rules (`*.test.yml`), which Prometheus never loads.
 */
function prometheusFiles(): string[] {
  const config = join(PROMETHEUS_DIR, 'prometheus.yml')
  let found: string[] = []
  try {
    found = readdirSync(PROMETHEUS_DIR, { recursive: true, encoding: 'utf8' })
      .map((entry) => join(PROMETHEUS_DIR, entry))
      .filter(
        (path) => /\.ya?ml$/.test(path) && !/\.test\.ya?ml$/.test(path) && path !== config && statSync(path).isFile(),
      )
      .sort()
  } catch {
    // A missing folder is reported below, by the missing prometheus.yml.
  }
  return [config, ...found]
}

/**
 * Stops with cause and fix unless every file is already in the immutable release, identical:
 * GitHub refuses to add, replace or delete a file there, and the tag can never be used again.
 */
function refuseChanges(tag: string, plan: { asset: LocalAsset; old?: Asset; action: AssetAction }[]): void {
  const differ = plan.filter(({ action }) => action !== 'keep')
  if (differ.length === 0) return
  const what = differ
    .map(({ asset, old }) =>
      old
        ? tr(
            `${asset.name} differs (sha256 ${asset.sha256.slice(0, 12)}… here, ${old.digest?.slice(7, 19) ?? 'other bytes'}… there)`,
            `${asset.name} 不同（本地 sha256 ${asset.sha256.slice(0, 12)}…，版本中 ${old.digest?.slice(7, 19) ?? '内容不同'}…）`,
          )
        : tr(`${asset.name} is not in it`, `${asset.name} 不在其中`),
    )
    .join('; ')
  throw fail(
    tr(
      `release ${tag} is immutable (published with immutable releases on), so its files cannot change: ${what}`,
      `版本 ${tag} 不可变（发布时仓库已开启不可变版本），其文件无法更改：${what}`,
    ),
    newTagFix(tag),
  )
}

function uniqueNames(assets: LocalAsset[]): LocalAsset[] {
  const seen = new Map<string, string>()
  for (const asset of assets) {
    const other = seen.get(asset.name)
    if (other) {
      throw fail(
        tr(
          `${other} and ${asset.path} would both be the release asset "${asset.name}"`,
          `${other} 和 ${asset.path} 会成为同名资源文件 "${asset.name}"`,
        ),
        tr('rename one of them', '请重命名其中一个'),
      )
    }
    seen.set(asset.name, asset.path)
  }
  return assets
}

async function* items<T>(pages: AsyncIterable<{ data: T[] }>, maxPages: number): AsyncGenerator<T> {
  let read = 0
  for await (const page of pages) {
    yield* page.data
    if (++read >= maxPages) return
  }
}

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
    const { owner, repo } = repository
    const name = fullName(repository)
    const ctx = (action: string): GithubCall => ({ action, repository, apiUrl: api, tag })
    log.info(
      tr(
        `repository ${name} (from ${repository.source}), tag ${tag}, API ${api}`,
        `仓库 ${name}（来自 ${repository.source}），标签 ${tag}，API ${api}`,
      ),
    )

    // Listing, not get-by-tag: only the list shows drafts to a token that can push. GitHub keeps
    // several drafts for a tag but one published release, and that one is the release of the tag.
    let release = await call(ctx(tr(`list the releases of ${name}`, `列出 ${name} 的发布版本`)), async () => {
      let draft: Release | undefined
      for await (const r of items(
        octokit.paginate.iterator(octokit.rest.repos.listReleases, { owner, repo, per_page: 100 }),
        MAX_RELEASE_PAGES,
      )) {
        if (r.tag_name !== tag) continue
        if (!r.draft) return r
        draft ??= r
      }
      return draft
    })
    const existing = release
      ? await call(ctx(tr(`list the assets of release ${tag}`, `列出版本 ${tag} 的资源文件`)), async () => {
          const found = []
          for await (const a of items(
            octokit.paginate.iterator(octokit.rest.repos.listReleaseAssets, {
              owner,
              repo,
              release_id: release!.id,
              per_page: 100,
            }),
            MAX_ASSET_PAGES,
          ))
            found.push(a)
          return found
        })
      : []

    /** By GitHub's digest of the asset; one uploaded before GitHub computed digests is downloaded. */
    const sameContent = async (old: Asset, asset: LocalAsset): Promise<boolean> => {
      if (old.state !== 'uploaded' || old.size !== asset.size) return false
      if (old.digest) return old.digest === `sha256:${asset.sha256}`
      const { data } = await call(ctx(tr(`download ${old.name} to compare it`, `下载 ${old.name} 以作比较`)), () =>
        octokit.rest.repos.getReleaseAsset({
          owner,
          repo,
          asset_id: old.id,
          headers: { accept: 'application/octet-stream' },
          // The bytes as they are: parsed, a JSON asset would come back as an object.
          request: { parseSuccessResponseBody: false },
        }),
      )
      return (
        sha256(new Uint8Array(await new Response(data as unknown as ReadableStream).arrayBuffer())) === asset.sha256
      )
    }
    const plan: { asset: LocalAsset; old: Asset | undefined; action: AssetAction }[] = []
    for (const asset of assets) {
      const old = existing.find((a) => a.name === asset.name)
      plan.push({ asset, old, action: !old ? 'upload' : (await sameContent(old, asset)) ? 'keep' : 'replace' })
    }

    // Published in a repository with immutable releases: GitHub refuses to add, replace or delete a
    // file, so anything but "all identical" stops here, before a change.
    const locked = release !== undefined && !release.draft && release.immutable === true
    if (locked) refuseChanges(tag, plan)
    // Its notes could still be edited, but a run that finds the files identical changes nothing:
    // not even notes that a newer triton-monitoring would word differently.
    const notes = release ? mergeNotes(release.body, section) : section
    const notesChange = !locked && release !== undefined && notes !== release.body
    // A draft, new or left by an interrupted run, is published once it holds every file.
    const publishing = !flags.draft && (release === undefined || release.draft)
    const releaseAction: ReleaseAction = !release
      ? 'create'
      : release.draft && publishing
        ? 'publish'
        : notesChange
          ? 'update'
          : 'keep'

    const say = (action: string, text: string) => (action === 'keep' ? log.ok(text) : log.change(text))
    if (flags['dry-run']) log.info(tr('dry run: the plan below changes nothing', '试运行：以下计划不会做任何修改'))
    say(
      releaseAction,
      {
        create: flags.draft
          ? tr(
              `create release ${tag} as a draft with generated notes (--draft: it stays a draft)`,
              `创建草稿版本 ${tag} 并写入生成的说明（--draft：保持为草稿）`,
            )
          : tr(
              `create release ${tag} as a draft with generated notes, upload its files, then publish it`,
              `创建草稿版本 ${tag} 并写入生成的说明，上传文件后再发布`,
            ),
        publish: tr(
          `publish the draft release ${tag} once it holds every file${notesChange ? ', with updated notes' : ''}`,
          `草稿版本 ${tag} 包含全部文件后发布${notesChange ? '，并更新说明' : ''}`,
        ),
        update: tr(`update the generated notes of release ${tag}`, `更新版本 ${tag} 的生成说明`),
        keep: locked
          ? tr(
              `release ${tag} is immutable and already holds these files: nothing to do`,
              `版本 ${tag} 不可变，且已包含这些文件：无需任何操作`,
            )
          : tr(
              `release ${tag} exists${release?.draft ? ' (draft)' : ''}, notes up to date`,
              `版本 ${tag} 已存在${release?.draft ? '（草稿）' : ''}，说明已是最新`,
            ),
      }[releaseAction],
    )
    for (const { asset, action } of plan) {
      say(
        action,
        `${
          {
            upload: tr(`upload ${asset.name}`, `上传 ${asset.name}`),
            replace: tr(
              `replace ${asset.name} (delete the old asset, upload the new one)`,
              `替换 ${asset.name}（删除旧文件后上传新文件）`,
            ),
            keep: tr(`${asset.name} unchanged`, `${asset.name} 未改变`),
          }[action]
        } — ${asset.size} B, sha256 ${asset.sha256}`,
      )
    }

    const urls = new Map(
      plan.flatMap(({ asset, old, action }) =>
        action === 'keep' ? [[asset.name, old!.browser_download_url] as const] : [],
      ),
    )
    if (!flags['dry-run']) {
      // Always a draft first: files cannot be added to an immutable release once it is published.
      let target =
        release ??
        (await call(
          ctx(tr(`create the draft release ${tag} in ${name}`, `在 ${name} 创建草稿版本 ${tag}`)),
          async () =>
            (
              await octokit.rest.repos.createRelease({
                owner,
                repo,
                tag_name: tag,
                name: `${dashboard.title} ${tag}`,
                body: notes,
                draft: true,
              })
            ).data,
        ))
      for (const { asset, old, action } of plan) {
        if (action === 'keep') continue
        if (old) {
          await call(ctx(tr(`delete the old asset ${asset.name}`, `删除旧资源文件 ${asset.name}`)), () =>
            octokit.rest.repos
              .deleteReleaseAsset({ owner, repo, asset_id: old.id })
              .catch((error: { status?: number }) => {
                // Already gone (another run got there first): the goal of the delete is met.
                if (error.status !== 404) throw error
              }),
          )
        }
        // The upload host differs from the API host (uploads.github.com, or /api/uploads on
        // Enterprise): only the release's own upload_url names it.
        const uploaded = await call(ctx(tr(`upload ${asset.name}`, `上传 ${asset.name}`)), () =>
          octokit.request({
            method: 'POST',
            url: target.upload_url,
            name: asset.name,
            data: asset.data,
            headers: { 'content-type': asset.contentType, 'content-length': asset.size },
          }),
        )
        urls.set(asset.name, (uploaded.data as { browser_download_url: string }).browser_download_url)
      }
      if (publishing || notesChange) {
        const id = target.id
        target = await call(
          ctx(
            publishing
              ? tr(`publish the release ${tag}`, `发布版本 ${tag}`)
              : tr(`update the notes of release ${tag}`, `更新版本 ${tag} 的说明`),
          ),
          async () =>
            (
              await octokit.rest.repos.updateRelease({
                owner,
                repo,
                release_id: id,
                ...(notesChange ? { body: notes } : {}),
                ...(publishing ? { draft: false } : {}),
              })
            ).data,
        )
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
      else if (target.immutable && publishing)
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
          action: releaseAction,
          id: release?.id ?? null,
          draft: release?.draft ?? flags.draft,
          immutable: release?.immutable ?? false,
          url: release?.html_url ?? null,
        },
        assets: plan.map(({ asset, action }) => ({
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
