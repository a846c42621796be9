// What a pull has done so far, from the engine's progress stream (`POST /images/create`, one JSON
// message a line): bytes downloaded out of the total, the rate, layers done, and when it last
// moved. Pure bookkeeping with the clock passed in, so it is tested on recorded streams.
import { t } from '../output/i18n.ts'

/** One line of the stream (pkg/jsonmessage JSONMessage): only the fields a pull sends. */
export interface PullMessage {
  status?: string
  id?: string
  progressDetail?: { current?: number; total?: number }
  error?: string
  errorDetail?: { code?: number; message?: string }
}

type Phase = 'waiting' | 'downloading' | 'downloaded' | 'extracting' | 'complete' | 'existed'

/** Later phases never go back: a stray late message cannot undo progress. */
const ORDER: Phase[] = ['waiting', 'downloading', 'downloaded', 'extracting', 'complete', 'existed']

function phaseOf(status: string): Phase | undefined {
  if (status === 'Pulling fs layer' || status === 'Waiting') return 'waiting'
  if (status === 'Downloading') return 'downloading'
  if (status === 'Verifying Checksum' || status === 'Download complete') return 'downloaded'
  if (status === 'Extracting') return 'extracting'
  if (status === 'Pull complete') return 'complete'
  if (status === 'Already exists') return 'existed'
  // `Retrying in N seconds`, `Pulling from …` (its id is the tag) and the like move nothing.
  return undefined
}

interface Layer {
  phase: Phase
  /** Compressed size: from the registry's manifest, or the stream's `total` once it downloads. */
  size?: number
  downloaded: number
  extracted: number
}

/** Window over which the rate is measured: long enough to be steady, short enough to follow a change. */
const RATE_WINDOW_MS = 10_000

export class PullProgress {
  private readonly layers = new Map<string, Layer>()
  private readonly expected = new Map<string, number>()
  private readonly samples: { at: number; bytes: number }[] = []
  /** Layers the stream has named, with `Already exists` or a start of their download. */
  private readonly listed = new Set<string>()
  /** When the pull last moved: a new layer, a later phase, or more bytes. */
  lastProgressAt: number
  readonly startedAt: number
  /** The `Status: …` line that ends a successful pull. */
  finished?: string
  /** The stream's own error line: the pull failed even though HTTP said 200. */
  error?: { message: string; code?: number }

  constructor(now: number) {
    this.startedAt = now
    this.lastProgressAt = now
  }

  /** The manifest's layers, once the registry told us: the total is then right before they start. */
  expect(layers: { digest: string; size: number }[]): void {
    for (const { digest, size } of layers) {
      // The stream names a layer by the first 12 hex digits of its digest.
      const id = digest.replace(/^sha256:/, '').slice(0, 12)
      this.expected.set(id, size)
      const layer = this.layers.get(id)
      if (!layer) this.layers.set(id, { phase: 'waiting', size, downloaded: 0, extracted: 0 })
      else layer.size ??= size
    }
  }

  apply(message: PullMessage, now: number): void {
    if (message.error || message.errorDetail) {
      this.error = {
        message: message.errorDetail?.message ?? message.error ?? '',
        code: message.errorDetail?.code,
      }
      return
    }
    const status = message.status ?? ''
    if (status.startsWith('Status: ')) {
      this.finished = status.slice('Status: '.length)
      this.lastProgressAt = now
      return
    }
    const phase = phaseOf(status)
    if (!phase || !message.id) return
    let layer = this.layers.get(message.id)
    const isNew = !layer || !this.listed.has(message.id)
    if (!layer) {
      layer = { phase: 'waiting', size: this.expected.get(message.id), downloaded: 0, extracted: 0 }
      this.layers.set(message.id, layer)
    }
    this.listed.add(message.id)
    let moved = isNew
    if (ORDER.indexOf(phase) > ORDER.indexOf(layer.phase)) {
      layer.phase = phase
      moved = true
    }
    const { current, total } = message.progressDetail ?? {}
    if (total && total > 0 && phase === 'downloading') layer.size = total
    if (current !== undefined && phase === 'downloading' && current > layer.downloaded) {
      layer.downloaded = current
      moved = true
    }
    if (current !== undefined && phase === 'extracting' && current > layer.extracted) {
      layer.extracted = current
      moved = true
    }
    if (moved) this.lastProgressAt = now
    this.samples.push({ at: now, bytes: this.bytesDone })
    while (this.samples.length > 2 && this.samples[1]!.at <= now - RATE_WINDOW_MS) this.samples.shift()
  }

