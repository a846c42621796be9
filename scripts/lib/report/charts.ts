// Charts for the report: Vega-Lite specs rendered to SVG while the report is written.
//
// Why Vega-Lite to SVG, of the libraries made for this (Vega-Lite, uPlot, ECharts):
// - the page carries no script at all: nothing runs when it opens, so nothing can fetch, fail
//   or print a console error, and it shows the same in a browser, a mail preview, an LMS viewer
//   or a PDF printer; uPlot and ECharts draw on a canvas only once their script has run;
// - size: an SVG chart is 10-40 kB, about 300 kB for the whole page; inlining ECharts adds about
//   1 MB of script before the first chart, uPlot about 50 kB plus its data and our drawing code;
// - look: axes, ticks, time labels, legends and titles come from Vega-Lite's defaults, which are
//   made for print, and vector output stays sharp at any zoom and on paper.
// The cost, no hover tooltips, matters little in a document handed in as proof of a run.
// Versions are pinned exactly in package.json (vega, vega-lite).
import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import { t } from '../output/i18n.ts'
import { fontStack } from './font.ts'

const WIDTH = 520
const HEIGHT = 200

export interface Point {
  /** Unix time in ms. */
  t: number
  /** null: no sample, a gap in the line. */
  v: number | null
  series: string
}

export interface TimeChart {
  title: string
  /** One line under the title: what the chart shows, or why it is empty. */
  subtitle?: string
  /** Grafana's unit id of the panel. */
  unit: string
  min?: number
  max?: number
  stacked: boolean
  points: Point[]
  /** The x axis spans this range (ms) even where there is no data. */
  domain: [number, number]
  /** A shaded band, e.g. when `make load` ran. */
  band?: { from: number; to: number; label: string }
}

interface Axis {
  title: string
  format?: string
  /** Values are divided by this before drawing. */
  divisor: number
}

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** Axis title and number format for one of Grafana's unit ids, scaled to the data where it has to be (bytes). */
export function unitAxis(unit: string, values: number[]): Axis {
  switch (unit) {
    case 'reqps':
      return { title: t('requests/s'), divisor: 1 }
    case 'ms':
      return { title: t('milliseconds'), divisor: 1 }
    case 's':
      return { title: t('seconds'), divisor: 1 }
    case 'percentunit':
      return { title: '%', format: '.0%', divisor: 1 }
    case 'percent':
      return { title: '%', divisor: 1 }
    case 'watt':
      return { title: t('watts'), divisor: 1 }
    case 'bytes': {
      const top = Math.max(0, ...values)
      const power = Math.min(IEC.length - 1, top > 0 ? Math.floor(Math.log(top) / Math.log(1024)) : 0)
      return { title: IEC[power]!, divisor: 1024 ** power }
    }
    case 'short':
    case 'none':
      return { title: t('value'), divisor: 1 }
    default:
      return { title: unit, divisor: 1 }
  }
}

/** Tick labels as precise as the range needs: seconds for a short run, the day for one over a day. */
function timeFormat([from, to]: [number, number]): string {
  if (to - from > 86_400_000) return '%m-%d %H:%M'
  return to - from > 30 * 60_000 ? '%H:%M' : '%H:%M:%S'
}

function config(chinese: boolean) {
  return {
    font: fontStack(chinese),
    view: { stroke: '#d0d7de' },
    title: { anchor: 'start', fontSize: 14, fontWeight: 600, subtitleColor: '#57606a', subtitleFontSize: 11 },
    axis: { labelColor: '#57606a', titleColor: '#24292f', gridColor: '#eaeef2', labelFontSize: 10 },
    legend: { orient: 'bottom', labelLimit: 360, symbolType: 'stroke', columns: 2 },
    background: 'white',
  } as const
}

/**
 * Vega-Lite's and Vega's warnings are notes about a spec (a domain merged, a scale adjusted), not
 * something a person running `make report` can act on; an error still stops the report.
 */
const logger = {
  level: () => logger,
  error(...args: unknown[]): never {
    throw new Error(args.join(' '))
  },
  warn: () => logger,
  info: () => logger,
  debug: () => logger,
}

