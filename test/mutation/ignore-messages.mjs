// A Stryker ignorer: no mutants inside `t('message', { values })`. A message's wording is not
// behaviour (its Chinese lives in locales/zh-CN.json, checked by unit/catalog), and tests that
// pinned every sentence would break on each rewording. The values a message interpolates are
// computed outside t() and still mutated. Plain JavaScript: Stryker loads plugins without tsx. Ignored mutants are listed in the
// report as "Ignored" with this reason, so nothing is hidden.
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin'

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'messages', {
    shouldIgnore(path) {
      if (path.isCallExpression() && path.get('callee').isIdentifier({ name: 't' })) {
        return 'A message: t() wording is not behaviour (test/mutation/ignore-messages.mjs)'
      }
      return undefined
    },
  }),
]
