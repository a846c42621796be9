// The report as one HTML file: styles inline, charts as inline SVG, no script, no link to
// anything outside the file (the Grafana link is one a reader clicks, never one the page loads).
// Text in English or Simplified Chinese by the locale, `<html lang>` to match; a Chinese page gets
// the glyphs it uses embedded (font.ts), so it reads the same where no CJK font is installed.
// Every label is a word in the page's language, not a JSON field name, and every table fits or
// wraps inside its card down to an 800 px window.
import { chinese, tr } from '../output/i18n.ts'
import type { LoadReport, SavedLoad } from '../triton/load-report.ts'
import { maskSecrets } from '../output/mask.ts'
import type { StepOutcome } from '../state/outcomes.ts'
import { type Target, targetRows } from '../prometheus/api.ts'
import type { ReportAlerts } from './alerts.ts'
import { fontStack } from './font.ts'
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

const dateTime = new Intl.DateTimeFormat(chinese ? 'zh-CN' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium' })
const when = (time: number | string | Date) => dateTime.format(new Date(time))
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
    tile(tr('model', '模型'), escapeHtml(data.model)),
    tile(tr('targets up', '抓取目标正常'), `${up}/${data.targets.length}`, up === data.targets.length ? 'good' : 'bad'),
    tile(tr('alerts firing', '正在触发的告警'), String(firing), firing ? 'bad' : 'good'),
  ]
  if (data.load.kind === 'ok') {
    const load = data.load.report
    if (typeof load.requests === 'number') list.push(tile(tr('requests', '请求数'), number(load.requests, 0)))
    if (typeof load.qps === 'number') list.push(tile(tr('QPS (client)', 'QPS（客户端）'), number(load.qps)))
    const p = load.latency_ms
    if (typeof p?.p50 === 'number') list.push(tile(tr('p50 latency', 'p50 延迟'), `${number(p.p50, 3)} ms`))
    if (typeof p?.p99 === 'number') list.push(tile(tr('p99 latency', 'p99 延迟'), `${number(p.p99, 3)} ms`))
    if (typeof load.errors === 'number')
      list.push(tile(tr('errors', '错误'), number(load.errors, 0), load.errors ? 'bad' : 'good'))
    if (typeof load.accuracy === 'number') list.push(tile(tr('accuracy', '准确率'), `${number(load.accuracy * 100)}%`))
  }
  return `<div class="tiles">${list.join('')}</div>`
}

function runSection(data: ReportData): string {
  const h = data.host
  const facts = table(
    [tr('what', '项目'), tr('value', '值')],
    [
      [tr('Charts cover', '图表时间范围'), `${escapeHtml(when(data.range.from))} – ${escapeHtml(when(data.range.to))}`],
      ['', escapeHtml(data.range.note)],
      [tr('Host', '主机'), escapeHtml(h.hostname)],
      [tr('System', '系统'), escapeHtml(h.os)],
      ['CPU', escapeHtml(h.cpu)],
      [tr('Memory', '内存'), escapeHtml(h.memory)],
      [tr('Software', '软件'), `${escapeHtml(h.docker)}, ${escapeHtml(h.node)}`],
      [tr('Time zone', '时区'), escapeHtml(h.timezone)],
      [tr('Inference on', '推理设备'), escapeHtml(data.compute)],
    ],
    'facts',
  )
  const services = table(
    [tr('service', '服务'), tr('container', '容器'), tr('image', '镜像'), tr('version', '版本'), tr('state', '状态')],
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
        [tr('step', '步骤'), tr('result', '结果'), tr('finished', '完成时间'), tr('replaces', '替代的手动命令')],
        data.steps.map((s) => [
          `<b>${escapeHtml(s.step)}</b><div class="dim">${escapeHtml(s.summary)}</div>`,
          stepResult(s),
          s.finished ? `${escapeHtml(when(s.finished))}<div class="dim">${took(s)}</div>` : '—',
          s.replaces ? `<code class="cmd">${escapeHtml(s.replaces)}</code>` : '—',
        ]),
        'steps',
      )
    : note(
        tr(
          'No step has recorded an outcome in this state folder yet: run `make all`.',
          '此状态目录中还没有任何步骤记录结果：请运行 `make all`。',
        ),
      )
  return section(
    'run',
    tr('The run', '运行概况'),
    `${facts}\n<h3>${tr('Services', '服务')}</h3>\n${services}\n<h3>${tr('Steps', '步骤')}</h3>\n${steps}`,
  )
}

/** Docker's container states, in the page's language; a state Docker adds later is shown as it is. */
function containerState(state: string): string {
  const states: Record<string, string> = {
    created: tr('created', '已创建'),
    running: tr('running', '运行中'),
    paused: tr('paused', '已暂停'),
    restarting: tr('restarting', '重启中'),
    removing: tr('removing', '删除中'),
    exited: tr('exited', '已退出'),
    dead: tr('dead', '已失效'),
  }
  return states[state] ?? state
}

