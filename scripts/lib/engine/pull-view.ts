// How a pull shows its progress: a bar redrawn in place for a person at a terminal, a plain line
// every few seconds for a log (CI, `make all | tee`).
import { color } from '../output/color.ts'
import cliProgress from 'cli-progress'
import { log } from '../output/log.ts'
import { type PullProgress, progressFigures } from './pull-progress.ts'

/** A plain progress line this often when stderr is not a terminal (CI logs stay readable). */
const LINE_EVERY_MS = 5_000

export interface View {
  update(now: number): void
  /** A line of its own above the bar. */
  note(line: string, level?: 'info' | 'warn'): void
  stop(): void
}

/** Short enough for a bar line: `tritonserver:23.05-py3`. */
const shortName = (image: string) => image.slice(image.lastIndexOf('/') + 1)

/** A progress bar redrawn in place (cli-progress), for a person at a terminal. */
export function barView(image: string, progress: PullProgress): View {
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    // Neither the cursor nor line wrapping is switched off: a Ctrl-C mid-pull would leave the
    // terminal that way. The line is cut to the terminal's width instead.
    hideCursor: false,
    linewrap: true,
    clearOnComplete: true,
    barsize: 20,
    fps: 4,
    barCompleteChar: '█',
    barIncompleteChar: '░',
    format: (options, params) => {
      const bar = cliProgress.Format.BarFormat(params.progress, options)
      const line = `  ⬇ ${shortName(image)} ${bar} ${progressFigures(progress, Date.now())}`
      // A line longer than the terminal would wrap, and every redraw would add a line.
      return line.length >= params.maxWidth ? `${line.slice(0, params.maxWidth - 2)}…` : line
    },
  })
  let started = false
  const fraction = () => (progress.bytesTotal > 0 ? progress.bytesDone / progress.bytesTotal : 0)
  return {
    update() {
      if (!started) bar.start(1, fraction())
      else bar.update(fraction())
      started = true
    },
    note(line, level = 'info') {
      if (started) process.stderr.write('\r\x1b[K')
      log[level](line)
      if (started) bar.render()
    },
    stop() {
      if (started) bar.stop()
    },
  }
}

/** A plain line every few seconds, for logs (CI, `make all | tee`). */
export function lineView(image: string, progress: PullProgress): View {
  let last = Date.now()
  return {
    update(now) {
      if (now - last < LINE_EVERY_MS) return
      last = now
      log.info(`${color.cyan('⬇')} ${image}: ${progressFigures(progress, now)}`)
    },
    note: (line, level = 'info') => log[level](line),
    stop() {},
  }
}
