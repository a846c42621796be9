// Plain-text tables for the terminal: columns padded to their widest cell, two spaces apart, each
// line indented like the steps' other output. Chinese characters take two columns in a terminal,
// so widths count them twice and the Chinese headers line up too.

/** Columns a string takes in a terminal: CJK ideographs, kana, hangul and full-width forms count 2. */
export function displayWidth(text: string): number {
  let width = 0
  for (const char of text)
    width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(char)
      ? 2
      : 1
  return width
}

const fill = (text: string, width: number) => ' '.repeat(Math.max(0, width - displayWidth(text)))

/**
 * The rows (the first is the header) as lines, each column as wide as its widest cell; columns
 * `right` names are aligned right (numbers), the others left.
 */
export function formatTable(rows: string[][], right: (column: number) => boolean = () => false): string {
  const columns = Math.max(0, ...rows.map((r) => r.length))
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((r) => displayWidth(r[i] ?? ''))))
  return rows
    .map(
      (r) =>
        `  ${r
          .map((c, i) => (right(i) ? fill(c, widths[i]!) + c : c + fill(c, widths[i]!)))
          .join('  ')
          .trimEnd()}`,
    )
    .join('\n')
}
