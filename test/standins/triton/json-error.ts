// Where and why a JSON text is malformed, in RapidJSON's words (GetParseError_En) and at its
// offset, because Triton answers a bad body with
// `failed to parse the request JSON buffer: <message> at <offset>`.

const WS = new Set([' ', '\t', '\n', '\r'])

class Stop {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

export function rapidJsonError(text: string): { message: string; offset: number } | undefined {
  let i = 0
  const skip = () => {
    while (i < text.length && WS.has(text[i]!)) i++
  }
  const fail = (message: string, offset = i): never => {
    throw new Stop(message, offset)
  }

  function string(): void {
    i++ // opening quote
    for (;;) {
      if (i >= text.length) fail('Missing a closing quotation mark in string.')
      const c = text[i]!
      if (c === '"') {
        i++
        return
      }
      if (c === '\\') {
        const e = text[i + 1]
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}/.test(text.slice(i + 2, i + 6)))
            fail('Incorrect hex digit after \\u escape in string.', i + 2)
          i += 6
          continue
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail('Invalid escape character in string.', i + 1)
        i += 2
        continue
      }
      if (c < ' ') fail('Invalid encoding in string.')
      i++
    }
  }

  function number(): void {
    if (text[i] === '-') i++
    if (text[i] === '0') i++
    else if (/[1-9]/.test(text[i] ?? '')) while (/[0-9]/.test(text[i] ?? '')) i++
    else fail('Invalid value.')
    if (text[i] === '.') {
      i++
      if (!/[0-9]/.test(text[i] ?? '')) fail('Missing fraction part in number.')
      while (/[0-9]/.test(text[i] ?? '')) i++
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++
      if (text[i] === '+' || text[i] === '-') i++
      if (!/[0-9]/.test(text[i] ?? '')) fail('Missing exponent in number.')
      while (/[0-9]/.test(text[i] ?? '')) i++
    }
  }

  function value(): void {
    const c = text[i]
    if (c === '{') return void object()
    if (c === '[') return void array()
    if (c === '"') return void string()
    const literal = c === 't' ? 'true' : c === 'f' ? 'false' : c === 'n' ? 'null' : undefined
    if (literal) {
      // RapidJSON consumes the literal letter by letter and stops at the first wrong one.
      for (const expected of literal) {
        if (text[i] !== expected) fail('Invalid value.')
        i++
      }
      return
    }
    if (c === '-' || /[0-9]/.test(c ?? '')) return void number()
    fail('Invalid value.')
  }

  /** `{…}` and `[…]`: items separated by commas, RapidJSON's message when neither comes. */
  function sequence(close: string, item: () => void, missing: string): void {
    i++
    skip()
    if (text[i] === close) {
      i++
      return
    }
    for (;;) {
      item()
      skip()
      if (text[i] === ',') {
        i++
        skip()
        continue
      }
      if (text[i] === close) {
        i++
        return
      }
      fail(missing)
    }
  }

  function member(): void {
    if (text[i] !== '"') fail('Missing a name for object member.')
    string()
    skip()
    if (text[i] !== ':') fail('Missing a colon after a name of object member.')
    i++
    skip()
    value()
  }

  const object = () => sequence('}', member, "Missing a comma or '}' after an object member.")
  const array = () => sequence(']', value, "Missing a comma or ']' after an array element.")

  try {
    skip()
    if (i >= text.length) fail('The document is empty.')
    value()
    skip()
    if (i < text.length) fail('The document root must not be followed by other values.')
    return undefined
  } catch (error) {
    if (error instanceof Stop) return { message: error.message, offset: error.offset }
    throw error
  }
}
