// Messages are written in English; locales/zh-CN.json holds the Simplified Chinese of each, keyed
// by the English text. Many of the course's students read Chinese, so every line a person reads
// goes through t(). test/unit/catalog.test.ts checks that each message has its translation.

function localeIsChinese(env: NodeJS.ProcessEnv = process.env): boolean {
  // POSIX precedence: LC_ALL overrides LC_MESSAGES overrides LANG; LANGUAGE is a GNU list.
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || ''
  const language = (env.LANGUAGE || '').split(':')[0] || ''
  return /^zh/i.test(language) || /^zh/i.test(locale)
}

export const chinese = localeIsChinese()

// Loaded only in Chinese: the catalog is most of what a step parses at start, and an English run
// never reads it. A dynamic import, not a file read: the bundle points it at its copy in
// dist/scripts/chunks (build.ts), so a copy of dist/scripts runs without the source tree.
const catalog: Readonly<Record<string, string>> = chinese
  ? (await import('../../../locales/zh-CN.json', { with: { type: 'json' } })).default
  : {}

/** What a message's `{name}` placeholders stand for. */
export type MessageValues = Record<string, string | number | bigint | boolean>

/**
 * The message for the current locale, its `{name}` placeholders filled from `values`:
 * `t('{count} requests sent', { count })`. A placeholder `values` lacks stays as it is.
 */
export function t(en: string, values?: MessageValues): string {
  const text = Object.hasOwn(catalog, en) ? catalog[en]! : en
  if (!values) return text
  return text.replace(/\{([A-Za-z_$][\w$]*)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : whole,
  )
}

/**
 * Text that lives in a data file, not in the code (the Makefile's help), in the current locale:
 * the catalog test reads those files for the keys, as it reads t()'s messages in the code.
 */
export function fromCatalog(text: string): string {
  return Object.hasOwn(catalog, text) ? catalog[text]! : text
}

export { localeIsChinese }
