// `make report` on the real Docker engine with the local images (Triton, Prometheus and Grafana
// stand-ins), a short synthetic run: refused with no stack and writing nothing; after `make up`
// and before any load, a report that says so and charts without traffic; after `make all`, a file
// that Debian's Chromium opens offline with no request leaving it, no console error, at least four
// charts with a size and the run's own figures (a screenshot goes to test/artifacts/); Chinese
// with LANG=zh_CN.UTF-8, drawn in the font the page carries (this machine has no CJK font), every
// label a Chinese word, nothing wider than its card at 1200 and 800 px and every latency figure of
// the load card in view (UPDATE_SCREENSHOTS=1 writes both languages' screenshots into docs/);
// with Triton stopped, its target down and TritonTargetDown in the alerts;
// with the state folder lost, a refusal naming what is missing and the step that records it;
// and with Prometheus stopped, a refusal naming `make prometheus` that leaves the earlier report
// as it was. Names and ports are this suite's own.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { openFile, visibleText } from '../helpers/browser.ts'
import { knownDashboardWords } from '../../scripts/lib/report/labels.ts'
import { cjkCharacters } from '../../scripts/lib/report/font.ts'
import { buildImages, run, type Result, type SuiteEnv, suiteEnv } from '../helpers/docker-suite.ts'
import { repoRoot } from '../helpers/paths.ts'

const work = mkdtempSync(join(tmpdir(), 'report-step-'))
const out = join(work, 'report', 'index.html')
/** Where a screenshot goes: test/artifacts/, and docs/ (the READMEs show it) with UPDATE_SCREENSHOTS=1. */
const screenshots = (name: string) => [
  join(repoRoot, 'test/artifacts', name),
  ...(process.env.UPDATE_SCREENSHOTS ? [join(repoRoot, 'docs', name)] : []),
]
let suite: SuiteEnv | undefined
let env: Record<string, string> = {}

const make = (target: string, extra: Record<string, string> = {}, args = ''): Promise<Result> =>
  run('make', ['--no-print-directory', target, `ARGS=${args}`], { ...env, ...extra })
const report = (extra: Record<string, string> = {}) => make('report', extra, `--out ${out}`)
const state = (name: string) => readFileSync(join(env.STATE_DIR!, name), 'utf8')

// The functions below run in the page (Playwright's $$eval and evaluate): the browser's globals they use.
declare const document: {
  elementFromPoint(x: number, y: number): unknown
  fonts: { ready: Promise<unknown> } & Iterable<{ family: string; status: string }>
}
declare function getComputedStyle(element: unknown): { fontFamily: string }

/** The top of the page (header, tiles, load card) as the READMEs show it: a small PNG. */
async function screenshot(page: import('playwright-core').Page, name: string) {
  for (const path of screenshots(name)) {
    mkdirSync(dirname(path), { recursive: true })
    await page.screenshot({ path, clip: { x: 0, y: 0, width: 1200, height: 820 } })
  }
}

/** Elements wider than their card, or reaching past its edge, at the page's current width. */
function overflowing(page: import('playwright-core').Page) {
  return page.$$eval('section', (sections) =>
    sections.flatMap((section) => {
      const edge = section.getBoundingClientRect().right + 0.5
      const out = section.scrollWidth > section.clientWidth ? [`section#${section.id} scrolls sideways`] : []
      for (const element of section.querySelectorAll('*')) {
        if (element.closest('svg') && element.tagName !== 'svg') continue
        const right = element.getBoundingClientRect().right
        if (right > edge) out.push(`${element.tagName.toLowerCase()} in #${section.id} ends at ${right} > ${edge}`)
      }
      return out
    }),
  )
}

/** The load card's latency figures that a reader cannot see: outside the card or under something else. */
function hiddenLatency(page: import('playwright-core').Page) {
  return page.$$eval('#load table.facts tr', (rows) => {
    const row = rows.find((r) => r.querySelectorAll('.pair').length >= 4)
    if (!row) return ['no latency row']
    const card = row.closest('section')!.getBoundingClientRect()
    return [...row.querySelectorAll('.pair')].flatMap((pair) => {
      const box = pair.getBoundingClientRect()
      const x = box.left + box.width / 2
      const y = box.top + box.height / 2
      const top = document.elementFromPoint(x, y)
      const seen = box.width > 0 && box.right <= card.right && top !== null && pair.contains(top)
      return seen ? [] : [pair.textContent ?? '']
    })
  })
}

