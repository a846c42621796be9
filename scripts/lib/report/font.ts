// The Chinese report carries the glyphs it shows. A machine without a CJK font (many servers, CI,
// a fresh Linux desktop) otherwise draws every Chinese character as an empty box, and the page
// must stay one file that loads nothing. So the page gets one font face, inline as a data: URL,
// holding exactly the characters it uses: Noto Sans SC (SIL Open Font License) from the npm
// package @fontsource/noto-sans-sc, cut down with subset-font (harfbuzz's hb-subset in
// WebAssembly). The package ships the font in ~100 woff2 chunks, each with the unicode-range its
// CSS declares; every chunk that holds a character of the page is cut to those characters, so
// the page carries a few dozen kB of font, not the 1.1 MB of its simplified-Chinese file.
// The English page carries none: its text is Latin, which every system has a font for.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** The family the page's font stacks name first on a Chinese page. */
export const EMBEDDED_FAMILY = 'Report Noto Sans SC'

const FONT_LATIN = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial'
const FONT_CJK = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei"'

/**
 * CSS font stacks shared by the page and the charts (here, not beside the charts: the page needs
 * them at start, the chart library is loaded only when a chart is drawn). A Chinese page names its
 * embedded face first: it holds only the page's CJK characters, so Latin text falls through to
 * system fonts.
 */
export const fontStack = (chinese: boolean) =>
  chinese ? `"${EMBEDDED_FAMILY}", ${FONT_CJK}, ${FONT_LATIN}, sans-serif` : `${FONT_LATIN}, ${FONT_CJK}, sans-serif`

const WEIGHT = 400

/** Characters no Latin font has: CJK and its punctuation, full-width forms (U+2E80 and up). */
export function cjkCharacters(text: string): string[] {
  return [...new Set([...text].filter((char) => char.codePointAt(0)! >= 0x2e80))].sort()
}

interface Chunk {
  file: string
  ranges: [number, number][]
}

/** The package's chunks of one weight with their unicode-range, from its CSS. */
function chunks(): Chunk[] {
  const css = createRequire(import.meta.url).resolve(`@fontsource/noto-sans-sc/${WEIGHT}.css`)
  const text = readFileSync(css, 'utf8')
  return [...text.matchAll(/url\(\.\/files\/([^)]+)\.woff2\)[^;]*;\s*unicode-range:\s*([^;]+);/g)].map((m) => ({
    file: join(dirname(css), 'files', `${m[1]}.woff2`),
    ranges: m[2]!.split(',').map((range) => {
      const [from, to] = range.trim().replace(/^U\+/i, '').split('-')
      return [Number.parseInt(from!, 16), Number.parseInt(to ?? from!, 16)] as [number, number]
    }),
  }))
}

const covers = (chunk: Chunk, code: number) => chunk.ranges.some(([from, to]) => code >= from && code <= to)

/** `@font-face` rules for the CJK characters of `text`: one per chunk it needs, each cut to those characters. */
export async function embeddedFontFaces(text: string): Promise<string> {
  const wanted = cjkCharacters(text)
  if (wanted.length === 0) return ''
  const byChunk = new Map<Chunk, string[]>()
  const all = chunks()
  for (const char of wanted) {
    const chunk = all.find((c) => covers(c, char.codePointAt(0)!))
    if (chunk) byChunk.set(chunk, [...(byChunk.get(chunk) ?? []), char])
  }
  const faces: string[] = []
  // One at a time: harfbuzz runs in one WebAssembly instance, so parallel calls only queue.
  for (const [chunk, chars] of byChunk) {
    faces.push(await face(chunk.file, chars))
  }
  return faces.join('\n')
}

async function face(file: string, chars: string[]): Promise<string> {
  // Imported here, not on top: only a Chinese page pays for loading harfbuzz.
  const { default: subsetFont } = await import('subset-font')
  const woff2 = await subsetFont(readFileSync(file), chars.join(''), { targetFormat: 'woff2' })
  const range = chars.map((c) => `U+${c.codePointAt(0)!.toString(16)}`).join(',')
  return (
    `@font-face{font-family:"${EMBEDDED_FAMILY}";font-weight:${WEIGHT};font-style:normal;` +
    `src:url(data:font/woff2;base64,${woff2.toString('base64')}) format("woff2");unicode-range:${range}}`
  )
}

/** The page with a style element holding the faces for its CJK characters, before `</head>`. */
export async function withEmbeddedFont(html: string): Promise<string> {
  const faces = await embeddedFontFaces(html)
  return faces ? html.replace('</head>', `<style>\n${faces}\n</style>\n</head>`) : html
}
