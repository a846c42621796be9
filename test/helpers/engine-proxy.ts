// A Docker engine that can die or go mute on cue: a unix socket that passes everything to the
// real engine's socket until the test says otherwise. Point a step's DOCKER_HOST at it, and both
// the docker CLI and any Engine API client meet what a stopped (connection refused) or a stuck
// (connection taken, no answer) dockerd does to them.
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const REAL_SOCKET = '/var/run/docker.sock'

/**
 * A connection to the real engine, spliced to `client` both ways after `written` (what the proxy
 * sends first, if anything) and tracked in `sockets` until it closes: either side's error ends both.
 */
export function spliceToEngine(client: Socket, sockets: Set<Socket>, written: (string | Buffer)[] = []): Socket {
  const engine = createConnection(REAL_SOCKET)
  sockets.add(engine)
  for (const chunk of written) engine.write(chunk)
  client.pipe(engine).pipe(client)
  const end = () => {
    client.destroy()
    engine.destroy()
  }
  client.on('error', end)
  engine.on('error', end)
  engine.on('close', () => sockets.delete(engine))
  return engine
}

export interface EngineProxy {
  /** `unix:///…/docker.sock`, for DOCKER_HOST. */
  host: string
  /** From now on: refuse every connection (the socket is gone), as a stopped dockerd. */
  die(): Promise<void>
  /** From now on: accept connections and never answer, as a stuck dockerd. */
  mute(): void
  close(): Promise<void>
}

export async function startEngineProxy(): Promise<EngineProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'engine-proxy-'))
  const path = join(dir, 'docker.sock')
  const sockets = new Set<Socket>()
  let muted = false
  const server = createServer((client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    if (muted) return
    spliceToEngine(client, sockets)
  })
  await new Promise<void>((resolve) => server.listen(path, resolve))
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      if (!server.listening) return resolve()
      server.close(() => resolve())
    })
  return {
    host: `unix://${path}`,
    die: stop,
    mute() {
      muted = true
    },
    async close() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