/** The page's labels (headings, table heads, tiles, chart titles, axes, legends) without their code. */
const LABELS = [
  'h1, h2, h3, th, .tile .label, table.facts td:first-child',
  '.role-title-text, .role-title-subtitle, .role-axis-title, .role-legend-label',
].join(', ')

function labelWords(page: import('playwright-core').Page) {
  return page.$$eval(LABELS, (elements) =>
    elements.map((element) => {
      const copy = element.cloneNode(true) as typeof element
      for (const code of copy.querySelectorAll('code')) code.remove()
      return copy.textContent ?? ''
    }),
  )
}

/** Names, commands and units a Chinese page keeps in Latin letters. */
const LATIN_NAMES = new Set([
  ...['Triton', 'Prometheus', 'Grafana', 'Alertmanager', 'Docker', 'Node', 'PromQL', 'QPS', 'GPU', 'CPU'],
  ...['ms', 'GiB', 'MiB', 'KiB', 'UTC'],
])

/** A label's English words: commands (make load), identifiers (with digits, _ - : . /) and known names left out. */
const englishIn = (text: string) =>
  text
    .replace(/\bmake [a-z-]+/g, ' ')
    .split(/[^A-Za-z0-9_\-:./]+/)
    .filter((word) => /^[A-Za-z]{2,}$/.test(word) && !LATIN_NAMES.has(word))

/** The charts as drawn: title, size on screen, samples drawn and how many of them are not zero. */
async function chartsOf(page: import('playwright-core').Page) {
  return page.$$eval('figure.chart', (figures) =>
    figures.map((figure) => {
      const svg = figure.querySelector('svg')
      const box = svg?.getBoundingClientRect()
      return {
        title: figure.getAttribute('data-title') ?? '',
        width: box?.width ?? 0,
        height: box?.height ?? 0,
        points: Number(figure.getAttribute('data-points') ?? -1),
        nonzero: Number(figure.getAttribute('data-nonzero') ?? -1),
      }
    }),
  )
}

test.before(async () => {
  const images = await buildImages()
  suite = await suiteEnv('report')
  env = { ...suite.env, ...images, STATE_DIR: join(work, 'state') }
})

test.after(() => {
  suite?.cleanup()
  rmSync(work, { recursive: true, force: true })
})

test('with no stack: refused naming make all, and no report written', async () => {
  const result = await report()
  assert.is.not(result.code, 0)
  assert.match(result.text, /no stack to report on/)
  assert.match(result.text, /make all/)
  assert.not.ok(existsSync(dirname(out)) && readdirSync(dirname(out)).length, 'nothing written')
})

test('before any load: the report says so, and the traffic charts are empty', async () => {
  const up = await make('up')
  assert.is(up.code, 0, up.text)
  const result = await report()
  assert.is(result.code, 0, result.text)
  assert.is(result.stdout.trim(), out, 'prints its path')
  const opened = await openFile(out)
  try {
    const text = await visibleText(opened.page)
    assert.match(text, /No load run yet/)
    const charts = await chartsOf(opened.page)
    assert.ok(charts.length >= 4, `${charts.length} charts`)
    for (const title of ['QPS per model', 'Mean inference latency', 'Latency percentiles (p50 / p95 / p99)']) {
      const chart = charts.find((c) => c.title === title)
      assert.ok(chart, `chart ${title} in ${JSON.stringify(charts.map((c) => c.title))}`)
      assert.is(chart!.nonzero, 0, `${title} shows no traffic`)
      assert.ok(chart!.width > 200 && chart!.height > 100, `${title} drawn with axes even when empty`)
    }
    assert.equal(opened.errors, [])
  } finally {
    await opened.close()
  }
})