  private get toFetch(): Layer[] {
    return [...this.layers.values()].filter((l) => l.phase !== 'existed')
  }

  /** Compressed bytes downloaded so far (a layer counts whole once its download is complete). */
  get bytesDone(): number {
    return this.toFetch.reduce(
      (n, l) => n + (ORDER.indexOf(l.phase) >= ORDER.indexOf('downloaded') ? (l.size ?? l.downloaded) : l.downloaded),
      0,
    )
  }

  /** Compressed bytes to download: the layers this machine does not have yet. */
  get bytesTotal(): number {
    return this.toFetch.reduce((n, l) => n + (l.size ?? 0), 0)
  }

  /** False while a layer's size is still unknown (no manifest, and it has not started downloading). */
  get totalKnown(): boolean {
    return this.toFetch.every((l) => l.size !== undefined)
  }

  get layersTotal(): number {
    return this.layers.size
  }

  get layersDone(): number {
    return [...this.layers.values()].filter((l) => l.phase === 'complete' || l.phase === 'existed').length
  }

  get layersExisting(): number {
    return [...this.layers.values()].filter((l) => l.phase === 'existed').length
  }

  /** True once the stream has named a layer: the registry has answered the engine. */
  get started(): boolean {
    return this.listed.size > 0
  }

  /** True once every layer of the manifest has been named by the stream (so `bytesTotal` is final). */
  get allListed(): boolean {
    return this.expected.size > 0 && [...this.expected.keys()].every((id) => this.listed.has(id))
  }

  /** Every download is complete and layers are being unpacked. */
  get extracting(): boolean {
    const fetch = this.toFetch
    return fetch.length > 0 && fetch.every((l) => ORDER.indexOf(l.phase) >= ORDER.indexOf('downloaded'))
  }

  /** Bytes per second over the last few seconds. */
  rate(now: number): number {
    const first = this.samples[0]
    if (!first || now - first.at < 500) return 0
    return Math.max(0, (this.bytesDone - first.bytes) / ((now - first.at) / 1000))
  }
}

/** Sizes as the docker CLI prints them: decimal units. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[unit]}`
}

export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/** `1.20 GB / 4.60 GB (26%)`: downloaded out of the total (a lower bound while sizes are unknown). */
function bytesFigure(p: PullProgress): string {
  const total = p.totalKnown ? formatBytes(p.bytesTotal) : `≥ ${formatBytes(p.bytesTotal)}`
  const percent = p.bytesTotal > 0 ? ` (${Math.floor((100 * p.bytesDone) / p.bytesTotal)}%)` : ''
  return `${formatBytes(p.bytesDone)} / ${total}${percent}`
}

const layersFigure = (p: PullProgress) => `${t('layers')} ${p.layersDone}/${p.layersTotal}`

/** Where a pull stands, without its pace: `1.20 GB / 4.60 GB (26%), layers 3/21`. */
export function progressSummary(p: PullProgress): string {
  return `${bytesFigure(p)}, ${layersFigure(p)}`
}

/** `1.20 GB / 4.60 GB (26%), 24.1 MB/s, layers 3/21, 2m21s left`: the numbers of one progress report. */
export function progressFigures(p: PullProgress, now: number): string {
  const idle = (now - p.lastProgressAt) / 1000
  const rate = p.rate(now)
  const parts = [bytesFigure(p)]
  if (idle >= 10) parts.push(t('no progress for {formatSeconds}', { formatSeconds: formatSeconds(idle) }))
  else if (p.extracting) parts.push(t('unpacking'))
  else parts.push(`${formatBytes(rate)}/s`)
  parts.push(layersFigure(p))
  if (idle < 10 && !p.extracting && rate > 0 && p.totalKnown) {
    const left = formatSeconds((p.bytesTotal - p.bytesDone) / rate)
    parts.push(t('{left} left', { left }))
  }
  return parts.join(', ')
}
