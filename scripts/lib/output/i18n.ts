// Messages are written in English and Simplified Chinese side by side; the locale picks one.
// Many of the course's students read Chinese, so every line a person reads goes through here.

function localeIsChinese(env: NodeJS.ProcessEnv = process.env): boolean {
  // POSIX precedence: LC_ALL overrides LC_MESSAGES overrides LANG; LANGUAGE is a GNU list.
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || ''
  const language = (env.LANGUAGE || '').split(':')[0] || ''
  return /^zh/i.test(language) || /^zh/i.test(locale)
}

export const chinese = localeIsChinese()

/** Picks the message for the current locale: `tr('Waiting', '等待')`. */
export function tr(en: string, zh: string): string {
  return chinese ? zh : en
}

export { localeIsChinese }
