// What a report owes to the state folder (the steps' outcomes, the last load), written into the
// page, so a new `make report` can tell it would lose them: a state folder deleted since the last
// report (`rm -rf .state`, a fresh clone) must not quietly turn a good report into an empty one.
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { StepOutcome } from '../state/outcomes.ts'
import { stateDirName } from '../state/secrets.ts'
import { fail } from '../step/fail.ts'
import type { SavedLoad } from '../triton/load-report.ts'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'

/** The `<meta>` of the page that lists what it had from the state folder. */
export const KEPT_META = 'triton-monitoring-state'

type Fact = 'steps' | 'load'

export function keptFacts(steps: StepOutcome[], load: SavedLoad): Fact[] {
  return [...(steps.length > 0 ? (['steps'] as const) : []), ...(load.kind === 'ok' ? (['load'] as const) : [])]
}

/** What each fact is, and the step that records it again. */
const missing = (fact: Fact) =>
  fact === 'steps'
    ? t("the steps' outcomes (`make all` records them again)")
    : t('the last load run (`make load` records it again)')

function earlierFacts(out: string): Fact[] {
  if (!existsSync(out)) return []
  const page = readFileSync(out, 'utf8')
  const content = new RegExp(`<meta name="${KEPT_META}" content="([^"]*)">`).exec(page)?.[1] ?? ''
  return content.split(' ').filter((f): f is Fact => f === 'steps' || f === 'load')
}

/**
 * Before anything is written: refuses to replace a report that had facts the state folder no
 * longer holds, and says what is missing, and which step brings it back, in any case.
 */
export function checkKeptFacts(out: string, now: Fact[]): void {
  const dir = resolve(stateDirName())
  const lost = earlierFacts(out).filter((f) => !now.includes(f))
  if (lost.length > 0) {
    throw fail(
      t('the state folder {dir} no longer holds {lost}: this report would replace {out}, which has them', {
        dir,
        lost: lost.map(missing).join(t('; ')),
        out,
      }),
      t(
        'run the steps named above, then `make report`; or write this report elsewhere ' +
          'with --out. {out} was left as it was',
        { out },
      ),
    )
  }
  for (const fact of (['steps', 'load'] as const).filter((f) => !now.includes(f))) {
    log.warn(t('the state folder {dir} has no {missing}', { dir, missing: missing(fact) }))
  }
}
