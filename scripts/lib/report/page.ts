// The report as one HTML file: styles inline, charts as inline SVG, no script, no link to
// anything outside the file (the Grafana link is one a reader clicks, never one the page loads).
// Text in English or Simplified Chinese by the locale, `<html lang>` to match; a Chinese page gets
// the glyphs it uses embedded (font.ts), so it reads the same where no CJK font is installed.
// Every label is a word in the page's language, not a JSON field name, and every table fits or
// wraps inside its card down to an 800 px window.
import { chinese, t } from '../output/i18n.ts'
import type { LoadReport, SavedLoad } from '../triton/load-report.ts'
import { maskSecrets } from '../output/mask.ts'
import type { StepOutcome } from '../state/outcomes.ts'
import { type Target, targetRows } from '../prometheus/api.ts'
import type { ReportAlerts } from './alerts.ts'
import { reportStyle } from './style.ts'
import type { HostFacts, ServiceFacts } from './run-facts.ts'
import { KEPT_META, keptFacts } from './kept-facts.ts'

export interface ReportChart {
  row?: string
  title: string
  svg: string
  /** Samples drawn; 0 for an empty chart. */
  points: number
  /** Samples other than 0: none when nothing happened (no traffic). */
  nonzero: number
}

export interface ReportData {
  generated: Date
  model: string
  range: { from: number; to: number; note: string }
  host: HostFacts
  services: ServiceFacts[]
  compute: string
  steps: StepOutcome[]
  load: SavedLoad
  loadChart?: string
  charts: ReportChart[]
  /** Said in place of the GPU charts on a host without one. */
  gpuNote?: string
  targets: Target[]
  alerts: ReportAlerts
  grafana: { url: string; note?: string }
}

const escapeHtml = (text: unknown) =>
  String(text ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )

/** Text with `code` spans, as the step messages write commands: escaped, the spans as <code>. */
const inline = (text: unknown) => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>')

/** A highlighted remark: what is missing and what to run. */
const note = (text: string, className = 'note') => `<p class="${className}">${inline(text)}</p>`