async function render(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec, { logger }).spec), { renderer: 'none', logLevel: vega.Error })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/** The points, each marked `alone` when its series has no sample right before or after it. */
function isolate(points: Point[]): (Point & { alone: boolean })[] {
  const bySeries = new Map<string, Point[]>()
  for (const p of points) {
    const list = bySeries.get(p.series) ?? []
    list.push(p)
    bySeries.set(p.series, list)
  }
  const alone = new Set<Point>()
  for (const list of bySeries.values()) {
    list.sort((a, b) => a.t - b.t)
    list.forEach((p, i) => {
      if (p.v !== null && (list[i - 1]?.v ?? null) === null && (list[i + 1]?.v ?? null) === null) alone.add(p)
    })
  }
  return points.map((p) => ({ ...p, alone: alone.has(p) }))
}

/** A time series chart: one line (or stacked area) per series, with title, units and both axes. */
export function timeChart(chart: TimeChart, chinese: boolean): Promise<string> {
  const axis = unitAxis(
    chart.unit,
    chart.points.flatMap((p) => (p.v === null ? [] : [p.v])),
  )
  const values = isolate(chart.points).map((p) => ({ ...p, v: p.v === null ? null : p.v / axis.divisor }))
  const yDomain = chart.points.some((p) => p.v !== null)
    ? chart.min !== undefined || chart.max !== undefined
      ? { domainMin: chart.min, domainMax: chart.max === undefined ? undefined : chart.max / axis.divisor }
      : {}
    : { domain: [chart.min ?? 0, chart.max ?? 1] }
  const x = {
    field: 't',
    type: 'temporal',
    title: t('time (local)'),
    scale: { domain: chart.domain },
    axis: { format: timeFormat(chart.domain), labelOverlap: true, tickCount: 6 },
  } as const
  const y = {
    y: {
      field: 'v',
      type: 'quantitative',
      title: axis.title,
      stack: chart.stacked ? 'zero' : null,
      scale: { zero: true, nice: true, ...yDomain },
      axis: axis.format ? { format: axis.format } : {},
    },
    color: { field: 'series', type: 'nominal', title: null },
  } as const
  // One x encoding for every layer (the band's start and end are `t` and `t2`), so the layers share one time scale.
  const layers: unknown[] = []
  if (chart.band) {
    const band = [{ t: chart.band.from, t2: chart.band.to, label: chart.band.label }]
    layers.push({
      data: { values: band },
      mark: { type: 'rect', color: '#0969da', opacity: 0.07 },
      encoding: { x2: { field: 't2' } },
    })
    layers.push({
      data: { values: band },
      mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, dy: 3, color: '#0969da', fontSize: 10 },
      encoding: { y: { value: 0 }, text: { field: 'label' } },
    })
  }
  layers.push({
    data: { values },
    mark: chart.stacked
      ? { type: 'area', line: true, opacity: 0.55, interpolate: 'linear' }
      : { type: 'line', strokeWidth: 1.6, interpolate: 'linear' },
    encoding: y,
  })
  // A sample with no neighbour draws no line: a dot shows it (a single scrape, a series that began at the end).
  if (!chart.stacked && values.some((p) => p.alone)) {
    layers.push({
      data: { values },
      transform: [{ filter: 'datum.alone' }],
      mark: { type: 'point', filled: true, size: 40, opacity: 1 },
      encoding: y,
    })
  }
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: chart.subtitle ? { text: chart.title, subtitle: chart.subtitle } : { text: chart.title },
    width: WIDTH,
    height: HEIGHT,
    encoding: { x },
    layer: layers,
    config: config(chinese),
  } as TopLevelSpec)
}

export interface BarChart {
  title: string
  subtitle?: string
  xTitle: string
  yTitle: string
  bars: { label: string; count: number }[]
}

/** Bars in the given order, e.g. a latency histogram's buckets. */
export function barChart(chart: BarChart, chinese: boolean): Promise<string> {
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: chart.subtitle ? { text: chart.title, subtitle: chart.subtitle } : { text: chart.title },
    width: WIDTH,
    height: HEIGHT,
    data: { values: chart.bars },
    mark: { type: 'bar', color: '#0969da' },
    encoding: {
      x: { field: 'label', type: 'ordinal', sort: null, title: chart.xTitle, axis: { labelAngle: 0 } },
      y: { field: 'count', type: 'quantitative', title: chart.yTitle },
    },
    config: config(chinese),
  } as TopLevelSpec)
}
