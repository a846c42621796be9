// A real image registry for the tests (Debian's docker-registry, the CNCF distribution registry)
// on 127.0.0.1, which Docker reaches over plain HTTP without configuration; images pushed into it
// under names unique to the run; and registries that misbehave: one that accepts connections and
// never answers, and a proxy that serves the real one but stops sending in the middle of a layer.
import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer, request } from 'node:http'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '../../scripts/lib/step/poll.ts'
import { fail } from '../../scripts/lib/step/fail.ts'
import { freePort } from './docker-suite.ts'

export interface TestRegistry {
  /** `127.0.0.1:<port>`, the registry part of an image reference. */
  host: string
  stop(): Promise<void>
}

/**
 * Starts docker-registry with its own port and storage folder, and waits until /v2/ answers.
 * With `htpasswd` (the file's text, `htpasswd -B` lines), every request needs one of its logins.
 */
export async function startRegistry(options: { htpasswd?: string } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'tm-registry-'))
  const port = await freePort()
  const config = join(dir, 'config.yml')
  const auth = join(dir, 'htpasswd')
  if (options.htpasswd) writeFileSync(auth, options.htpasswd)
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: { level: warn }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
      `http: { addr: "127.0.0.1:${port}", secret: ${randomBytes(16).toString('hex')} }`,
      ...(options.htpasswd ? [`auth: { htpasswd: { realm: tm-test, path: ${auth} } }`] : []),
      '',
    ].join('\n'),
  )
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr.on('data', (c: Buffer) => {
    log += c
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    child.kill('SIGTERM')
    await exited
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`docker-registry exited: ${log}`)
        const r = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(1000) })
        // With logins, an anonymous /v2/ is refused: the registry answers all the same.
        return r.ok || (Boolean(options.htpasswd) && r.status === 401)
      },
      {
        what: 'docker-registry',
        timeoutMs: 20_000,
        onTimeout: (last) => fail(`docker-registry did not answer on ${port}: ${String(last)}\n${log}`, 'make system'),
      },
    )
  } catch (error) {
    await stop()
    throw error
  }
  return { host: `127.0.0.1:${port}`, stop }
}

function docker(args: string[]): string {
  const r = spawnSync('docker', args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`)
  return r.stdout.trim()
}

/**
 * Pushes `base` plus one layer of `megabytes` random bytes to `ref`, then removes the tag `ref`
 * here (and so that layer): a pull of `ref` must fetch it. The base's layers stay, because other
 * suites use that image; only the tag this function made is removed.
 */
export function pushStandIn(base: string, ref: string, megabytes: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'tm-seed-'))
  const seed = `tm-seed-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    writeFileSync(join(dir, 'seed.bin'), randomBytes(megabytes * 1024 * 1024))
    docker(['create', '--name', seed, base])
    docker(['cp', join(dir, 'seed.bin'), `${seed}:/seed.bin`])
    docker(['commit', seed, ref])
    docker(['push', ref])
  } finally {
    spawnSync('docker', ['rm', '--force', seed], { stdio: 'ignore' })
    spawnSync('docker', ['rmi', ref], { stdio: 'ignore' })
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A tag this run created (pushed, then pulled by a step): removed; nothing else is touched. */
export function removeTag(ref: string): void {
  spawnSync('docker', ['rmi', ref], { stdio: 'ignore' })
}

export function imageExists(ref: string): boolean {
  return spawnSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' }).status === 0
}

export interface MuteServer {
  host: string
  /** Connections accepted so far, and how many the other side has hung up. */
  stats: { accepted: number; closed: number }
  close(): Promise<void>
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port))
  })
}

function closeAll(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy()
  return new Promise((resolve) => server.close(() => resolve()))
}

/** A "registry" that accepts every connection and never sends a byte. */
export async function startMuteServer(): Promise<MuteServer> {
  const sockets = new Set<Socket>()
  const stats = { accepted: 0, closed: 0 }
  const server = createServer((socket) => {
    stats.accepted++
    sockets.add(socket)
    socket.on('error', () => {})
    // The other side hung up (we never do): `end` comes with its FIN, `close` when it resets.
    let counted = false
    const hungUp = () => {
      if (!counted) stats.closed++
      counted = true
    }
    socket.once('end', hungUp)
    socket.once('close', () => {
      hungUp()
      sockets.delete(socket)
    })
  })
  const port = await listen(server)
  return { host: `127.0.0.1:${port}`, stats, close: () => closeAll(server, sockets) }
}

