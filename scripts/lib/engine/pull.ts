// Image pulls a person can watch: the engine's own progress stream (`POST /images/create`) turned
// into bytes done out of the total, the rate and the layers done; a bar on a terminal, a plain
// line every few seconds in a log. A pull that makes no progress for a while is stopped (closing
// the connection cancels it in the engine) and ends with cause and fix: the registry, a mirror.
// Before bytes move, the registry's manifest gives the size, checked against the engine's disk.
// The Engine API version is negotiated with the engine first (api-version.ts).
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import type { StepError } from '../step/fail.ts'
import { engineEndpoint } from './api.ts'
import { apiTooOld, negotiateApi } from './api-version.ts'
import { type DiskSpace, diskTight, diskTooSmall, diskVerdict, engineDiskSpace } from './disk.ts'
import { pullWithCli } from './pull-cli.ts'
import { pullFailed, stalled } from './pull-failures.ts'
import { formatBytes, formatSeconds, PullProgress } from './pull-progress.ts'
import type { PullRequest } from './pull-settings.ts'
import { type Outcome, stream } from './pull-stream.ts'
import { barView, lineView } from './pull-view.ts'
import { credentialsFor, loginName, registryAuthHeader } from './registry-auth.ts'
import { enginePlatform, type Lookup, lookupImage, parseImageRef } from './registry.ts'

/** The registry's manifest is only a help (size, disk check): it may not hold up the pull for long. */
const LOOKUP_TIMEOUT_MS = 10_000

/** Why the pull's size is not known, when the registry did not say. */
function unsized(lookup: Exclude<Lookup, { kind: 'found' }>): string {
  const why =
    lookup.kind === 'unreachable'
      ? t('{via} did not answer here: {detail}', { via: lookup.via, detail: lookup.detail })
      : lookup.kind === 'no-platform'
        ? t('built for {platforms} only', { platforms: lookup.platforms.join(t(', ')) })
        : `${lookup.via}: ${lookup.detail}`
  return t('size not known ({why}); the engine decides', { why })
}

/** Pulls `image` through the Engine API with progress, a stall deadline and a disk check. */
export async function pullImage(image: string, request: PullRequest): Promise<void> {
  const endpoint = await engineEndpoint()
  if (endpoint.kind === 'cli') return pullWithCli(image, endpoint, request)
  const api = await negotiateApi(endpoint)
  if (api.kind === 'engine-older') {
    // "reached over Engine API 1.40, which this tool does not speak": it speaks 1.41 and newer.
    const reason = `Engine API ${api.engine.newest}`
    return pullWithCli(image, { kind: 'cli', address: endpoint.address, reason }, request)
  }
  if (api.kind === 'engine-newer') throw apiTooOld(endpoint.address, api.engine)
  const ref = parseImageRef(image)
  const { info } = request
  log.info(t('pulling {image} from {registry} (large images take minutes)', { image, registry: ref.registry }))
  const progress = new PullProgress(Date.now())
  const view = process.stderr.isTTY ? barView(image, progress) : lineView(image, progress)
  const insecure = new Set(
    Object.values(info.RegistryConfig?.IndexConfigs ?? {})
      .filter((c) => c.Secure === false)
      .map((c) => c.Name),
  )
  // Asked beside the pull, never before it: a registry slow to answer us must not hold up the engine.
  let lookup: Lookup | undefined
  let space: DiskSpace | undefined
  let ended = false
  const cancelSizing = new AbortController()
  const sizing = Promise.all([
    lookupImage(image, {
      // Settled by the time a stall is declared, so the stall's message can say what it found.
      timeoutMs: Math.min(LOOKUP_TIMEOUT_MS, request.stallTimeoutMs),
      signal: cancelSizing.signal,
      platform: enginePlatform(info),
      mirrors: info.RegistryConfig?.Mirrors ?? [],
      insecure: (registry) => insecure.has(registry),
    }),
    engineDiskSpace(info, endpoint),
  ]).then(([l, d]) => {
    lookup = l
    space = d
    if (ended) return
    if (l.kind === 'found') {
      progress.expect(l.layers)
      view.note(
        t('{formatBytes} in {layersLength} layers ({via})', {
          formatBytes: formatBytes(l.bytes),
          layersLength: l.layers.length,
          via: l.via,
        }),
      )
    } else view.note(unsized(l))
    if (d.kind === 'skipped') view.note(d.reason)
  })
  // The disk is checked once the stream has said which layers this machine already has (an image
  // pulled before from another registry shares them), so only what will be downloaded counts.
  let diskChecked = false
  const checkDisk = (): StepError | undefined => {
    if (diskChecked || space?.kind !== 'measured' || !progress.allListed) return undefined
    diskChecked = true
    const verdict = diskVerdict(space.free, progress.bytesTotal)
    if (verdict === 'too-small') return diskTooSmall(image, space, progress.bytesTotal)
    if (verdict === 'tight') view.note(diskTight(image, space, progress.bytesTotal), 'warn')
    else
      view.note(t('disk: {formatBytes} free under {path}', { formatBytes: formatBytes(space.free), path: space.path }))
    return undefined
  }
  const credentials = await credentialsFor(ref.registry)
  let outcome: Outcome
  try {
    outcome = await stream(endpoint, ref, credentials && registryAuthHeader(credentials, ref.registry), {
      version: api.version,
      progress,
      view,
      stallTimeoutMs: request.stallTimeoutMs,
      check: checkDisk,
    })
  } finally {
    ended = true
    view.stop()
  }
  if (outcome.kind === 'stalled') {
    // What the registry said to us directly helps tell "unreachable" from "slow".
    await sizing
    throw stalled(image, progress, request.stallTimeoutMs / 1000, request.imageVariable, lookup)
  }
  // Nothing more to learn from the registry: do not keep the step alive for its answer.
  cancelSizing.abort()
  if (outcome.kind === 'too-new') {
    return pullWithCli(image, { kind: 'cli', address: endpoint.address, reason: outcome.reason }, request)
  }
  if (outcome.kind === 'too-old') throw apiTooOld(endpoint.address, { ...api.engine, oldest: outcome.oldest })
  if (outcome.kind === 'failed') {
    throw pullFailed(image, outcome.said, {
      variable: request.imageVariable,
      dataRoot: info.DockerRootDir,
      login: credentials && loginName(credentials),
    })
  }
  if (outcome.kind === 'refused') throw outcome.error
  const seconds = (Date.now() - progress.startedAt) / 1000
  const existing = progress.layersExisting
  const rate = formatBytes(progress.bytesDone / Math.max(seconds, 0.001))
  log.ok(
    t('pulled {image}: {formatBytes} in {formatSeconds} ({rate}/s), {layersTotal} layers{existing}', {
      image,
      formatBytes: formatBytes(progress.bytesDone),
      formatSeconds: formatSeconds(seconds),
      rate,
      layersTotal: progress.layersTotal,
      existing: existing ? t(' ({existing} already here)', { existing }) : '',
    }),
  )
}
