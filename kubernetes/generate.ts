// `make kubernetes` (and `make generate`): writes the manifests of kubernetes/manifests.ts as YAML beside it, every
// object checked against its schema first (nothing is written when one fails). Only files whose
// bytes change are rewritten, so a second run leaves `git status` clean.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { step } from '../scripts/lib/step/cli.ts'
import { t } from '../scripts/lib/output/i18n.ts'
import { writeSourceFile } from '../scripts/lib/output/source-file.ts'
import { defaultOptions } from './manifests.ts'
import { kubernetesFiles } from './render.ts'

const here = dirname(fileURLToPath(import.meta.url))

await step(
  {
    name: 'kubernetes',
    summary: t('Kubernetes manifests for a cluster with kube-prometheus-stack, from the typed sources'),
    // It writes source files, like `make dashboards`: no part of a run for `make report` to show.
    record: false,
    flags: {
      release: {
        type: 'string',
        default: defaultOptions.release,
        help: t("kube-prometheus-stack's Helm release: the `release` label its Prometheus selects by"),
      },
      gpus: {
        type: 'number',
        default: defaultOptions.gpus,
        min: 0,
        max: 16,
        integer: true,
        help: t('nvidia.com/gpu per Triton pod (0: CPU only)'),
      },
    },
  },
  async (flags) => {
    const files = kubernetesFiles({ release: flags.release, gpus: flags.gpus })
    for (const [name, text] of Object.entries(files)) writeSourceFile(join(here, name), text)
  },
)