const took = (s: StepOutcome) => `${number((Date.parse(s.finished ?? '') - Date.parse(s.started)) / 1000, 1)} s`

function stepResult(s: StepOutcome): string {
  if (s.status === 'ok') return `<span class="ok">✔ ${tr('done', '成功')}</span>`
  if (s.status === 'running')
    return `<span class="fail">… ${tr('did not finish (running or interrupted)', '未完成（仍在运行或被中断）')}</span>`
  const fix = s.fix ? `<div class="dim">→ ${inline(s.fix)}</div>` : ''
  return `<span class="fail">✖ ${tr('failed', '失败')} (exit ${s.exitCode ?? '?'})</span><div>${inline(s.cause)}</div>${fix}`
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
  const names: Record<string, string> = { min: tr('min', '最小'), max: tr('max', '最大') }
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
    tr('replica', '副本'),
    tr('requests', '请求数'),
    tr('succeeded', '成功'),
    tr('errors', '错误'),
    tr('throughput (infer/s)', '吞吐量（次/秒）'),
    tr('p50 (ms)', 'p50（毫秒）'),
    tr('p99 (ms)', 'p99（毫秒）'),
    tr('accuracy', '准确率'),
  ]
  return `<h3>${tr('Replicas', '副本')}</h3>\n${table(head, rows, 'replicas')}`
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
  const title = inline(tr('Load (last `make load`)', '负载（最近一次 `make load`）'))
  if (data.load.kind === 'none')
    return section(
      'load',
      title,
      note(
        tr(
          'No load run yet: `make load` has not run with this state folder, so there are no load figures ' +
            'and the charts below have no traffic. Run `make load`, then `make report` again.',
          '尚未运行负载：此状态目录下还没有运行过 `make load`，因此没有负载数据，下面的图表也没有流量。' +
            '请运行 `make load` 后再运行 `make report`。',
        ),
        'note empty-load',
      ),
    )
  if (data.load.kind === 'unreadable')
    return section(
      'load',
      title,
      note(
        tr(
          `The saved load report cannot be read (${data.load.reason}). Run \`make load\` again.`,
          `无法读取保存的负载报告（${data.load.reason}）。请重新运行 \`make load\`。`,
        ),
      ),
    )
  const load: LoadReport = data.load.report
  const rows: string[][] = []
  const add = (label: string, value: string | undefined) => value !== undefined && rows.push([label, value])
  add(tr('Model', '模型'), load.model === undefined ? undefined : escapeHtml(load.model))
  add(tr('Started', '开始时间'), load.started ? escapeHtml(when(load.started)) : undefined)
  const seconds = typeof load.duration_s === 'number' ? number(load.duration_s, 3) : undefined
  add(
    tr('Requests', '请求数'),
    typeof load.requests === 'number'
      ? `${number(load.requests, 0)}${seconds === undefined ? '' : tr(` in ${seconds} s`, `，用时 ${seconds} 秒`)}`
      : undefined,
  )
  add(tr('Succeeded', '成功'), typeof load.ok === 'number' ? number(load.ok, 0) : undefined)
  add(tr('Errors', '错误'), typeof load.errors === 'number' ? number(load.errors, 0) : undefined)
  if (load.error_kinds && Object.keys(load.error_kinds).length)
    add(tr('Errors by kind', '错误分类'), anyValue(load.error_kinds))
  if (typeof load.unfinished === 'number' && load.unfinished > 0)
    add(tr('Cut at the deadline', '在截止时被中断'), number(load.unfinished, 0))
  if (typeof load.dropped === 'number' && load.dropped > 0)
    add(tr('Dropped (due, never sent)', '丢弃（到期未发出）'), number(load.dropped, 0))
  add(
    tr('Throughput', '吞吐量'),
    typeof load.qps === 'number' ? tr(`${number(load.qps)} infer/s`, `${number(load.qps)} 次/秒`) : undefined,
  )
  if (isRecord(load.latency_ms)) add(tr('Latency', '延迟'), latencyPairs(load.latency_ms))
  if (typeof load.accuracy === 'number')
    add(tr('Accuracy', '准确率'), `${number(load.accuracy * 100)}%${tr(' of held-out digits', '（留出数字）')}`)
  for (const [key, value] of Object.entries(load))
    if (!KNOWN_LOAD_FIELDS.has(key)) add(escapeHtml(key), anyValue(value))
  const chart = data.loadChart ? `<figure class="chart">${data.loadChart}</figure>` : ''
  return section(
    'load',
    title,
    `<div class="split">${table([tr('figure', '指标'), tr('value', '值')], rows, 'facts')}${chart}</div>` +
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
    tr('Dashboard panels over the run', '运行期间的仪表盘面板'),
    `<p class="dim">${inline(
      tr(
        "Each chart is a panel of the Grafana dashboard, with the panel's own PromQL, read from Prometheus " +
          "over the run's time range. The shaded band is the last `make load`.",
        '每个图表都是 Grafana 仪表盘中的一个面板，使用面板自身的 PromQL，在本次运行的时间范围内从 Prometheus 读取。' +
          '阴影区域是最近一次 `make load`。',
      ),
    )}</p>\n${parts.join('\n')}`,
  )
}