test('after make all: Chromium opens it offline with four charts or more, no error, and the run in figures', async () => {
  const all = await make('all')
  assert.is(all.code, 0, all.text)
  const load = JSON.parse(state('load.json')) as { requests: number; qps: number; latency_ms: { p50: number } }
  const result = await report()
  assert.is(result.code, 0, result.text)
  const html = readFileSync(out, 'utf8')
  console.log(`  en page ${html.length} bytes`)
  assert.not.match(html, /<script|<link|<iframe|<img|@import|url\(/i, 'nothing that loads or runs')
  const opened = await openFile(out)
  try {
    const { page } = opened
    assert.equal(opened.requests, [`file://${out}`], 'no request leaves the file')
    assert.equal(opened.errors, [], 'no console errors')
    const charts = await chartsOf(page)
    const drawn = charts.filter((c) => c.width > 200 && c.height > 100 && c.points > 0)
    assert.ok(drawn.length >= 4, `charts with data and a size: ${JSON.stringify(charts)}`)
    assert.ok(charts.find((c) => c.title === 'QPS per model')!.nonzero > 0, 'the load shows in QPS')
    const text = await visibleText(page)
    assert.match(text, /mnist_mlp/)
    assert.ok(text.includes(load.requests.toLocaleString('en-US')), `requests ${load.requests}`)
    assert.ok(text.includes(load.qps.toLocaleString('en-US', { maximumFractionDigits: 2 })), `qps ${load.qps}`)
    assert.ok(text.includes(`${load.latency_ms.p50.toLocaleString('en-US', { maximumFractionDigits: 3 })} ms`))
    for (const step of ['01-network', '03-prometheus', '08-load', '09-verify']) assert.match(text, new RegExp(step))
    assert.match(text, /docker network create/, 'the manual command a step replaces')
    assert.match(text, new RegExp(`http://${env.PROMETHEUS_CONTAINER}:9090|${env.TRITON_CONTAINER}:8002`))
    assert.match(text, /No alert is firing or pending/)
    assert.match(text, /Source: Alertmanager \(http:\/\/127\.0\.0\.1:\d+\)/)
    // The services table: service, container, image and id, the version the service reports, state.
    assert.match(text, /Alertmanager\t\S+alertmanager\t\S+ \w+\t\d+\.\d+\.\d+\trunning/)
    assert.match(text, new RegExp(`127\\.0\\.0\\.1:${env.GRAFANA_PORT}/d/triton-monitoring/`))
    assert.match(text, /CPU: Triton runs without a GPU/)
    assert.not.match(html, /@font-face/, 'an English page carries no font')
    assert.equal(await hiddenLatency(page), [], 'every latency figure of the load card in view')
    assert.equal(await overflowing(page), [], 'nothing wider than its card at 1200 px')
    await screenshot(page, 'report-en.png')
    await page.setViewportSize({ width: 800, height: 900 })
    assert.equal(await overflowing(page), [], 'nothing wider than its card at 800 px')
    assert.equal(await hiddenLatency(page), [], 'every latency figure in view at 800 px')
  } finally {
    await opened.close()
  }
  for (const secret of [state('grafana-token').trim(), state('grafana-admin-password').trim()])
    assert.not.ok(html.includes(secret), 'no secret in the report')
})

test('LANG=zh_CN.UTF-8: Chinese labels in the font the page carries, nothing cut off at 1200 and 800 px', async () => {
  const cjkFonts = execFileSync('fc-list', [':lang=zh'], { encoding: 'utf8' }).trim()
  if (cjkFonts) console.log(`note: this machine has CJK fonts; the page's own font is checked by name:\n${cjkFonts}`)
  const result = await report({ LANG: 'zh_CN.UTF-8' })
  assert.is(result.code, 0, result.text)
  const html = readFileSync(out, 'utf8')
  const fonts = [...html.matchAll(/@font-face\{[^}]*\}/g)].reduce((sum, m) => sum + m[0].length, 0)
  console.log(
    `  zh page ${html.length} bytes, of which ${fonts} in @font-face rules for ${cjkCharacters(html).length} characters`,
  )
  assert.not.match(html, /<script|<link|<iframe|<img|@import/i, 'nothing that loads or runs')
  for (const m of html.matchAll(/url\(([^)]{0,30})/g))
    assert.match(m[1]!, /^data:font\/woff2;base64,/, 'only inline fonts')
  const opened = await openFile(out)
  try {
    const { page } = opened
    assert.is(await page.getAttribute('html', 'lang'), 'zh-CN')
    assert.equal(opened.requests, [`file://${out}`], 'no request leaves the file')
    assert.equal(opened.errors, [])
    const text = await visibleText(page)
    assert.match(text, /运行概况/)
    assert.match(text, /抓取目标/)
    // The embedded face is loaded, named first for the heading, and the one that draws its glyphs.
    const faces = await page.evaluate(async () => {
      await document.fonts.ready
      return [...document.fonts].map((face) => `${face.family} ${face.status}`)
    })
    assert.ok(
      faces.length > 0 &&
        faces.every((face) => face === '"Report Noto Sans SC" loaded' || face === 'Report Noto Sans SC loaded'),
      faces.join(),
    )
    const heading = 'section#run h2'
    assert.match(await page.$eval(heading, (h) => getComputedStyle(h).fontFamily), /^"Report Noto Sans SC"/)
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('DOM.enable')
    await cdp.send('CSS.enable')
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 })
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: heading })
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId })
    assert.ok(fonts.length > 0 && fonts.every((font) => font.isCustomFont), `drawn with ${JSON.stringify(fonts)}`)
    // Every label in Chinese: no dashboard title, legend word or other English word among them.
    const labels = await labelWords(page)
    const english = labels.flatMap((label) => englishIn(label).map((word) => `${word} (in "${label.trim()}")`))
    assert.equal(english, [], 'English words in labels')
    for (const word of knownDashboardWords().filter((w) => /[a-z]/.test(w)))
      assert.not.ok(
        labels.some((label) => label.includes(word)),
        `dashboard text "${word}" left in English`,
      )
    assert.equal(await hiddenLatency(page), [], 'every latency figure of the load card in view')
    assert.equal(await overflowing(page), [], 'nothing wider than its card at 1200 px')
    await screenshot(page, 'report-zh.png')
    await page.setViewportSize({ width: 800, height: 900 })
    assert.equal(await overflowing(page), [], 'nothing wider than its card at 800 px')
    assert.equal(await hiddenLatency(page), [], 'every latency figure in view at 800 px')
  } finally {
    await opened.close()
  }
})

