// `make report`: the run as one HTML file a student can hand in, in place of a pile of
// screenshots. It reads what the steps kept in the state folder (each step's outcome, the last
// load), asks Prometheus for the dashboard's panels over the run's time range and for the
// targets and alerts, and writes report/index.html whole or not at all: with no stack, or
// Prometheus down, it stops with the step to run and leaves any earlier report as it was.
import { resolve } from 'node:path'
import { SCRAPE_INTERVAL } from '../prometheus/scrape.ts'
import { writeFileAtomic } from './lib/state/atomic-file.ts'
import { step } from './lib/step/cli.ts'
import { type Config, loadConfig, url } from './lib/step/config.ts'
import { inspectContainer } from './lib/engine/cli.ts'
import { fail, type StepError } from './lib/step/fail.ts'
import { grafana, ok } from './lib/grafana/client.ts'
import { DASHBOARD_FILE, readDashboard } from './lib/grafana/dashboard.ts'
import { grafanaUrl, tokenAuth } from './lib/grafana/session.ts'
import { chinese, t } from './lib/output/i18n.ts'
import { type LoadReport, readLoadReport } from './lib/triton/load-report.ts'
import { log } from './lib/output/log.ts'
import { readOutcomes, type StepOutcome } from './lib/state/outcomes.ts'
import { PrometheusUnreachable, prometheusApi, type Series, type Target, TRITON_JOB } from './lib/prometheus/api.ts'
import { activeAlerts } from './lib/report/alerts.ts'
import { checkKeptFacts, keptFacts } from './lib/report/kept-facts.ts'
import type { Point, TimeChart } from './lib/report/charts.ts'
import { type ReportChart, reportHtml } from './lib/report/page.ts'
import { type PanelChart, legendName, rateIntervalSeconds, timeseriesPanels } from './lib/report/panels.ts'
import { hostFacts, serviceFacts } from './lib/report/run-facts.ts'
import { withEmbeddedFont } from './lib/report/font.ts'
import { dashboardText, legendText } from './lib/report/labels.ts'
import { label } from './lib/triton/metrics.ts'

/** vega and vega-lite (1.5 MB bundled) are loaded when the first chart is drawn, not at start. */
const chartLibrary = () => import('./lib/report/charts.ts')

const DEFAULT_OUT = 'report/index.html'
/** Samples per series at most: enough for a smooth line, small enough to keep the file light. */
const MAX_POINTS = 300
/** A run longer than this is charted over its last day only. */
const MAX_RANGE_S = 24 * 3600
/** Before the first step, so the charts show the flat line the run starts from. */
const MARGIN_S = 30

await step(
  {
    name: 'report',
    summary: t('Write the run report: one HTML file with the run, the load, charts, targets and alerts'),
    replaces: t(
      'screenshots of Grafana, of Prometheus → Status → Targets and of the load ' + 'output, pasted into one document',
    ),
    record: false,
    env: {
      PROMETHEUS_PORT: t('where Prometheus is read from (9090)'),
      STATE_DIR: t("state folder with the steps' outcomes and the last load (.state)"),
      LANG: t('zh_CN.UTF-8 writes the report in Chinese'),
    },
    flags: {
      out: {
        type: 'string',
        help: t('the HTML file to write (replaced whole, never half-written)'),
        default: DEFAULT_OUT,
      },
      minutes: {
        type: 'number',
        help: t("chart the last N minutes instead of the run's time range"),
        min: 1,
        max: 7 * 24 * 60,
        integer: true,
      },
    },
  },
  async (flags) => {
    const config = loadConfig()
    const prometheus = url(config, config.prometheus.port)
    const out = resolve(flags.out)
    try {
      const build = await prometheusApi<{ version?: string }>(prometheus, 'status/buildinfo')
      log.ok(t('Prometheus {version} answers at {prometheus}', { version: build.version ?? '', prometheus }))
      const html = await gather(config, prometheus, build.version ?? '?', out, flags.minutes)
      write(out, html)
    } catch (error) {
      if (error instanceof PrometheusUnreachable) throw await whyNoPrometheus(config, error.message)
      throw error
    }
    log.ok(t('report written: {out}', { out }))
    process.stdout.write(`${out}\n`)
  },
)

function write(out: string, html: string): void {
  try {
    writeFileAtomic(out, html, 0o644)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw fail(
      t('cannot write the report to {out} ({code})', { out, code }),
      t('pass --out with a file in a folder you can write to'),
    )
  }
}

