// The few terminal styles the steps use. Not chalk: its sniffing of terminals and CI vendors and
// its chainable builders cost every step's start more than a tenth of a bare node's, for six
// styles and the basic 16 colors. The rule is chalk's for what matters here: FORCE_COLOR decides
// when set (0 or false: plain; `make all` sets it for the steps whose output it buffers), else
// colors when stdout is a terminal that is not `dumb`; NO_COLOR turns them off.
import { isatty } from 'node:tty'

export type Style = (text: unknown) => string

export interface Palette {
  bold: Style
  dim: Style
  red: Style
  green: Style
  yellow: Style
  cyan: Style
}

/** Whether this process's output gets colors, by the rule above. */
export function colorsWanted(env: NodeJS.ProcessEnv = process.env, terminal = isatty(1)): boolean {
  if (env.NO_COLOR) return false
  const force = env.FORCE_COLOR
  if (force !== undefined) return force !== '0' && force !== 'false'
  return terminal && env.TERM !== 'dumb'
}

/** `\x1b[<open>m … \x1b[<close>m`; a close inside (a nested style) opens this one again, as chalk does. */
function style(on: boolean, open: number, close: number): Style {
  const start = `\x1b[${open}m`
  const end = `\x1b[${close}m`
  return on ? (text) => start + String(text).replaceAll(end, end + start) + end : (text) => String(text)
}

/** The styles, colored or plain. */
export function palette(on: boolean): Palette {
  return {
    bold: style(on, 1, 22),
    dim: style(on, 2, 22),
    red: style(on, 31, 39),
    green: style(on, 32, 39),
    yellow: style(on, 33, 39),
    cyan: style(on, 36, 39),
  }
}

/** The styles for this process's output. */
export const color: Palette = palette(colorsWanted())
