// The docs in both languages: every English page (README.md, docs/*.md) has a Chinese twin
// (README.zh-CN.md, docs/zh-CN/*.md) with the same sections, heading level for heading level, so a
// section added on one side and forgotten on the other fails here. And every relative link in any
// of them (images and #anchors included) points at a file that exists and a heading it has, with
// anchors made the way GitHub makes them.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { repoRoot } from '../helpers/paths.ts'

const docsDir = join(repoRoot, 'docs')
const zhDir = join(docsDir, 'zh-CN')
const mdIn = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(dir, name))
const pages = [...mdIn(repoRoot).filter((file) => /\/README[^/]*\.md$/.test(file)), ...mdIn(docsDir), ...mdIn(zhDir)]

/** The text outside fenced code blocks: a `#` or a link inside one is code, not structure. */
function prose(file: string): string {
  let fence: string | undefined
  const kept: string[] = []
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const mark = /^\s*(```|~~~)/.exec(line)?.[1]
    if (mark && (fence === undefined || mark === fence)) fence = fence === undefined ? mark : undefined
    else if (fence === undefined) kept.push(line)
  }
  return kept.join('\n')
}

function headings(markdown: string): { level: number; text: string }[] {
  return [...markdown.matchAll(/^(#{1,6})\s+(.+?)\s*#*\s*$/gm)].map((m) => ({ level: m[1]!.length, text: m[2]! }))
}

/** GitHub's anchor for a heading: lower case, markup and punctuation gone, spaces as dashes. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*_]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-')
}

/** Every anchor a page offers; a repeated heading gets -1, -2, … as on GitHub. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const { text } of headings(prose(file))) {
    const base = slug(text)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    out.add(count === 0 ? base : `${base}-${count}`)
  }
  return out
}

function twinOf(file: string): string {
  const rel = relative(repoRoot, file)
  if (rel === 'README.md') return join(repoRoot, 'README.zh-CN.md')
  if (rel === 'README.zh-CN.md') return join(repoRoot, 'README.md')
  if (dirname(file) === zhDir) return join(docsDir, rel.slice('docs/zh-CN/'.length))
  return join(zhDir, rel.slice('docs/'.length))
}

test('the docs are there: a README and topic pages in each language', () => {
  assert.ok(pages.includes(join(repoRoot, 'README.zh-CN.md')))
  assert.ok(mdIn(docsDir).length >= 7, 'topic pages under docs/')
})

test('every page has its twin in the other language, with the same section structure', () => {
  const problems: string[] = []
  for (const file of pages) {
    const twin = twinOf(file)
    if (!existsSync(twin)) {
      problems.push(`${relative(repoRoot, file)}: no ${relative(repoRoot, twin)}`)
      continue
    }
    const mine = headings(prose(file)).map((h) => h.level)
    const theirs = headings(prose(twin)).map((h) => h.level)
    if (mine.join() !== theirs.join()) {
      problems.push(
        `${relative(repoRoot, file)} has heading levels ${mine.join('')}, ${relative(repoRoot, twin)} ${theirs.join('')}`,
      )
    }
  }
  assert.equal(problems, [])
})

test('every relative link, image and anchor points at something that exists', () => {
  const broken: string[] = []
  let checked = 0
  for (const file of pages) {
    for (const m of prose(file).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1]!
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue
      checked++
      const [path, anchor] = target.split('#')
      const resolved = path ? resolve(dirname(file), decodeURIComponent(path)) : file
      if (!existsSync(resolved)) {
        broken.push(`${relative(repoRoot, file)}: ${target} (no such file)`)
        continue
      }
      if (
        anchor !== undefined &&
        !(statSync(resolved).isFile() && resolved.endsWith('.md') && anchors(resolved).has(anchor))
      ) {
        broken.push(`${relative(repoRoot, file)}: ${target} (no such heading)`)
      }
    }
  }
  assert.ok(checked > 40, `only ${checked} links found: the link pattern no longer matches`)
  assert.equal(broken, [])
})

test('slug: GitHub drops punctuation (full-width too) and keeps letters of any script', () => {
  assert.is(slug('Before the first run: `make doctor`'), 'before-the-first-run-make-doctor')
  assert.is(slug('第一次运行之前：`make doctor`'), '第一次运行之前make-doctor')
  assert.is(slug("Grafana's password and the state folder"), 'grafanas-password-and-the-state-folder')
  assert.is(slug('镜像仓库慢或无法访问（课堂镜像站）'), '镜像仓库慢或无法访问课堂镜像站')
})

test.run()
