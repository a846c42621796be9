// A small terminal chart of a time series; gaps (no samples) are left out rather than drawn as 0.
import { plot } from 'asciichart'
import { t } from './i18n.ts'

export function chart(title: string, values: number[], unit: string, height = 6): string {
  // Rounded: asciichart scales rows by height/range, and a float-noise range (1e-16) means
  // billions of rows.
  const points = values.filter(Number.isFinite).map((v) => Math.round(v * 1e4) / 1e4)
  if (points.length === 0) return `${title}: ${t('no data in this window')}`
  const low = Math.min(...points)
  const high = Math.max(...points)
  if (low === high) {
    const n = points.length
    const samples = n === 1 ? t('({n} sample)', { n }) : t('({n} samples)', { n })
    return `${title} (${unit}): ${t('steady at')} ${low.toFixed(2)} ${samples}`
  }
  const width = Math.max(...points.map((v) => v.toFixed(2).length)) + 1
  const body = plot(points, { height, format: (v) => v.toFixed(2).padStart(width) })
  return `${title} (${unit})\n${body}`
}
