// A pull by the docker CLI, for an engine this tool does not speak to directly.
import { spawn } from 'node:child_process'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import type { Endpoint } from './api.ts'
import type { PullRequest } from './pull-settings.ts'
import { pullFailed } from './pull-failures.ts'

/**
 * For an engine reached in a way we do not speak (ssh://, TLS, an old API): `docker pull`, with
 * docker's own progress lines. No stall deadline there: those lines name phases, not bytes, so a
 * long layer looks the same as a hung one.
 */
export async function pullWithCli(
  image: string,
  endpoint: Extract<Endpoint, { kind: 'cli' }>,
  request: PullRequest,
): Promise<void> {
  log.info(
    t(
      'pulling {image} with the docker CLI: the engine ({address}) is reached over ' +
        "{reason}, which this tool does not speak; docker's own progress follows, " +
        'without the {stallTimeoutMs} s stall deadline',
      { image, address: endpoint.address, reason: endpoint.reason, stallTimeoutMs: request.stallTimeoutMs / 1000 },
    ),
  )
  log.command(['docker', 'pull', image])
  const child = spawn('docker', ['pull', image], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  // stdout of the step stays clean for --json: docker's progress goes to stderr.
  child.stdout.on('data', (chunk: Buffer) => process.stderr.write(chunk))
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk
  })
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(127))
    child.once('close', resolve)
  })
  if (code === 0) {
    log.ok(t('pulled {image}', { image }))
    return
  }
  const said =
    stderr
      .trim()
      .split('\n')
      .pop()
      ?.replace(/^Error response from daemon: /, '') ?? ''
  throw pullFailed(image, said || `exit code ${code}`, {
    variable: request.imageVariable,
    dataRoot: request.info.DockerRootDir,
  })
}
