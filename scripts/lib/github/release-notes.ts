// Release notes describing a published dashboard: enough to tell two releases apart (panels,
// schema version) and to check a download (sha256), kept in a marked section so notes a person
// wrote around it survive every re-publish.
import { createHash } from 'node:crypto'
import type { DashboardModel, DashboardPanel } from '../grafana/dashboard.ts'

export interface NotedAsset {
  name: string
  size: number
  sha256: string
}

export const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

const BEGIN = '<!-- triton-monitoring:begin -->'
const END = '<!-- triton-monitoring:end -->'

const titleOf = (panel: DashboardPanel) => panel.title?.trim() || '(untitled)'
const item = (panel: DashboardPanel) => `- ${titleOf(panel)} (\`${panel.type ?? 'unknown'}\`)`

/** Panels as a list, each under its row: after an open row, in a collapsed one. */
function panelLines(panels: DashboardPanel[]): string[] {
  let inRow = false
  return panels.flatMap((panel) => {
    if (panel.type !== 'row') return [(inRow ? '  ' : '') + item(panel)]
    inRow = true
    return [`- **${titleOf(panel)}**`, ...(panel.panels ?? []).map((p) => `  ${item(p)}`)]
  })
}

const leaves = (panels: DashboardPanel[]): DashboardPanel[] =>
  panels.flatMap((p) => (p.type === 'row' ? leaves(p.panels ?? []) : [p]))

/**
 * The generated section, markers included; the same inputs give the same bytes. The first asset
 * is the dashboard itself.
 */
export function releaseNotes(dashboard: DashboardModel, assets: NotedAsset[]): string {
  const panels = dashboard.panels ?? []
  return [
    BEGIN,
    `## ${dashboard.title}`,
    '',
    `- Dashboard uid: \`${dashboard.uid}\``,
    `- Grafana schemaVersion: ${dashboard.schemaVersion ?? 'not set'}`,
    `- Panels: ${leaves(panels).length}`,
    '',
    ...panelLines(panels),
    '',
    '| File | Bytes | SHA-256 |',
    '| --- | ---: | --- |',
    ...assets.map((a) => `| \`${a.name}\` | ${a.size} | \`${a.sha256}\` |`),
    '',
    `Import: Grafana → Dashboards → New → Import → upload \`${assets[0]?.name}\`. ` +
      'Check a download against its SHA-256 with `sha256sum FILE`.',
    END,
  ].join('\n')
}

/** Puts `section` in place of the previous generated section, or after the existing text. */
export function mergeNotes(existing: string | null | undefined, section: string): string {
  const body = existing ?? ''
  const start = body.indexOf(BEGIN)
  const end = body.indexOf(END, start)
  if (start >= 0 && end >= 0) return body.slice(0, start) + section + body.slice(end + END.length)
  return body.trim() ? `${body.trimEnd()}\n\n${section}` : section
}
