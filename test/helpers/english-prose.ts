// English prose in what a Chinese run prints. A zh locale must print every sentence in Chinese;
// names, commands, units, metric names, URLs and values may stay as they are. So each line loses
// what is allowed (code spans, URLs, paths, flags, KEY=value, identifiers with digits or _-.:/,
// CamelCase names, commands (a tool's name and its words), the names below, and what follows
// 替代： — the manual command a step replaces),
// and a line where two English words still stand side by side is prose: flagged, with the words.

/** Product, tool and unit names a Chinese sentence keeps in Latin letters. */
const NAMES = new Set(
  [
    ...['Triton', 'Prometheus', 'Grafana', 'Alertmanager', 'Docker', 'Node.js', 'Node', 'Kubernetes', 'GitHub'],
    ...['Inference', 'Server', 'QPS', 'GPU', 'CPU', 'API', 'HTTP', 'HTTPS', 'gRPC', 'PromQL', 'JSON', 'HTML', 'ONNX'],
    ...['make', 'docker', 'curl', 'amtool', 'promtool', 'kubectl', 'node', 'npm', 'webhook', 'admin', 'token'],
    ...['ms', 's', 'MB', 'GB', 'kB', 'GiB', 'MiB', 'KiB', 'MB/s', 'up', 'down', 'for', 'all', 'auto', 'none'],
    ...['Debian', 'GNU', 'Linux', 'bookworm', 'Ctrl', 'UTC', 'OK'],
  ].map((name) => name.toLowerCase()),
)

const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g

/** The words left that are English prose, or [] when the line is fine. */
export function englishProse(line: string): string[] {
  const text = line
    .replace(ANSI, '')
    .replace(/(替代：|替代的手动命令：).*$/, '$1')
    .replace(/\b(promtool|amtool|docker|kubectl|curl|make|npm|grafana cli)\b[^\u3000-\u9fff\uff00-\uffef]*/g, ' ')
    .replace(/`[^`]*`/g, ' ')
    .replace(/"[^"]*"/g, ' ')
    .replace(/'[^']*'/g, ' ')
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, ' ')
    .replace(/(^|\s)--?[a-z][\w-]*(=\S*)?/gi, ' ')
    .replace(/\b[A-Z][A-Z0-9_]*=\S*/g, ' ')
    .replace(/\S*[/_:.@=0-9]\S*/g, ' ')
    .replace(/\b[A-Za-z]+(-[A-Za-z]+)+\b/g, ' ')
    .replace(/\b[a-z]+[A-Z]\w*|\b[A-Z][a-z]+[A-Z]\w*/g, ' ')
  const runs: string[] = []
  let run: string[] = []
  for (const token of text.split(/(\s+|[,;()（），：、。；！？→✔✖⚠▶•·…|]+)/)) {
    if (!token || /^\s+$/.test(token)) continue
    if (/^[A-Za-z][A-Za-z'-]*$/.test(token) && !NAMES.has(token.toLowerCase())) {
      run.push(token)
      continue
    }
    if (/^[A-Za-z]/.test(token) || /^[\s,;()]+$/.test(token)) continue
    if (run.length >= 2) runs.push(run.join(' '))
    run = []
  }
  if (run.length >= 2) runs.push(run.join(' '))
  return runs
}

/** Every line of `output` with English prose, as `line  ← words` for the failure message. */
export function linesWithEnglish(output: string): string[] {
  return output.split('\n').flatMap((line) => {
    const words = englishProse(line)
    return words.length ? [`${line.replace(ANSI, '').trim()}  ← ${words.join(' / ')}`] : []
  })
}
