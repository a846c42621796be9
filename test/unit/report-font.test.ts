// The Chinese report's own font and words: the faces cover every CJK character of a page and stay
// small; a Latin page gets none; every row and panel title of the dashboard (and every legend word
// and "no data" line the report shows) has its entry in the report's table, so a panel added to
// the dashboard cannot reach the Chinese page in English unnoticed.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { DASHBOARD_FILE, type DashboardPanel, readDashboard } from '../../scripts/lib/grafana/dashboard.ts'
import { timeChart } from '../../scripts/lib/report/charts.ts'
import { cjkCharacters, embeddedFontFaces } from '../../scripts/lib/report/font.ts'
import { knownDashboardWords } from '../../scripts/lib/report/labels.ts'

test('the faces hold every CJK character of the page, full-width punctuation included, in a few kB', async () => {
  const text = '运行概况：抓取目标（正常）、告警，延迟分布。Triton 9090'
  const faces = await embeddedFontFaces(text)
  const ranges = [...faces.matchAll(/unicode-range:([^}]+)\}/g)].flatMap((m) => m[1]!.split(','))
  const covered = ranges.map((r) => String.fromCodePoint(Number.parseInt(r.replace('U+', ''), 16)))
  assert.equal(covered.sort(), cjkCharacters(text))
  assert.ok(covered.includes('：') && covered.includes('（'), 'full-width punctuation')
  assert.not.ok(covered.includes('T'), 'Latin left to the system fonts')
  assert.ok(faces.length < 20_000, `${faces.length} bytes`)
  assert.match(faces, /src:url\(data:font\/woff2;base64,/)
})

test('a page without CJK characters gets no font', async () => {
  assert.is(await embeddedFontFaces('Triton run report — mnist_mlp, 1,534.47 infer/s, ≤ 5.6 ms'), '')
})

test('every dashboard title and legend word the report shows has its entry', () => {
  const known = new Set(knownDashboardWords())
  const missing: string[] = []
  const visit = (panels: DashboardPanel[]) => {
    for (const panel of panels) {
      if (panel.type === 'row') {
        if (!known.has(panel.title ?? '') && panel.title !== 'GPU') missing.push(`row ${panel.title}`)
        visit(panel.panels ?? [])
        continue
      }
      if (panel.type !== 'timeseries') continue
      if (!known.has(panel.title ?? '')) missing.push(`panel ${panel.title}`)
      const noValue = panel.fieldConfig?.defaults?.noValue
      if (noValue && !noValue.startsWith('No GPU metrics') && !known.has(noValue))
        missing.push(`no-data line ${noValue}`)
      for (const target of panel.targets ?? []) {
        const words = target.legendFormat?.replace(/\{\{[^}]*\}\}/g, '').trim()
        if (words && !/^p\d+$/.test(words) && !known.has(words)) missing.push(`legend word ${words} (${panel.title})`)
      }
    }
  }
  visit(readDashboard(DASHBOARD_FILE).panels ?? [])
  assert.equal(missing, [])
})

test('a series with a single sample still shows it: a dot where a line has nothing to join', async () => {
  const now = Date.now()
  const chart = (values: (number | null)[]) =>
    timeChart(
      {
        title: 'Mean latency by instance',
        unit: 'ms',
        stacked: false,
        points: values.map((v, i) => ({ t: now - (values.length - i) * 5000, v, series: 'triton-2:8002' })),
        domain: [now - 60_000, now],
      },
      false,
    )
  const dots = (svg: string) => (svg.match(/role="graphics-symbol" aria-roledescription="point"/g) ?? []).length
  assert.ok(dots(await chart([null, null, 4.2, null])) >= 1, 'one sample: a dot')
  assert.is(dots(await chart([1, 2, 3, 4])), 0, 'a line: no dots')
})

test.run()