// Made on first use: building a DateTimeFormat loads ICU's locale data, 25 ms of every start
// of `make report` (even `--help`) at module load.
let dateTime: Intl.DateTimeFormat | undefined
function when(time: number | string | Date): string {
  dateTime ??= new Intl.DateTimeFormat(chinese ? 'zh-CN' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium' })
  return dateTime.format(new Date(time))
}
const number = (value: number, digits = 2) =>
  value.toLocaleString(chinese ? 'zh-CN' : 'en-US', { maximumFractionDigits: digits })

function table(head: string[], rows: string[][], className = ''): string {
  const th = head.map((h) => `<th>${h}</th>`).join('')
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')
  return `<table class="${className}"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`
}

const section = (id: string, title: string, body: string) =>
  `<section id="${id}"><h2>${title}</h2>\n${body}\n</section>`

const tile = (label: string, value: string, tone = '') =>
  `<div class="tile ${tone}"><div class="value">${value}</div><div class="label">${label}</div></div>`

function tiles(data: ReportData): string {
  const up = data.targets.filter((t) => t.health === 'up').length
  const firing = data.alerts.list.filter((a) => a.firing).length
  const list = [
    tile(t('model'), escapeHtml(data.model)),
    tile(t('targets up'), `${up}/${data.targets.length}`, up === data.targets.length ? 'good' : 'bad'),
    tile(t('alerts firing'), String(firing), firing ? 'bad' : 'good'),
  ]
  if (data.load.kind === 'ok') {
    const load = data.load.report
    if (typeof load.requests === 'number') list.push(tile(t('requests'), number(load.requests, 0)))
    if (typeof load.qps === 'number') list.push(tile(t('QPS (client)'), number(load.qps)))
    const p = load.latency_ms
    if (typeof p?.p50 === 'number') list.push(tile(t('p50 latency'), `${number(p.p50, 3)} ms`))
    if (typeof p?.p99 === 'number') list.push(tile(t('p99 latency'), `${number(p.p99, 3)} ms`))
    if (typeof load.errors === 'number')
      list.push(tile(t('errors'), number(load.errors, 0), load.errors ? 'bad' : 'good'))
    if (typeof load.accuracy === 'number') list.push(tile(t('accuracy'), `${number(load.accuracy * 100)}%`))
  }
  return `<div class="tiles">${list.join('')}</div>`
}

function runSection(data: ReportData): string {
  const h = data.host
  const facts = table(
    [t('what'), t('value')],
    [
      [t('Charts cover'), `${escapeHtml(when(data.range.from))} – ${escapeHtml(when(data.range.to))}`],
      ['', escapeHtml(data.range.note)],
      [t('Host'), escapeHtml(h.hostname)],
      [t('System'), escapeHtml(h.os)],
      ['CPU', escapeHtml(h.cpu)],
      [t('Memory'), escapeHtml(h.memory)],
      [t('Software'), `${escapeHtml(h.docker)}, ${escapeHtml(h.node)}`],
      [t('Time zone'), escapeHtml(h.timezone)],
      [t('Inference on'), escapeHtml(data.compute)],
    ],
    'facts',
  )
  const services = table(
    [t('service'), t('container'), t('image'), t('version'), t('state')],
    data.services.map((s) => [
      escapeHtml(s.service),
      `<code>${escapeHtml(s.container)}</code>`,
      s.image ? `<code>${escapeHtml(s.image)}</code> <span class="dim">${escapeHtml(s.imageId)}</span>` : '—',
      escapeHtml(s.version ?? '—'),
      `<span class="${s.state === 'running' ? 'ok' : 'fail'}">${escapeHtml(containerState(s.state))}</span>`,
    ]),
  )
  const steps = data.steps.length
    ? table(
        [t('step'), t('result'), t('finished'), t('replaces')],
        data.steps.map((s) => [
          `<b>${escapeHtml(s.step)}</b><div class="dim">${escapeHtml(s.summary)}</div>`,
          stepResult(s),
          s.finished ? `${escapeHtml(when(s.finished))}<div class="dim">${took(s)}</div>` : '—',
          s.replaces ? `<code class="cmd">${escapeHtml(s.replaces)}</code>` : '—',
        ]),
        'steps',
      )
    : note(t('No step has recorded an outcome in this state folder yet: run `make all`.'))
  return section(
    'run',
    t('The run'),
    `${facts}\n<h3>${t('Services')}</h3>\n${services}\n<h3>${t('Steps')}</h3>\n${steps}`,
  )
}

/** Docker's container states, in the page's language; a state Docker adds later is shown as it is. */
function containerState(state: string): string {
  const states: Record<string, string> = {
    created: t('created'),
    running: t('running'),
    paused: t('paused'),
    restarting: t('restarting'),
    removing: t('removing'),
    exited: t('exited'),
    dead: t('dead'),
  }
  return states[state] ?? state
}

const took = (s: StepOutcome) => `${number((Date.parse(s.finished ?? '') - Date.parse(s.started)) / 1000, 1)} s`

function stepResult(s: StepOutcome): string {
  if (s.status === 'ok') return `<span class="ok">✔ ${t('done')}</span>`
  if (s.status === 'running') return `<span class="fail">… ${t('did not finish (running or interrupted)')}</span>`
  const fix = s.fix ? `<div class="dim">→ ${inline(s.fix)}</div>` : ''
  return `<span class="fail">✖ ${t('failed')} (exit ${s.exitCode ?? '?'})</span><div>${inline(s.cause)}</div>${fix}`
}

/** The fields of a load report this page names itself; any other is listed as it is. */
const KNOWN_LOAD_FIELDS = new Set([
  'model',
  'started',
  'requests',
  'ok',
  'errors',
  'error_kinds',
  'unfinished',
  'dropped',
  'qps',
  'duration_s',
  'latency_ms',
  'accuracy',
  'histogram',
  'replicas',
])

/** Latency figures as `min 1.2 · p50 3.4 …` in ms, each a pair that wraps as a whole. */
function latencyPairs(latency: Record<string, unknown>): string {
  const names: Record<string, string> = { min: t('min'), max: t('max') }
  return Object.entries(latency)
    .map(
      ([k, v]) => `<span class="pair"><span class="dim">${escapeHtml(names[k] ?? k)}</span> ${escapeHtml(v)} ms</span>`,
    )
    .join(' ')
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const count = (value: unknown) => (typeof value === 'number' ? number(value, 0) : '—')

/** A row per replica of the last load, its address under its name so the table stays narrow. */
function replicasTable(replicas: unknown): string {
  if (!Array.isArray(replicas) || replicas.length < 2) return ''
  const rows = replicas.filter(isRecord).map((r) => {
    const latency = isRecord(r.latency_ms) ? r.latency_ms : {}
    const kinds =
      isRecord(r.error_kinds) && Object.keys(r.error_kinds).length
        ? `<div class="dim">${anyValue(r.error_kinds)}</div>`
        : ''
    return [
      `<b>${escapeHtml(r.name)}</b><div class="dim">${escapeHtml(r.url)}</div>`,
      count(r.requests),
      count(r.ok),
      `${count(r.errors)}${kinds}`,
      typeof r.qps === 'number' ? number(r.qps) : '—',
      escapeHtml(latency.p50 ?? '—'),
      escapeHtml(latency.p99 ?? '—'),
      typeof r.accuracy === 'number' ? `${number(r.accuracy * 100)}%` : '—',
    ]
  })
  const head = [
    t('replica'),
    t('requests'),
    t('succeeded'),
    t('errors'),
    t('throughput (infer/s)'),
    t('p50 (ms)'),
    t('p99 (ms)'),
    t('accuracy'),
  ]
  return `<h3>${t('Replicas')}</h3>\n${table(head, rows, 'replicas')}`
}

/** Any JSON value, readably: a scalar as text, a flat object as `key value` pairs, a list of objects as a table. */
function anyValue(value: unknown): string {
  if (value === null || typeof value !== 'object') return escapeHtml(value)
  if (Array.isArray(value)) {
    if (value.every((v) => v && typeof v === 'object' && !Array.isArray(v))) {
      const keys = [...new Set(value.flatMap((v) => Object.keys(v as object)))]
      return table(
        keys.map(escapeHtml),
        value.map((v) => keys.map((k) => anyValue((v as Record<string, unknown>)[k]))),
      )
    }
    return value.map(anyValue).join(', ')
  }
  return Object.entries(value)
    .map(([k, v]) => `<span class="pair"><span class="dim">${escapeHtml(k)}</span> ${anyValue(v)}</span>`)
    .join(' ')
}

function loadSection(data: ReportData): string {
  const title = inline(t('Load (last `make load`)'))
  if (data.load.kind === 'none')
    return section(
      'load',
      title,
      note(
        t(
          'No load run yet: `make load` has not run with this state folder, so there are ' +
            'no load figures and the charts below have no traffic. Run `make load`, then ' +
            '`make report` again.',
        ),
        'note empty-load',
      ),
    )
  if (data.load.kind === 'unreadable')
    return section(
      'load',
      title,
      note(t('The saved load report cannot be read ({reason}). Run `make load` again.', { reason: data.load.reason })),
    )
  const load: LoadReport = data.load.report
  const rows: string[][] = []
  const add = (label: string, value: string | undefined) => value !== undefined && rows.push([label, value])
  add(t('Model'), load.model === undefined ? undefined : escapeHtml(load.model))
  add(t('Started'), load.started ? escapeHtml(when(load.started)) : undefined)
  const seconds = typeof load.duration_s === 'number' ? number(load.duration_s, 3) : undefined
  add(
    t('Requests'),
    typeof load.requests === 'number'
      ? `${number(load.requests, 0)}${seconds === undefined ? '' : t(' in {seconds} s', { seconds })}`
      : undefined,
  )
  add(t('Succeeded'), typeof load.ok === 'number' ? number(load.ok, 0) : undefined)
  add(t('Errors'), typeof load.errors === 'number' ? number(load.errors, 0) : undefined)
  if (load.error_kinds && Object.keys(load.error_kinds).length) add(t('Errors by kind'), anyValue(load.error_kinds))
  if (typeof load.unfinished === 'number' && load.unfinished > 0)
    add(t('Cut at the deadline'), number(load.unfinished, 0))
  if (typeof load.dropped === 'number' && load.dropped > 0) add(t('Dropped (due, never sent)'), number(load.dropped, 0))
  add(t('Throughput'), typeof load.qps === 'number' ? t('{number} infer/s', { number: number(load.qps) }) : undefined)
  if (isRecord(load.latency_ms)) add(t('Latency'), latencyPairs(load.latency_ms))
  if (typeof load.accuracy === 'number')
    add(t('Accuracy'), `${number(load.accuracy * 100)}%${t(' of held-out digits')}`)
  for (const [key, value] of Object.entries(load))
    if (!KNOWN_LOAD_FIELDS.has(key)) add(escapeHtml(key), anyValue(value))
  const chart = data.loadChart ? `<figure class="chart">${data.loadChart}</figure>` : ''
  return section(
    'load',
    title,
    `<div class="split">${table([t('figure'), t('value')], rows, 'facts')}${chart}</div>` +
      replicasTable(load.replicas),
  )
}

function chartsSection(data: ReportData): string {
  let row: string | undefined
  const parts: string[] = []
  for (const chart of data.charts) {
    if (chart.row !== row) {
      if (parts.length) parts.push('</div>')
      row = chart.row
      parts.push(`<h3>${escapeHtml(row ?? '')}</h3><div class="grid">`)
    }
    // data-*: what the browser test reads (which chart, how many samples, any traffic at all).
    const attributes = `data-title="${escapeHtml(chart.title)}" data-points="${chart.points}" data-nonzero="${chart.nonzero}"`
    parts.push(`<figure class="chart" ${attributes}>${chart.svg}</figure>`)
  }
  if (parts.length) parts.push('</div>')
  if (data.gpuNote) parts.push(note(data.gpuNote))
  return section(
    'charts',
    t('Dashboard panels over the run'),
    `<p class="dim">${inline(
      t(
        "Each chart is a panel of the Grafana dashboard, with the panel's own PromQL, " +
          "read from Prometheus over the run's time range. The shaded band is the last " +
          '`make load`.',
      ),
    )}</p>\n${parts.join('\n')}`,
  )
}

function targetsSection(data: ReportData): string {
  const [head, ...rows] = targetRows(data.targets)
  const health = 3
  const healthText: Record<string, string> = {
    up: t('up'),
    down: t('down'),
    unknown: t('unknown'),
  }
  const body = rows.length
    ? table(
        head!,
        rows.map((r) =>
          r.map((cell, i) =>
            i === health
              ? `<span class="${cell === 'up' ? 'ok' : 'fail'}">${escapeHtml(healthText[cell] ?? cell)}</span>`
              : escapeHtml(cell),
          ),
        ),
        'targets',
      )
    : note(t('Prometheus has no active target.'))
  return section('targets', t('Scrape targets'), body)
}

function alertsSection(data: ReportData): string {
  const { list, source, note } = data.alerts
  const body = list.length
    ? table(
        [t('alert'), t('state'), t('since'), t('labels'), t('summary')],
        list.map((a) => [
          `<b>${escapeHtml(a.name)}</b>`,
          `<span class="${a.firing ? 'fail' : 'warn'}">${escapeHtml(a.state)}</span>`,
          a.since ? escapeHtml(when(a.since)) : '—',
          anyValue(a.labels),
          escapeHtml(a.summary),
        ]),
      )
    : `<p class="ok">✔ ${t('No alert is firing or pending.')}</p>`
  const from = `<p class="dim">${t('Source: ')}${escapeHtml(source)}${note ? ` — ${inline(note)}` : ''}</p>`
  return section('alerts', t('Alerts'), `${body}\n${from}`)
}

function grafanaSection(data: ReportData): string {
  const link = `<a href="${escapeHtml(data.grafana.url)}">${escapeHtml(data.grafana.url)}</a>`
  const note = data.grafana.note ? `<p class="dim">${inline(data.grafana.note)}</p>` : ''
  return section(
    'grafana',
    t('Dashboard in Grafana'),
    `<p>${t('The dashboard over the same time range:')} ${link}</p>${note}`,
  )
}

/** The whole page. Anything a secret could hide in has been masked; the page is masked once more as a whole. */
export function reportHtml(data: ReportData): string {
  const title = t('Triton run report — {model}', { model: data.model })
  const written = t('Written {when} by `make report`', { when: when(data.generated) })
  const html = `<!doctype html>
<html lang="${chinese ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="triton-monitoring make report">
<meta name="${KEPT_META}" content="${keptFacts(data.steps, data.load).join(' ')}">
<title>${escapeHtml(title)}</title>
<style>${reportStyle(chinese)}</style>
</head>
<body>
<main>
<header>
<h1>${escapeHtml(title)}</h1>
<div class="dim">${inline(written)}</div>
${tiles(data)}
</header>
${loadSection(data)}
${chartsSection(data)}
${targetsSection(data)}
${alertsSection(data)}
${grafanaSection(data)}
${runSection(data)}
<footer>triton-monitoring · ${t('one self-contained file: it opens offline')}</footer>
</main>
</body>
</html>
`
  return maskSecrets(html)
}
