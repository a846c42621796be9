// The files as committed: generated for the tutorial's container names and one Triton, and
// Alertmanager's configuration without a webhook (a webhook URL is a secret: it only ever goes to
// the state folder).
import { alertmanagerTarget } from '../scripts/lib/prometheus/alertmanager.ts'
import { defaults } from '../scripts/lib/step/config.ts'
import { tritonTarget } from '../scripts/lib/triton/names.ts'
import { alertmanagerConfig, alertmanagerYaml } from './alertmanager.ts'
import { renderFiles } from './config.ts'

export function defaultFiles() {
  return {
    ...renderFiles({
      triton: { targets: [tritonTarget(defaults.TRITON_CONTAINER)] },
      alertmanagerTarget: alertmanagerTarget(defaults.ALERTMANAGER_CONTAINER),
    }),
    'alertmanager.yml': alertmanagerYaml(alertmanagerConfig()),
  }
}
