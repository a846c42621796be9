// What the tests of steps 05, 06, 07 and 09 share: the Grafana stand-in run as a local process,
// a fake Prometheus behind its datasource proxy, a state folder holding the admin password, and
// the steps run as scripts with that environment, every output kept so a suite can prove that no
// secret was printed and that the stand-in saw only requests its OpenAPI spec allows.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { freePort } from './docker-suite.ts'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startGrafanaStandin, type GrafanaStandin } from './grafana-standin.ts'
import { repoRoot } from './paths.ts'

export const PASSWORD = 'unit-admin-password-7'

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** What the fake Prometheus answers; a test changes it and puts it back. */
export interface FakePrometheus {
  health: string
  lastError: string
  qps: number
  /** Answer every request with a web page instead of Prometheus's API. */
  garbage: boolean
}

export interface GrafanaSteps {
  grafana: GrafanaStandin
  prometheusUrl: string
  fake: FakePrometheus
  /** The state folder the steps use (admin password, token). */
  state: string
  /** Runs `scripts/<script>.ts` with the suite's environment plus `env`; `onStderr` sees its stderr as it comes. */
  run(
    script: string,
    args?: readonly string[],
    env?: Record<string, string>,
    onStderr?: (soFar: string) => void,
  ): Promise<Run>
  /** Runs `script` twice: both pass, and the second keeps everything (creates, imports, issues nothing). */
  assertKeptOnRerun(script: string, args?: readonly string[]): Promise<void>
  /** The token in the state folder (remembered, so the secret check looks for it too). */
  token(): string
  /** Grafana's API as the admin. */
  api(path: string, init?: RequestInit): Promise<any>
  /** No password or token ever appeared in what the steps printed; the masked token did. */
  assertNoSecretPrinted(): void
  stop(): Promise<void>
}

function prometheusAnswer(url: URL, fake: FakePrometheus): unknown {
  const query = url.searchParams.get('query') ?? ''
  const value = query.includes('duration') ? 3.25 : fake.qps
  if (url.pathname === '/api/v1/targets') {
    return {
      status: 'success',
      data: {
        activeTargets: [
          {
            labels: { job: 'triton', instance: 'triton:8002' },
            scrapeUrl: 'http://triton:8002/metrics',
            health: fake.health,
            lastError: fake.lastError,
          },
        ],
      },
    }
  }
  if (url.pathname === '/api/v1/query')
    return { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [0, String(value)] }] } }
  const now = Date.now() / 1000
  return {
    status: 'success',
    data: {
      resultType: 'matrix',
      result: [{ metric: {}, values: [0, 1, 2, 3].map((i) => [now - 15 + i * 5, String(value + i)]) }],
    },
  }
}

