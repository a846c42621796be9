// One GitHub release as `make publish` works on it: found by its tag (drafts included), its assets
// listed and compared by content, a draft created, assets deleted and uploaded, the release
// updated. Every call goes through `call`, so what GitHub refuses comes back as cause and fix.
import type { Octokit, RestEndpointMethodTypes } from '@octokit/rest'
import { t } from '../output/i18n.ts'
import { call, type GithubCall } from './errors.ts'
import { sha256 } from './release-notes.ts'
import { fullName, type Repository } from './repository.ts'

export type Release = RestEndpointMethodTypes['repos']['listReleases']['response']['data'][number]
export type Asset = RestEndpointMethodTypes['repos']['listReleaseAssets']['response']['data'][number]

/** A file as it is uploaded: its asset name, bytes, checksum and type. */
export interface UploadFile {
  name: string
  data: Buffer
  size: number
  sha256: string
  contentType: string
}

// Releases are listed newest first; a draft for this tag past the first 1000 is not looked for.
const MAX_RELEASE_PAGES = 10
// GitHub allows 1000 assets per release.
const MAX_ASSET_PAGES = 10

async function* items<T>(pages: AsyncIterable<{ data: T[] }>, maxPages: number): AsyncGenerator<T> {
  let read = 0
  for await (const page of pages) {
    yield* page.data
    if (++read >= maxPages) return
  }
}

/** The release calls for `tag` in `repository`, each named for the error it may end in. */
export function releaseApi(octokit: Octokit, repository: Repository, apiUrl: string, tag: string) {
  const { owner, repo } = repository
  const name = fullName(repository)
  const ctx = (action: string): GithubCall => ({ action, repository, apiUrl, tag })
  return {
    /**
     * Listing, not get-by-tag: only the list shows drafts to a token that can push. GitHub keeps
     * several drafts for a tag but one published release, and that one is the release of the tag.
     */
    find: () =>
      call(ctx(t('list the releases of {name}', { name })), async () => {
        let draft: Release | undefined
        const pages = octokit.paginate.iterator(octokit.rest.repos.listReleases, { owner, repo, per_page: 100 })
        for await (const r of items(pages, MAX_RELEASE_PAGES)) {
          if (r.tag_name !== tag) continue
          if (!r.draft) return r
          draft ??= r
        }
        return draft
      }),

    assets: (release: Release) =>
      call(ctx(t('list the assets of release {tag}', { tag })), async () => {
        const found: Asset[] = []
        const pages = octokit.paginate.iterator(octokit.rest.repos.listReleaseAssets, {
          owner,
          repo,
          release_id: release.id,
          per_page: 100,
        })
        for await (const a of items(pages, MAX_ASSET_PAGES)) found.push(a)
        return found
      }),

    /** By GitHub's digest of the asset; one uploaded before GitHub computed digests is downloaded. */
    sameContent: async (old: Asset, file: UploadFile): Promise<boolean> => {
      if (old.state !== 'uploaded' || old.size !== file.size) return false
      if (old.digest) return old.digest === `sha256:${file.sha256}`
      const { data } = await call(ctx(t('download {name} to compare it', { name: old.name })), () =>
        octokit.rest.repos.getReleaseAsset({
          owner,
          repo,
          asset_id: old.id,
          headers: { accept: 'application/octet-stream' },
          // The bytes as they are: parsed, a JSON asset would come back as an object.
          request: { parseSuccessResponseBody: false },
        }),
      )
      return sha256(new Uint8Array(await new Response(data as unknown as ReadableStream).arrayBuffer())) === file.sha256
    },

    /** Always a draft first: files cannot be added to an immutable release once it is published. */
    createDraft: (title: string, body: string) =>
      call(
        ctx(t('create the draft release {tag} in {name}', { tag, name })),
        async (): Promise<Release> =>
          (await octokit.rest.repos.createRelease({ owner, repo, tag_name: tag, name: title, body, draft: true })).data,
      ),

    deleteAsset: (old: Asset) =>
      call(ctx(t('delete the old asset {name}', { name: old.name })), () =>
        octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: old.id }).catch((error: { status?: number }) => {
          // Already gone (another run got there first): the goal of the delete is met.
          if (error.status !== 404) throw error
        }),
      ),

    /**
     * The asset's download URL. The upload host differs from the API host (uploads.github.com, or
     * /api/uploads on Enterprise): only the release's own upload_url names it.
     */
    upload: async (release: Release, file: UploadFile): Promise<string> => {
      const uploaded = await call(ctx(t('upload {name}', { name: file.name })), () =>
        octokit.request({
          method: 'POST',
          url: release.upload_url,
          name: file.name,
          data: file.data,
          headers: { 'content-type': file.contentType, 'content-length': file.size },
        }),
      )
      return (uploaded.data as { browser_download_url: string }).browser_download_url
    },

    /** Publishes a draft and/or replaces the notes: GitHub keeps both editable, immutable or not. */
    update: (release: Release, change: { body?: string; publish: boolean }) =>
      call(
        ctx(change.publish ? t('publish the release {tag}', { tag }) : t('update the notes of release {tag}', { tag })),
        async (): Promise<Release> =>
          (
            await octokit.rest.repos.updateRelease({
              owner,
              repo,
              release_id: release.id,
              ...(change.body !== undefined ? { body: change.body } : {}),
              ...(change.publish ? { draft: false } : {}),
            })
          ).data,
      ),
  }
}

export type ReleaseApi = ReturnType<typeof releaseApi>