/** Everything the page shows, read before anything is written. */
async function gather(
  config: Config,
  prometheus: string,
  version: string,
  out: string,
  minutes?: number,
): Promise<string> {
  const steps = readOutcomes()
  const load = readLoadReport()
  checkKeptFacts(out, keptFacts(steps, load))
  const loaded = load.kind === 'ok' ? load.report : undefined
  // Alerts, then targets, read together before the charts (which take seconds): an alert implies
  // the failed scrape behind it, so the targets read after it show that scrape; read apart, the
  // page could show a target up beside the alert that says it is down.
  const alerts = await activeAlerts(config, prometheus)
  const targets = (await prometheusApi<{ activeTargets: Target[] }>(prometheus, 'targets', { state: 'active' }))
    .activeTargets
  const range = chartRange(steps, loaded, minutes)
  const scrapeS = seconds(targets.find((t) => t.labels.job === TRITON_JOB)?.scrapeInterval) ?? typedScrapeSeconds()
  const stepS = Math.max(scrapeS, Math.ceil((range.to - range.from) / 1000 / MAX_POINTS))
  const dashboard = readDashboard(DASHBOARD_FILE)
  const panels = timeseriesPanels(dashboard, {
    interval: `${stepS}s`,
    rateInterval: `${rateIntervalSeconds(stepS, scrapeS)}s`,
  })
  log.info(
    t('charting {panelsLength} panels of "{title}" from {date}, every {stepS} s', {
      panelsLength: panels.length,
      title: dashboard.title,
      date: new Date(range.from).toLocaleString(),
      stepS,
    }),
  )
  const { charts, gpus, gpuPanelsLeftOut } = await drawPanels(prometheus, panels, range, stepS, loadBand(loaded))
  const services = await serviceFacts(config, version)
  const html = reportHtml({
    generated: new Date(),
    model: loaded?.model ?? config.model,
    range,
    host: await hostFacts(),
    services,
    compute: compute(services.find((s) => s.service === 'Triton')?.gpu, gpus),
    steps,
    load,
    loadChart: await histogramChart(loaded),
    charts,
    gpuNote: gpuPanelsLeftOut
      ? t('{gpuPanelsLeftOut} GPU panels are left out: Triton exports no GPU metrics ' + 'here (it runs on the CPU).', {
          gpuPanelsLeftOut,
        })
      : undefined,
    targets,
    alerts,
    grafana: await dashboardLink(config, dashboard.uid, range),
  })
  return chinese ? withEmbeddedFont(html) : html
}

/**
 * Each panel as a chart, in the dashboard's order. GPU panels only where there is a GPU: elsewhere
 * one line says so, instead of three empty charts. `gpus` counts the GPUs Triton reported.
 */
async function drawPanels(
  prometheus: string,
  panels: PanelChart[],
  range: { from: number; to: number },
  stepS: number,
  band: TimeChart['band'],
): Promise<{ charts: ReportChart[]; gpus: number; gpuPanelsLeftOut: number }> {
  const charts: ReportChart[] = []
  const gpus = new Set<string>()
  let gpuPanelsLeftOut = 0
  for (const panel of panels) {
    const { points, series } = await panelPoints(prometheus, panel, range, stepS)
    const drawn = points.filter((p) => p.v !== null).length
    if (panel.gpu) {
      for (const s of series) if (s.metric[label.gpu]) gpus.add(s.metric[label.gpu]!)
      if (drawn === 0) {
        gpuPanelsLeftOut++
        continue
      }
    }
    const svg = await (await chartLibrary()).timeChart(
      {
        title: dashboardText(panel.title),
        subtitle: drawn ? undefined : panel.noValue ? dashboardText(panel.noValue) : t('No data in this time range'),
        unit: panel.unit,
        min: panel.min,
        max: panel.max,
        stacked: panel.stacked,
        points,
        domain: [range.from, range.to],
        band,
      },
      chinese,
    )
    const nonzero = points.filter((p) => p.v !== null && p.v !== 0).length
    charts.push({ row: panel.row && dashboardText(panel.row), title: panel.title, svg, points: drawn, nonzero })
  }
  return { charts, gpus: gpus.size, gpuPanelsLeftOut }
}

/** From the first recorded step (or the load) to now, or the last `minutes`; at most a day. */
function chartRange(steps: StepOutcome[], load: LoadReport | undefined, minutes?: number) {
  const to = Date.now()
  if (minutes)
    return {
      from: to - minutes * 60_000,
      to,
      note: t('the last {minutes} minutes (--minutes)', { minutes }),
    }
  const starts = [...steps.map((s) => Date.parse(s.started)), Date.parse(load?.started ?? '')].filter(Number.isFinite)
  if (starts.length === 0)
    return {
      from: to - 15 * 60_000,
      to,
      note: t('no step has run with this state folder: the last 15 minutes'),
    }
  const first = Math.min(...starts) - MARGIN_S * 1000
  if (to - first > MAX_RANGE_S * 1000)
    return {
      from: to - MAX_RANGE_S * 1000,
      to,
      note: t('the run is longer than a day: its last 24 hours'),
    }
  return { from: first, to, note: t('from the first recorded step to now') }
}

/** `5s`, `1m30s`, `2h` (Prometheus's duration) in seconds. */
function seconds(duration: string | undefined): number | undefined {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 }
  const parts = [...(duration ?? '').matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)]
  const total = parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit!]!, 0)
  return total > 0 ? total : undefined
}