export async function startGrafanaSteps(): Promise<GrafanaSteps> {
  const fake: FakePrometheus = { health: 'up', lastError: '', qps: 12.5, garbage: false }
  const prometheus = createServer((req, res) =>
    fake.garbage
      ? res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not Prometheus</html>')
      : res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(prometheusAnswer(new URL(req.url!, 'http://x'), fake))),
  )
  await new Promise<void>((resolve) => prometheus.listen(0, '127.0.0.1', resolve))
  const prometheusUrl = `http://127.0.0.1:${(prometheus.address() as { port: number }).port}`
  const grafana = await startGrafanaStandin({ env: { GF_SECURITY_ADMIN_PASSWORD: PASSWORD } })
  const state = mkdtempSync(join(tmpdir(), 'grafana-steps-state-'))
  writeFileSync(join(state, 'grafana-admin-password'), `${PASSWORD}\n`, { mode: 0o600 })
  const outputs: string[] = []
  const tokens = new Set<string>()
  const admin = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`

  const run = (
    script: string,
    args: readonly string[] = [],
    env: Record<string, string> = {},
    onStderr?: (soFar: string) => void,
  ) =>
    new Promise<Run>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join('scripts', `${script}.ts`), ...args], {
        cwd: repoRoot,
        env: {
          ...process.env,
          STATE_DIR: state,
          GRAFANA_PORT: new URL(grafana.url).port,
          BIND_ADDRESS: '127.0.0.1',
          LANG: 'C',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (c: Buffer) => (stdout += c))
      child.stderr.on('data', (c: Buffer) => {
        stderr += c
        onStderr?.(stderr)
      })
      child.on('close', (code) => {
        outputs.push(stdout, stderr)
        resolve({ code, stdout, stderr })
      })
    })
  const token = () => {
    const value = readFileSync(join(state, 'grafana-token'), 'utf8').trim()
    tokens.add(value)
    return value
  }

  return {
    grafana,
    prometheusUrl,
    fake,
    state,
    run,
    async assertKeptOnRerun(script, args = []) {
      const first = await run(script, args)
      assert.is(first.code, 0, first.stderr)
      const second = await run(script, args)
      assert.is(second.code, 0, second.stderr)
      assert.match(second.stderr, /kept/)
      assert.not.match(second.stderr, /created|imported|issued/)
    },
    token,
    api: async (path, init = {}) =>
      (await fetch(grafana.url + path, { ...init, headers: { authorization: admin, ...init.headers } })).json(),
    assertNoSecretPrinted() {
      token()
      const all = outputs.join('\n')
      for (const secret of [PASSWORD, ...tokens]) assert.not.ok(all.includes(secret), 'a secret was printed')
      assert.match(all, /glsa_\*\*\*\*/)
    },
    async stop() {
      await grafana.stop()
      prometheus.close()
      rmSync(state, { recursive: true, force: true })
    },
  }
}

/**
 * The fixture of a suite: started before its first test, with `prerequisites` (steps and their
 * flags) run in order, each of which must pass; stopped after its last test.
 */
export function useGrafanaSteps(
  prerequisites: (steps: GrafanaSteps) => [script: string, args: readonly string[]][] = () => [],
): GrafanaSteps {
  const steps = {} as GrafanaSteps
  test.before(async () => {
    Object.assign(steps, await startGrafanaSteps())
    for (const [script, args] of prerequisites(steps)) {
      const result = await steps.run(script, args)
      assert.is(result.code, 0, `${script}: ${result.stderr}`)
    }
  })
  test.after(() => steps.stop())
  return steps
}

/**
 * Bad values are refused before any call to Grafana: with GRAFANA_PORT where nothing listens,
 * a step that called would say Grafana is not reachable; this one must exit 2 with `said`.
 */
export async function assertRefusedBeforeAnyCall(
  steps: GrafanaSteps,
  script: string,
  args: readonly string[],
  said: RegExp,
): Promise<void> {
  const result = await steps.run(script, args, { GRAFANA_PORT: String(await freePort()) })
  assert.is(result.code, 2, `${script} ${args.join(' ')}: ${result.stderr}`)
  assert.match(result.stderr, said)
  assert.not.match(result.stderr, /not reachable/)
}

/**
 * What every Grafana step owes, as the suite's last tests: a GRAFANA_PORT where another web app
 * answers is named with its fix (not a parse crash), no secret was printed, and the stand-in saw
 * only requests its OpenAPI spec allows.
 */
export function testWhatEveryGrafanaStepOwes(steps: GrafanaSteps, script: string): void {
  test('a GRAFANA_PORT where another web app answers is named with its fix, not a parse crash', async () => {
    steps.fake.garbage = true
    try {
      const result = await steps.run(script, [], { GRAFANA_PORT: new URL(steps.prometheusUrl).port })
      assert.is(result.code, 1, `${script}: ${result.stderr}`)
      assert.match(result.stderr, /is not Grafana's API: it answered GET \/api\/\S+ with text\/html/, script)
      assert.match(result.stderr, /GRAFANA_PORT/, script)
    } finally {
      steps.fake.garbage = false
    }
  })
  test("no secret ever appears in the steps' output", () => steps.assertNoSecretPrinted())
  test('every request the steps sent was valid against the OpenAPI spec', async () => {
    assert.equal(await steps.grafana.violations(), [])
  })
}
