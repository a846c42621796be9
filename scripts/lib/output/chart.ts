// A small terminal chart of a time series; gaps (no samples) are left out rather than drawn as 0.
import { plot } from 'asciichart'
import { t } from './i18n.ts'

export function chart(title: string, values: number[], unit: string, height = 6): string {
  // Rounded: asciichart scales rows by height/range, and a float-noise range (1e-16) means
  // billions of rows.
  const points = values.filter(Number.isFinite).map((v) => Math.round(v * 1e4) / 1e4)
  if (points.length === 0) return t('{title}: no data in this window', { title })
  const low = Math.min(...points)
  const high = Math.max(...points)
  if (low === high) {
    const n = points.length
    const value = low.toFixed(2)
    return n === 1
      ? t('{title} ({unit}): steady at {value} ({n} sample)', { title, unit, value, n })
      : t('{title} ({unit}): steady at {value} ({n} samples)', { title, unit, value, n })
  }
  const width = Math.max(...points.map((v) => v.toFixed(2).length)) + 1
  const body = plot(points, { height, format: (v) => v.toFixed(2).padStart(width) })
  return `${t('{title} ({unit})', { title, unit })}\n${body}`
}