function targetsSection(data: ReportData): string {
  const [head, ...rows] = targetRows(data.targets)
  const health = 3
  const healthText: Record<string, string> = {
    up: tr('up', '正常'),
    down: tr('down', '异常'),
    unknown: tr('unknown', '未知'),
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
    : note(tr('Prometheus has no active target.', 'Prometheus 没有活动的抓取目标。'))
  return section('targets', tr('Scrape targets', '抓取目标'), body)
}

function alertsSection(data: ReportData): string {
  const { list, source, note } = data.alerts
  const body = list.length
    ? table(
        [tr('alert', '告警'), tr('state', '状态'), tr('since', '开始于'), tr('labels', '标签'), tr('summary', '摘要')],
        list.map((a) => [
          `<b>${escapeHtml(a.name)}</b>`,
          `<span class="${a.firing ? 'fail' : 'warn'}">${escapeHtml(a.state)}</span>`,
          a.since ? escapeHtml(when(a.since)) : '—',
          anyValue(a.labels),
          escapeHtml(a.summary),
        ]),
      )
    : `<p class="ok">✔ ${tr('No alert is firing or pending.', '没有正在触发或待触发的告警。')}</p>`
  const from = `<p class="dim">${tr('Source: ', '来源：')}${escapeHtml(source)}${note ? ` — ${inline(note)}` : ''}</p>`
  return section('alerts', tr('Alerts', '告警'), `${body}\n${from}`)
}

function grafanaSection(data: ReportData): string {
  const link = `<a href="${escapeHtml(data.grafana.url)}">${escapeHtml(data.grafana.url)}</a>`
  const note = data.grafana.note ? `<p class="dim">${inline(data.grafana.note)}</p>` : ''
  return section(
    'grafana',
    tr('Dashboard in Grafana', 'Grafana 中的仪表盘'),
    `<p>${tr('The dashboard over the same time range:', '相同时间范围内的仪表盘：')} ${link}</p>${note}`,
  )
}

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f8fa; color: #24292f; font: 14px/1.5 ${fontStack(chinese)}; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
h2 { font-size: 18px; margin: 0 0 12px; border-bottom: 1px solid #d0d7de; padding-bottom: 6px; }
h3 { font-size: 15px; margin: 18px 0 8px; }
section { background: white; border: 1px solid #d0d7de; border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
table { border-collapse: collapse; width: 100%; margin: 4px 0; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid #eaeef2; overflow-wrap: anywhere; }
th { font-weight: 600; color: #57606a; font-size: 12px; text-transform: uppercase; }
table.facts td:first-child { color: #57606a; white-space: nowrap; width: 1%; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 12px; }
code.cmd { display: block; white-space: pre-wrap; word-break: break-all; color: #57606a; }
.dim { color: #57606a; font-size: 12px; }
.ok { color: #1a7f37; } .fail { color: #cf222e; } .warn { color: #9a6700; }
.note { background: #fff8c5; border: 1px solid #d4a72c66; border-radius: 6px; padding: 8px 12px; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 16px 0; }
.tile { background: white; border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 14px; flex: 1 0 auto; }
.tile .value { font-size: 20px; font-weight: 600; white-space: nowrap; }
.tile .label { color: #57606a; font-size: 12px; }
.tile.good .value { color: #1a7f37; } .tile.bad .value { color: #cf222e; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 12px; }
.split { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.2fr); gap: 16px; align-items: start; }
.split > *, .grid > * { min-width: 0; }
table.replicas td:not(:first-child) { white-space: nowrap; text-align: right; }
table.replicas th:not(:first-child) { text-align: right; }
figure.chart { margin: 0; border: 1px solid #eaeef2; border-radius: 6px; padding: 6px; background: white; }
figure.chart svg { display: block; width: 100%; height: auto; }
.pair { display: inline-block; margin-right: 10px; }
footer { color: #57606a; font-size: 12px; text-align: center; margin: 24px 0; }
@media (max-width: 1000px) { .grid, .split { grid-template-columns: 1fr; } }
@media print { body { background: white; } section { break-inside: avoid; border: none; } }
`

/** The whole page. Anything a secret could hide in has been masked; the page is masked once more as a whole. */
export function reportHtml(data: ReportData): string {
  const title = tr(`Triton run report — ${data.model}`, `Triton 运行报告 — ${data.model}`)
  const written = tr(
    `Written ${when(data.generated)} by \`make report\``,
    `由 \`make report\` 生成于 ${when(data.generated)}`,
  )
  const html = `<!doctype html>
<html lang="${chinese ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="triton-monitoring make report">
<meta name="${KEPT_META}" content="${keptFacts(data.steps, data.load).join(' ')}">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
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
<footer>triton-monitoring · ${tr('one self-contained file: it opens offline', '单个独立文件：可离线打开')}</footer>
</main>
</body>
</html>
`
  return maskSecrets(html)
}
