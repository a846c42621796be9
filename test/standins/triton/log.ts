// Triton's (glog-style) log lines on stderr: `I1127 19:25:27.123456 42 server.cc:1] message`.
// Tests and the helper read the "Started …Service at host:port" lines, as people read Triton's.

type Level = 'I' | 'W' | 'E'

function stamp(): string {
  const ms = performance.timeOrigin + performance.now()
  const d = new Date(Math.floor(ms))
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  const micros = p(Math.floor((ms % 1000) * 1000), 6)
  return `${p(d.getMonth() + 1)}${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${micros}`
}

function write(level: Level, source: string, message: string): void {
  process.stderr.write(`${level}${stamp()} ${process.pid} ${source}] ${message}\n`)
}

export const tlog = {
  info: (source: string, message: string) => write('I', source, message),
  warn: (source: string, message: string) => write('W', source, message),
  error: (source: string, message: string) => write('E', source, message),
}

/** The `+---+` tables Triton prints for backends, models and options. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  return [rule, line(headers), rule, ...rows.map(line), rule].join('\n')
}
