// Host ports: whether one can be published here, and who publishes what (make doctor).
import { createServer } from 'node:net'
import { engineOnThisMachine } from './api.ts'
import { type ContainerInfo, docker, ENGINE_TIMEOUT_MS, runDocker } from './cli.ts'
import { explainDockerError, portTaken } from './errors.ts'
import { CONFIG_LABEL, type ContainerSpec, managed } from './spec.ts'
/**
 * Whether address:port can be listened on here, as `docker run -p` would meet it: undefined when
 * free, else the error code (EADDRINUSE: taken; EACCES under 1024 says nothing, docker binds as root).
 */
export function listenProbe(address: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(undefined)))
  })
}

/**
 * Before anything changes: every host port the container is to publish is free, or published
 * by the container it replaces (freed when that one stops). Otherwise a recreate would stop the
 * running container only to find out, and restart it. Only an engine on this machine shares its
 * ports with us; with another one the start itself tells.
 */
export async function assertPortsFree(spec: ContainerSpec, replaced?: ContainerInfo): Promise<void> {
  if (!(await engineOnThisMachine())) return
  let held: { host?: number }[] = []
  try {
    held = (JSON.parse(replaced?.Config.Labels?.[CONFIG_LABEL] ?? '{}') as { ports?: { host?: number }[] }).ports ?? []
  } catch {
    // An unreadable record: assume it holds nothing.
  }
  for (const port of spec.ports ?? []) {
    if (held.some((p) => p.host === port.host)) continue
    if ((await listenProbe(port.address, port.host)) === 'EADDRINUSE') throw portTaken(port)
  }
}

/** A running container that publishes a host port. */
export interface PortHolder {
  container: string
  /** Created by triton-monitoring (ensureContainer's labels). */
  managed: boolean
  address: string
  port: number
}

/** Every host port published by a running container: what `make doctor` checks ports against. */
export async function portHolders(): Promise<PortHolder[]> {
  const ids = (await docker(['ps', '--quiet', '--no-trunc'], { timeoutMs: ENGINE_TIMEOUT_MS }))
    .split('\n')
    .filter(Boolean)
  if (ids.length === 0) return []
  // A container that ends between the two calls is missing from the answer, not an error.
  const out = await runDocker(['container', 'inspect', ...ids], { timeoutMs: ENGINE_TIMEOUT_MS })
  if (!out.stdout.trim()) throw explainDockerError(out.stderr)
  const inspected = JSON.parse(out.stdout) as {
    Name: string
    Config: { Labels: Record<string, string> | null }
    NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[] | null> | null }
  }[]
  return inspected.flatMap((c) =>
    Object.values(c.NetworkSettings.Ports ?? {}).flatMap((bindings) =>
      (bindings ?? []).map((b) => ({
        container: c.Name.replace(/^\//, ''),
        managed: managed(c.Config.Labels),
        address: b.HostIp,
        port: Number(b.HostPort),
      })),
    ),
  )
}
