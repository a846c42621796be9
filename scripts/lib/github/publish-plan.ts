// What `make publish` will do, decided before any change and shown as decided: each file is
// uploaded, replaced or kept; the release is created, published, updated (its notes) or kept. An
// immutable release takes no file change at all (a stop before anything is sent), but its notes
// are refreshed when they differ: GitHub keeps the title and notes of a published immutable release
// editable, and locks only its tag and files.
import { fail } from '../step/fail.ts'
import { tr } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { newTagFix } from './errors.ts'
import type { LocalAsset } from './local-assets.ts'
import { mergeNotes } from './release-notes.ts'
import type { Asset, Release, ReleaseApi } from './releases.ts'

export type AssetAction = 'upload' | 'replace' | 'keep'

export interface AssetStep {
  asset: LocalAsset
  old: Asset | undefined
  action: AssetAction
}

/** create: a new draft, filled, then published (unless --draft); publish: an existing draft, filled, published. */
export type ReleaseAction = 'create' | 'publish' | 'update' | 'keep'

export interface ReleasePlan {
  action: ReleaseAction
  /** Published in a repository with immutable releases on: its tag and files can no longer change. */
  locked: boolean
  /** The notes the release ends with: the generated section put into what is there. */
  notes: string
  notesChange: boolean
  /** A draft, new or left by an interrupted run, is published once it holds every file. */
  publishing: boolean
}

/** Each file against the asset of its name: uploaded when new, kept when identical, else replaced. */
export async function planAssets(api: ReleaseApi, assets: LocalAsset[], existing: Asset[]): Promise<AssetStep[]> {
  const steps: AssetStep[] = []
  for (const asset of assets) {
    const old = existing.find((a) => a.name === asset.name)
    steps.push({ asset, old, action: !old ? 'upload' : (await api.sameContent(old, asset)) ? 'keep' : 'replace' })
  }
  return steps
}

/**
 * Stops with cause and fix unless every file is already in the immutable release, identical:
 * GitHub refuses to add, replace or delete a file there, and the tag can never be used again.
 */
function refuseChanges(tag: string, steps: AssetStep[]): void {
  const differ = steps.filter(({ action }) => action !== 'keep')
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

/** The release's part of the plan; a stop when an immutable release would need other files. */
export function planRelease(
  tag: string,
  release: Release | undefined,
  section: string,
  steps: AssetStep[],
  draft: boolean,
): ReleasePlan {
  const locked = release !== undefined && !release.draft && release.immutable === true
  if (locked) refuseChanges(tag, steps)
  const notes = release ? mergeNotes(release.body, section) : section
  const notesChange = release !== undefined && notes !== release.body
  const publishing = !draft && (release === undefined || release.draft)
  const action: ReleaseAction = !release
    ? 'create'
    : release.draft && publishing
      ? 'publish'
      : notesChange
        ? 'update'
        : 'keep'
  return { action, locked, notes, notesChange, publishing }
}

const say = (action: string, text: string) => (action === 'keep' ? log.ok(text) : log.change(text))

/** The plan as lines: the release first, then each file with its size and checksum. */
export function showPlan(
  tag: string,
  release: Release | undefined,
  plan: ReleasePlan,
  steps: AssetStep[],
  draft: boolean,
) {
  const { locked, notesChange } = plan
  say(
    plan.action,
    {
      create: draft
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
      update: locked
        ? tr(
            `release ${tag} is immutable and already holds these files; update its generated notes (GitHub keeps notes editable)`,
            `版本 ${tag} 不可变，且已包含这些文件；更新其生成说明（GitHub 允许修改说明）`,
          )
        : tr(`update the generated notes of release ${tag}`, `更新版本 ${tag} 的生成说明`),
      keep: locked
        ? tr(
            `release ${tag} is immutable and already holds these files: nothing to do`,
            `版本 ${tag} 不可变，且已包含这些文件：无需任何操作`,
          )
        : tr(
            `release ${tag} exists${release?.draft ? ' (draft)' : ''}, notes up to date`,
            `版本 ${tag} 已存在${release?.draft ? '（草稿）' : ''}，说明已是最新`,
          ),
    }[plan.action],
  )
  for (const { asset, action } of steps) {
    const what = {
      upload: tr(`upload ${asset.name}`, `上传 ${asset.name}`),
      replace: tr(
        `replace ${asset.name} (delete the old asset, upload the new one)`,
        `替换 ${asset.name}（删除旧文件后上传新文件）`,
      ),
      keep: tr(`${asset.name} unchanged`, `${asset.name} 未改变`),
    }[action]
    say(action, `${what} — ${asset.size} B, sha256 ${asset.sha256}`)
  }
}
