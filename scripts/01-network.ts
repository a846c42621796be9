// Step 1: the user-defined network on which the containers reach each other by name.
import { step } from './lib/step/cli.ts'
import { loadConfig } from './lib/step/config.ts'
import { ensureEngine } from './lib/engine/cli.ts'
import { ensureNetwork } from './lib/engine/networks.ts'
import { t } from './lib/output/i18n.ts'

await step(
  {
    name: '01-network',
    lock: true,
    summary: t('Docker network for the stack'),
    replaces: 'docker network create ai-monitor-net',
    env: { NETWORK: t('network name (default ai-monitor-net)') },
    flags: {},
  },
  async () => {
    const config = loadConfig()
    await ensureEngine()
    await ensureNetwork(config.network)
  },
)
