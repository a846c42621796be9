// Starts the Grafana stand-in as a child process on a free loopback port, for fast tests.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from './paths.ts'

export interface GrafanaStandin {
  url: string
  dataDir: string
  /** Requests the stand-in found invalid against the OpenAPI spec. */
  violations(): Promise<{ method: string; path: string; problems: string[] }[]>
  /** How many basic-auth logins failed since the stand-in started. */
  failedLogins(): Promise<number>
  /** Stops the process; the data directory is kept unless `removeData`. */
  stop(removeData?: boolean): Promise<void>
}

export async function startGrafanaStandin(
  opts: { env?: Record<string, string>; dataDir?: string } = {},
): Promise<GrafanaStandin> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'grafana-standin-'))
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/standins/grafana/main.ts')], {
    env: {
      ...process.env,
      GF_PATHS_DATA: dataDir,
      GF_SERVER_HTTP_PORT: '0',
      GF_SERVER_HTTP_ADDR: '127.0.0.1',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk
      const match = /HTTP Server Listen" address=[^\s]*:(\d+)/.exec(out)
      if (match) resolve(Number(match[1]))
    })
    child.once('exit', (code) => reject(new Error(`Grafana stand-in exited with ${code} before listening:\n${out}`)))
  })
  const url = `http://127.0.0.1:${port}`
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    url,
    dataDir,
    violations: async () =>
      (await fetch(`${url}/__standin/violations`)).json() as ReturnType<GrafanaStandin['violations']>,
    failedLogins: async () => ((await (await fetch(`${url}/__standin/logins`)).json()) as { failed: number }).failed,
    async stop(removeData = true) {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
      if (removeData) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** The stand-in's image run as `name` (`docker run -d`), port 3000 on 127.0.0.1:`port`, with more `docker run` options. */
export function runGrafanaImage(name: string, image: string, port: number, options: string[] = []): void {
  execFileSync('docker', ['run', '-d', '--name', name, '-p', `127.0.0.1:${port}:3000`, ...options, image])
}
