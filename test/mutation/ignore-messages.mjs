// A Stryker ignorer: no mutants inside `tr(en, zh)`. A message's wording is not behaviour, and tests
// that pinned every sentence would break on each rewording (and on the coming move of the Chinese
// into a message catalog). The values a message interpolates are computed outside tr() and still
// mutated. Plain JavaScript: Stryker loads plugins without tsx. Ignored mutants are listed in the
// report as "Ignored" with this reason, so nothing is hidden.
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin'

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'messages', {
    shouldIgnore(path) {
      if (path.isCallExpression() && path.get('callee').isIdentifier({ name: 'tr' })) {
        return 'A message: tr(en, zh) wording is not behaviour (test/mutation/ignore-messages.mjs)'
      }
      return undefined
    },
  }),
]
