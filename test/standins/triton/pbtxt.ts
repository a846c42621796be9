// Protobuf text format, the syntax of Triton's config.pbtxt: fields as `name: value`, messages as
// `name { … }` or `name < … >`, lists as `name: [ … ]` / `name [ { … } ]`, `#` comments, optional
// `,`/`;` separators. It yields a schema-less tree; config.ts gives it meaning. Errors carry
// `line:column` like protobuf's TextFormat parser, whose messages Triton logs.

export type PbScalar =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'ident'; value: string }
export type PbValue = PbScalar | PbMessage
/** Each field keeps every occurrence in order, so repeated fields and lists read the same way. */
export type PbMessage = { kind: 'message'; fields: Map<string, PbValue[]> }

export class PbParseError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${line}:${column}: ${detail}`)
  }
}

type Token =
  | { type: 'ident' | 'number' | 'string' | 'symbol'; text: string; value: string; line: number; column: number }
  | { type: 'end'; text: ''; value: ''; line: number; column: number }

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '?': '?',
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  let line = 1
  let lineStart = 0
  const at = () => ({ line, column: i - lineStart + 1 })
  while (i < text.length) {
    const c = text[i]!
    if (c === '\n') {
      i++
      line++
      lineStart = i
      continue
    }
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++
      continue
    }
    const pos = at()
    if (c === '"' || c === "'") {
      let value = ''
      let j = i + 1
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\n')
          throw new PbParseError(pos.line, pos.column, 'Multiline strings are not allowed. Did you miss a "?.')
        if (text[j] === '\\') {
          const e = text[j + 1] ?? ''
          if (/[0-7]/.test(e)) {
            const oct = /^[0-7]{1,3}/.exec(text.slice(j + 1))![0]
            value += String.fromCharCode(parseInt(oct, 8))
            j += 1 + oct.length
            continue
          }
          if (e === 'x') {
            const hex = /^[0-9a-fA-F]{1,2}/.exec(text.slice(j + 2))?.[0]
            if (!hex) throw new PbParseError(line, j - lineStart + 1, 'Expected hex digits for escape sequence.')
            value += String.fromCharCode(parseInt(hex, 16))
            j += 2 + hex.length
            continue
          }
          if (!(e in ESCAPES))
            throw new PbParseError(line, j - lineStart + 1, 'Invalid escape sequence in string literal.')
          value += ESCAPES[e]
          j += 2
          continue
        }
        value += text[j]
        j++
      }
      if (j >= text.length) throw new PbParseError(pos.line, pos.column, 'Unexpected end of string.')
      tokens.push({ type: 'string', text: text.slice(i, j + 1), value, ...pos })
      i = j + 1
      continue
    }
    const number = /^-?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fF]?)/.exec(text.slice(i))
    if (number && (c !== '-' || /[\d.]/.test(text[i + 1] ?? ''))) {
      tokens.push({ type: 'number', text: number[0], value: number[0], ...pos })
      i += number[0].length
      continue
    }
    const ident = /^-?[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))
    if (ident) {
      tokens.push({ type: 'ident', text: ident[0], value: ident[0], ...pos })
      i += ident[0].length
      continue
    }
    if ('{}[]<>:,;'.includes(c)) {
      tokens.push({ type: 'symbol', text: c, value: c, ...pos })
      i++
      continue
    }
    throw new PbParseError(pos.line, pos.column, `Invalid control characters encountered in text.`)
  }
  tokens.push({ type: 'end', text: '', value: '', ...at() })
  return tokens
}

function parseNumber(text: string): number {
  const t = text.replace(/[fF]$/, '')
  if (/^-?0[xX]/.test(t)) return (t.startsWith('-') ? -1 : 1) * parseInt(t.replace(/^-?0[xX]/, ''), 16)
  return Number(t)
}

export function parsePbtxt(text: string): PbMessage {
  const tokens = tokenize(text)
  let p = 0
  const peek = () => tokens[p]!
  const next = () => tokens[p++]!
  const fail = (token: Token, detail: string): never => {
    throw new PbParseError(token.line, token.column, detail)
  }
  const describe = (token: Token) => (token.type === 'end' ? 'end of input' : `"${token.text}"`)

  function scalar(): PbScalar {
    const token = next()
    if (token.type === 'string') {
      let value = token.value
      // Adjacent string literals concatenate, as in C.
      while (peek().type === 'string') value += next().value
      return { kind: 'string', value }
    }
    if (token.type === 'number') return { kind: 'number', value: parseNumber(token.text), text: token.text }
    if (token.type === 'ident') {
      const lower = token.text.toLowerCase()
      if (['inf', 'infinity', '-inf', '-infinity', 'nan', '-nan'].includes(lower)) {
        return {
          kind: 'number',
          value: lower.includes('nan') ? NaN : lower.startsWith('-') ? -Infinity : Infinity,
          text: token.text,
        }
      }
      return { kind: 'ident', value: token.text }
    }
    return fail(token, `Expected value, found ${describe(token)}.`)
  }

  /** A message in `{…}`/`<…>`, or (only after a colon) a scalar; `expected` names what was missing. */
  function fieldValue(hasColon: boolean, expected: string): PbValue {
    const open = peek()
    if (open.type === 'symbol' && (open.text === '{' || open.text === '<')) {
      next()
      return messageBody(open.text === '{' ? '}' : '>')
    }
    if (!hasColon) fail(open, `Expected ${expected}, found ${describe(open)}.`)
    return scalar()
  }

  function messageBody(close: string | undefined): PbMessage {
    const fields = new Map<string, PbValue[]>()
    for (;;) {
      const token = peek()
      if (close === undefined ? token.type === 'end' : token.type === 'symbol' && token.text === close) {
        next()
        return { kind: 'message', fields }
      }
      if (token.type === 'end') fail(token, `Expected identifier, found ${describe(token)}.`)
      if (token.type !== 'ident') fail(token, `Expected identifier, found ${describe(token)}.`)
      next()
      const values = fields.get(token.text) ?? []
      fields.set(token.text, values)
      const hasColon = peek().type === 'symbol' && peek().text === ':'
      if (hasColon) next()
      const open = peek()
      if (open.type === 'symbol' && open.text === '[') {
        next()
        if (peek().type === 'symbol' && peek().text === ']') {
          next()
        } else {
          for (;;) {
            values.push(fieldValue(hasColon, '"{"'))
            const sep = next()
            if (sep.type === 'symbol' && sep.text === ']') break
            if (sep.type !== 'symbol' || sep.text !== ',') fail(sep, `Expected "]", found ${describe(sep)}.`)
          }
        }
      } else {
        values.push(fieldValue(hasColon, '":"'))
      }
      const sep = peek()
      if (sep.type === 'symbol' && (sep.text === ',' || sep.text === ';')) next()
    }
  }

  return messageBody(undefined)
}