test('with Triton stopped: its target is down and TritonTargetDown is in the alerts', async () => {
  execFileSync('docker', ['stop', '--time', '1', env.TRITON_CONTAINER!], { stdio: 'ignore' })
  // The rule's first evaluation after a failed scrape makes it pending: poll, bounded in time and runs.
  const deadline = Date.now() + 90_000
  let text = ''
  for (let run = 0; run < 30 && Date.now() < deadline && !/TritonTargetDown/.test(text); run++) {
    const result = await report()
    assert.is(result.code, 0, result.text)
    text = readFileSync(out, 'utf8')
  }
  assert.match(text, /<b>TritonTargetDown<\/b>/)
  assert.match(text, /<span class="(warn|fail)">(pending|firing)<\/span>/)
  assert.match(text, /<span class="fail">down<\/span>/, 'the triton target is down')
})

test('with the state folder lost: refused naming what is missing and the steps that bring it back, report kept', async () => {
  const before = readFileSync(out, 'utf8')
  const aside = `${env.STATE_DIR}-aside`
  renameSync(env.STATE_DIR!, aside)
  try {
    const result = await report()
    assert.is.not(result.code, 0, result.text)
    assert.match(result.text, "the steps' outcomes (`make all` records them again)")
    assert.match(result.text, 'the last load run (`make load` records it again)')
    assert.match(result.text, `${out} was left as it was`)
    assert.is(readFileSync(out, 'utf8'), before)
  } finally {
    rmSync(env.STATE_DIR!, { recursive: true, force: true })
    renameSync(aside, env.STATE_DIR!)
  }
})

test('with Prometheus stopped: refused naming make prometheus, the earlier report left as it was', async () => {
  const before = readFileSync(out, 'utf8')
  execFileSync('docker', ['stop', '--time', '1', env.PROMETHEUS_CONTAINER!], { stdio: 'ignore' })
  const result = await report()
  assert.is.not(result.code, 0)
  assert.match(result.text, /Prometheus \(container [^)]+\) is exited/)
  assert.match(result.text, /make prometheus/)
  assert.is(readFileSync(out, 'utf8'), before)
  assert.equal(readdirSync(dirname(out)), ['index.html'], 'no temporary file left')
})

test.run()
