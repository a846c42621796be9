// Small helpers the benchmarks share: wall time of a command, medians, ratio lines.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Wall time of one run of `command args`, in ms; throws when it exits non-zero. */
export function wallMs(command: string, args: string[], timeoutMs = 60_000, env = process.env): number {
  const started = performance.now()
  const run = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs, env })
  const ms = performance.now() - started
  if (run.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${run.signal ?? run.status}: ${run.stderr}`)
  return ms
}

/** The bundled step scripts, as `make` runs them; `make bench` builds them first. */
export function builtStep(name: string): string {
  const path = `dist/scripts/${name}.mjs`
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`make build\` (make bench does it) first`)
  return path
}

export function line(label: string, value: string): void {
  process.stdout.write(`  ${label.padEnd(44)} ${value}\n`)
}

/** `0.93x (target >= 0.9x: met)`; benchmarks report targets, they never fail on them. */
export function ratio(value: number, peer: number, target?: { op: '>=' | '<='; value: number }): string {
  const r = value / peer
  const met = target && (target.op === '>=' ? r >= target.value : r <= target.value)
  // A third digit where two would show the target itself: 0.998 is not met, and must not read 1.00.
  const digits = r >= 10 ? 0 : target && !met && r.toFixed(2) === target.value.toFixed(2) ? 3 : 2
  const text = `${r.toFixed(digits)}x`
  if (!target) return text
  return `${text} (target ${target.op} ${target.value}x: ${met ? 'met' : 'NOT met'})`
}

/**
 * The median of the per-round ratios `values[i] / peers[i]`, with their range: runs of the same
 * round ran next to each other, so a machine that drifts between rounds moves both alike.
 */
export function pairedRatio(values: number[], peers: number[], target?: { op: '>=' | '<='; value: number }): string {
  const ratios = values.map((v, i) => v / peers[i]!)
  const [low, high] = [Math.min(...ratios), Math.max(...ratios)]
  const ahead = ratios.filter((r) => r >= 1).length
  return `${ratio(median(ratios), 1, target)}, rounds ${low.toFixed(2)}–${high.toFixed(2)}, ahead in ${ahead} of ${ratios.length}`
}