/** The scrape interval 03-prometheus configures, for a Prometheus too old to report it per target. */
const typedScrapeSeconds = () => seconds(SCRAPE_INTERVAL) ?? 15

async function panelPoints(
  prometheus: string,
  panel: PanelChart,
  range: { from: number; to: number },
  stepS: number,
): Promise<{ points: Point[]; series: Series[] }> {
  const points: Point[] = []
  const all: Series[] = []
  // The grid ends at the range's end (now, to the millisecond), as an instant query would: a grid
  // aligned to its start would end up to one step earlier and miss a load that has just finished.
  const steps = Math.floor((range.to - range.from) / 1000 / stepS)
  const times = Array.from({ length: steps + 1 }, (_, k) => range.to - (steps - k) * stepS * 1000)
  for (const query of panel.queries) {
    const { result } = await prometheusApi<{ result: Series[] }>(prometheus, 'query_range', {
      query: query.expr,
      start: (times[0]! / 1000).toFixed(3),
      end: (range.to / 1000).toFixed(3),
      step: String(stepS),
    })
    for (const series of result) {
      all.push(series)
      const name = legendName(series.metric, query.legend && legendText(query.legend))
      const byTime = new Map(series.values.map(([t, v]) => [Math.round(t * 1000), Number(v)]))
      // Every step, so a missing sample is a gap in the line, not a straight line across it.
      for (const t of times) {
        const v = byTime.get(t)
        points.push({ t, v: v !== undefined && Number.isFinite(v) ? v : null, series: name })
      }
    }
  }
  return { points, series: all }
}

function loadBand(load: LoadReport | undefined) {
  const from = Date.parse(load?.started ?? '')
  if (!Number.isFinite(from)) return undefined
  return { from, to: from + (load?.duration_s ?? 0) * 1000, label: 'make load' }
}

async function histogramChart(load: LoadReport | undefined): Promise<string | undefined> {
  const buckets = Array.isArray(load?.histogram) ? load.histogram : []
  if (buckets.length === 0) return undefined
  return (await chartLibrary()).barChart(
    {
      title: t('Latency histogram of the last make load'),
      subtitle: t('requests by latency, log-spaced buckets (client side)'),
      xTitle: t('latency up to (ms)'),
      yTitle: t('requests'),
      bars: buckets.map((b) => ({ label: `≤ ${b.le_ms}`, count: b.count })),
    },
    chinese,
  )
}

function compute(gpuRequested: boolean | undefined, gpus: number): string {
  if (gpus > 0) return t('GPU: Triton reports {gpus} GPU(s)', { gpus })
  if (gpuRequested) return t('GPU requested (--gpus), but Triton exports no GPU metrics in this range')
  return t('CPU: Triton runs without a GPU')
}

/** The dashboard over the report's range; asked of Grafana when there is a token, else built from the uid. */
async function dashboardLink(config: Config, uid: string, range: { from: number; to: number }) {
  const base = grafanaUrl(config)
  const times = `?from=${Math.floor(range.from)}&to=${Math.ceil(range.to)}`
  const guess = `${base}/d/${encodeURIComponent(uid)}${times}`
  try {
    const api = grafana(base, tokenAuth(), 10_000)
    const hits = ok(await api.GET('/search', { params: { query: { dashboardUIDs: [uid], type: 'dash-db' } } }), {
      what: t('find the dashboard'),
    })
    const hit = hits.find((h) => h.uid === uid)
    if (hit?.url) return { url: `${base}${hit.url}${times}` }
    return {
      url: guess,
      note: t('The dashboard is not in Grafana: run `make dashboard`.'),
    }
  } catch (error) {
    const cause = (error as StepError).cause_ ?? (error as Error).message
    return { url: guess, note: t('Not checked with Grafana: {cause}', { cause }) }
  }
}

/** Prometheus did not answer: say whether there is no stack, a stopped Prometheus, or a wrong port. */
async function whyNoPrometheus(config: Config, detail: string): Promise<StepError> {
  const name = config.prometheus.container
  const state = await inspectContainer(name).then(
    (info) => info?.State.Status ?? 'absent',
    () => undefined,
  )
  if (state === 'absent')
    return fail(
      t('there is no stack to report on: Prometheus (container {name}) does not exist; ' + 'no report was written', {
        name,
      }),
      t('start the stack with `make all`, then run `make report` again'),
    )
  if (state && state !== 'running')
    return fail(
      t('Prometheus (container {name}) is {state}, and every chart comes from it; no report was written', {
        name,
        state,
      }),
      t('start it with `make prometheus` (or everything with `make all`), then run `make report` again'),
    )
  return fail(
    t('Prometheus does not answer ({detail}); no report was written', { detail }),
    t(
      'start it with `make prometheus` (or everything with `make all`); if it runs, ' +
        'set PROMETHEUS_PORT to its port',
    ),
  )
}