export interface StallingProxy extends MuteServer {
  /** Blob downloads that reached the stall point and were then closed by the engine. */
  blobs: { stalled: number; cancelled: number }
}

/**
 * Serves `target` (a registry's host), except that every layer download stops after
 * `stallAfterBytes` and then sends nothing more, with the connection left open: the pull has
 * started, shows progress, then hangs, as over a link that died.
 */
export async function startStallingProxy(target: string, stallAfterBytes: number): Promise<StallingProxy> {
  const sockets = new Set<Socket>()
  const stats = { accepted: 0, closed: 0 }
  const blobs = { stalled: 0, cancelled: 0 }
  const [targetHost, targetPort] = target.split(':') as [string, string]
  const server = createServer()
  const http = createHttpServer((req, res) => {
    const upstream = request(
      { host: targetHost, port: Number(targetPort), method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        const isBlob = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '')
        if (!isBlob) {
          up.pipe(res)
          return
        }
        let sent = 0
        let stalled = false
        up.on('data', (chunk: Buffer) => {
          if (stalled) return
          const room = stallAfterBytes - sent
          if (chunk.length < room) {
            sent += chunk.length
            res.write(chunk)
            return
          }
          res.write(chunk.subarray(0, room))
          stalled = true
          blobs.stalled++
          up.destroy()
          res.once('close', () => blobs.cancelled++)
        })
        up.on('end', () => {
          if (!stalled) res.end()
        })
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  server.on('connection', (socket) => {
    stats.accepted++
    sockets.add(socket)
    socket.on('error', () => {})
    socket.once('close', () => {
      stats.closed++
      sockets.delete(socket)
    })
    http.emit('connection', socket)
  })
  const port = await listen(server)
  return { host: `127.0.0.1:${port}`, stats, blobs, close: () => closeAll(server, sockets) }
}

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`

async function putBlob(host: string, repository: string, data: Buffer | string): Promise<string> {
  const digest = sha256(data)
  const start = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, { method: 'POST' })
  if (start.status !== 202) throw new Error(`blob upload start: HTTP ${start.status}`)
  const location = new URL(start.headers.get('location')!, `http://${host}`)
  location.searchParams.set('digest', digest)
  const put = await fetch(location, {
    method: 'PUT',
    body: data,
    headers: { 'Content-Type': 'application/octet-stream' },
  })
  if (put.status !== 201) throw new Error(`blob upload: HTTP ${put.status}`)
  return digest
}

async function putManifest(host: string, repository: string, reference: string, body: object, type: string) {
  const text = JSON.stringify(body)
  const r = await fetch(`http://${host}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    body: text,
    headers: { 'Content-Type': type },
  })
  if (r.status !== 201) throw new Error(`manifest ${reference}: HTTP ${r.status} ${await r.text()}`)
  return { digest: sha256(text), size: Buffer.byteLength(text) }
}

const MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'

/**
 * Writes an image straight through the registry's HTTP API (no engine): the given layers, a
 * config, a manifest; with `platforms`, one manifest per platform under a manifest list. With
 * `claimedSizes`, the manifest states those layer sizes instead (the registry does not check them):
 * an image as large as a test needs, without the bytes. Returns the size the registry will report.
 */
export async function putImage(
  host: string,
  repository: string,
  tag: string,
  layers: Buffer[],
  options: { platforms?: { os: string; architecture: string }[]; claimedSizes?: number[] } = {},
): Promise<number> {
  const { platforms, claimedSizes } = options
  const layerDescriptors = []
  for (const [i, data] of layers.entries()) {
    layerDescriptors.push({
      mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      size: claimedSizes?.[i] ?? data.length,
      digest: await putBlob(host, repository, data),
    })
  }
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })
  const configDescriptor = {
    mediaType: 'application/vnd.docker.container.image.v1+json',
    size: config.length,
    digest: await putBlob(host, repository, config),
  }
  const manifest = { schemaVersion: 2, mediaType: MANIFEST, config: configDescriptor, layers: layerDescriptors }
  if (!platforms) await putManifest(host, repository, tag, manifest, MANIFEST)
  else {
    const entries = []
    for (const platform of platforms) {
      const put = await putManifest(host, repository, `${tag}-${platform.architecture}`, manifest, MANIFEST)
      entries.push({ mediaType: MANIFEST, ...put, platform })
    }
    const list = 'application/vnd.docker.distribution.manifest.list.v2+json'
    await putManifest(host, repository, tag, { schemaVersion: 2, mediaType: list, manifests: entries }, list)
  }
  return layerDescriptors.reduce((n, l) => n + l.size, config.length)
}
