// What `make publish` will do, decided before any change and shown as decided: each file is
// uploaded, replaced or kept; the release is created, published, updated (its notes) or kept. An
// immutable release takes no file change at all (a stop before anything is sent), but its notes
// are refreshed when they differ: GitHub keeps the title and notes of a published immutable release
// editable, and locks only its tag and files.
import { fail } from '../step/fail.ts'
import { t } from '../output/i18n.ts'
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
        ? t('{name} differs (sha256 {sha256}… here, {digest}… there)', {
            name: asset.name,
            sha256: asset.sha256.slice(0, 12),
            digest: old.digest?.slice(7, 19) ?? t('other bytes'),
          })
        : t('{name} is not in it', { name: asset.name }),
    )
    .join('; ')
  throw fail(
    t('release {tag} is immutable (published with immutable releases on), so its ' + 'files cannot change: {what}', {
      tag,
      what,
    }),
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
        ? t('create release {tag} as a draft with generated notes (--draft: it stays a draft)', { tag })
        : t('create release {tag} as a draft with generated notes, upload its files, then publish it', { tag }),
      publish: t('publish the draft release {tag} once it holds every file{notesChange}', {
        tag,
        notesChange: notesChange ? t(', with updated notes') : '',
      }),
      update: locked
        ? t(
            'release {tag} is immutable and already holds these files; update its ' +
              'generated notes (GitHub keeps notes editable)',
            { tag },
          )
        : t('update the generated notes of release {tag}', { tag }),
      keep: locked
        ? t('release {tag} is immutable and already holds these files: nothing to do', { tag })
        : t('release {tag} exists{draft}, notes up to date', { tag, draft: release?.draft ? t(' (draft)') : '' }),
    }[plan.action],
  )
  for (const { asset, action } of steps) {
    const what = {
      upload: t('upload {name}', { name: asset.name }),
      replace: t('replace {name} (delete the old asset, upload the new one)', { name: asset.name }),
      keep: t('{name} unchanged', { name: asset.name }),
    }[action]
    say(action, `${what} — ${asset.size} B, sha256 ${asset.sha256}`)
  }
}
