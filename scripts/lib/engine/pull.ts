// Image pulls a person can watch: the engine's own progress stream (`POST /images/create`) turned
// into bytes done out of the total, the rate and the layers done; a bar on a terminal, a plain
// line every few seconds in a log. A pull that makes no progress for a while is stopped (closing
// the connection cancels it in the engine) and ends with cause and fix: the registry, a mirror.
// Before bytes move, the registry's manifest gives the size, checked against the engine's disk.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import chalk from 'chalk'
import cliProgress from 'cli-progress'
import type { FlagSpec } from '../step/cli.ts'
import { type DiskSpace, diskTight, diskTooSmall, diskVerdict, engineDiskSpace, freeUpFix } from './disk.ts'
import {
  API_VERSION,
  type Endpoint,
  type EngineInfo,
  engineCall,
  engineEndpoint,
  engineMessage,
  readBody,
} from './api.ts'
import { fail, type StepError } from '../step/fail.ts'
import { tr } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import {
  formatBytes,
  formatSeconds,
  PullProgress,
  progressFigures,
  progressSummary,
  type PullMessage,
} from './pull-progress.ts'
import { credentialsFor, registryAuthHeader } from './registry-auth.ts'
import { enginePlatform, type ImageRef, type Lookup, lookupImage, parseImageRef } from './registry.ts'

export const DEFAULT_STALL_SECONDS = 120
/** The registry's manifest is only a help (size, disk check): it may not hold up the pull for long. */
const LOOKUP_TIMEOUT_MS = 10_000
/** A plain progress line this often when stderr is not a terminal (CI logs stay readable). */
const LINE_EVERY_MS = 5_000

/** The flag of every step that may pull an image. */
export const pullFlags = {
  'pull-stall-timeout': {
    type: 'number',
    min: 1,
    help: tr(
      `seconds an image pull may go without progress before it is stopped (default ${DEFAULT_STALL_SECONDS}, or PULL_STALL_TIMEOUT)`,
      `镜像拉取无进展多少秒后停止（默认 ${DEFAULT_STALL_SECONDS}，或 PULL_STALL_TIMEOUT）`,
    ),
  },
} satisfies Record<string, FlagSpec>

export const pullEnv = {
  PULL_STALL_TIMEOUT: tr(
    `seconds an image pull may go without progress (${DEFAULT_STALL_SECONDS})`,
    `镜像拉取允许无进展的秒数（${DEFAULT_STALL_SECONDS}）`,
  ),
}

export interface PullSettings {
  stallTimeoutMs: number
}

/** The stall deadline: the flag when given, else PULL_STALL_TIMEOUT, else the default. */
export function pullSettings(flag?: number, env: NodeJS.ProcessEnv = process.env): PullSettings {
  if (flag !== undefined) return { stallTimeoutMs: flag * 1000 }
  const raw = env.PULL_STALL_TIMEOUT?.trim()
  if (!raw) return { stallTimeoutMs: DEFAULT_STALL_SECONDS * 1000 }
  const seconds = Number(raw)
  if (!Number.isFinite(seconds) || seconds < 1) {
    throw fail(
      tr(`PULL_STALL_TIMEOUT="${raw}" is not a number of seconds`, `PULL_STALL_TIMEOUT="${raw}" 不是秒数`),
      tr(
        `set it to 1 or more, or unset it for ${DEFAULT_STALL_SECONDS}`,
        `请设为 1 或更大的数，或取消设置以使用 ${DEFAULT_STALL_SECONDS}`,
      ),
      2,
    )
  }
  return { stallTimeoutMs: seconds * 1000 }
}

export interface PullRequest extends PullSettings {
  /** The engine's `/info`: platform, mirrors, data root. */
  info: EngineInfo
  /** The setting that picks this image, named in fixes (e.g. TRITON_IMAGE). */
  imageVariable?: string
}

/** What to do about a registry that is unreachable or slow from here. */
export function mirrorFix(ref: ImageRef, variable = tr('the image variable', '镜像变量')): string {
  if (ref.registry === 'docker.io') {
    return tr(
      `set a Docker Hub mirror in /etc/docker/daemon.json ("registry-mirrors": ["https://<mirror>"], then ` +
        `restart dockerd), or point ${variable} at a registry that has the image; see "Slow or blocked ` +
        `registries" in the README`,
      `在 /etc/docker/daemon.json 中设置 Docker Hub 镜像加速（"registry-mirrors": ["https://<镜像站>"]，然后重启 dockerd），或把 ` +
        `${variable} 指向有此镜像的仓库；见 README 的“镜像仓库慢或无法访问”`,
    )
  }
  return tr(
    `point ${variable} at a mirror that has this image ` +
      `(${variable}=<mirror>/${ref.repository}:${ref.reference}); Docker's "registry-mirrors" serves Docker ` +
      `Hub images only, not ${ref.registry}; see "Slow or blocked registries" in the README`,
    `把 ${variable} 指向有此镜像的镜像站（${variable}=<镜像站>/${ref.repository}:${ref.reference}）；Docker 的 ` +
      `"registry-mirrors" 只对 Docker Hub 镜像有效，对 ${ref.registry} 无效；见 README 的“镜像仓库慢或无法访问”`,
  )
}

/** What a registry can say about an image, as the pull and `make doctor` meet it. */
export type RegistryTrouble = 'denied' | 'not-found' | 'no-platform' | 'unreachable'

/** The fix for each kind of registry trouble: one wording for the pull's failure and the doctor's. */
export function registryFix(trouble: RegistryTrouble, ref: ImageRef, variable: string): string {
  switch (trouble) {
    case 'denied': {
      const login = `\`docker login ${ref.registry === 'docker.io' ? '' : ref.registry}\``
      return tr(
        `log in first (${login}), check the name, or point ${variable} at an image you can pull`,
        `先登录（${login}），检查镜像名，或把 ${variable} 指向可以拉取的镜像`,
      )
    }
    case 'not-found':
      return tr(
        `check the name and tag, or point ${variable} at an image this machine has (\`docker images\`; for local ` +
          `test images: eval "$(make -s images)")`,
        `检查镜像名和标签，或把 ${variable} 指向本机已有的镜像（\`docker images\`；本地测试镜像：eval "$(make -s images)"）`,
      )
    case 'no-platform':
      return tr(
        `point ${variable} at an image built for this machine's architecture`,
        `把 ${variable} 指向为本机架构构建的镜像`,
      )
    case 'unreachable':
      return mirrorFix(ref, variable)
  }
}

/** The engine's reason a pull failed, as a cause and a fix. */
export function pullFailed(
  image: string,
  said: string,
  context: { variable?: string; dataRoot?: string } = {},
): StepError {
  const ref = parseImageRef(image)
  const name = context.variable ?? tr('the image variable', '镜像变量')
  const cause = (why: string) =>
    tr(
      `image ${image} is not on this machine and could not be pulled: ${why} (docker: ${said})`,
      `镜像 ${image} 不在本机，且无法拉取：${why}（docker: ${said}）`,
    )
  if (/no space left on device/i.test(said)) {
    return fail(cause(tr('the disk is full', '磁盘已满')), freeUpFix(context.dataRoot ?? '/var/lib/docker'))
  }
  const troubles: [RegExp, RegistryTrouble, string][] = [
    [
      /no matching manifest/i,
      'no-platform',
      tr("it has no build for this engine's platform", '它没有适合此引擎平台的版本'),
    ],
    [
      /unauthorized|authentication required|denied|forbidden/i,
      'denied',
      tr('the registry refused access', '镜像仓库拒绝访问'),
    ],
    [
      /manifest unknown|not found|does not exist|no such image/i,
      'not-found',
      tr(`${ref.registry} has no such image or tag`, `${ref.registry} 上没有这个镜像或标签`),
    ],
    [
      /dial tcp|no such host|connection refused|timeout|timed out|connection reset|EOF|unreachable|TLS/i,
      'unreachable',
      tr(`its registry ${ref.registry} cannot be reached`, `无法连接镜像仓库 ${ref.registry}`),
    ],
  ]
  const trouble = troubles.find(([pattern]) => pattern.test(said))
  if (trouble) return fail(cause(trouble[2]), registryFix(trouble[1], ref, name))
  return fail(
    cause(tr('the engine reported an error', '引擎报告了错误')),
    tr(
      `read Docker's message; \`make doctor\` checks the engine, the registries and the disk`,
      '请阅读 Docker 的信息；`make doctor` 会检查引擎、镜像仓库和磁盘',
    ),
  )
}

function stalled(
  image: string,
  progress: PullProgress,
  seconds: number,
  variable?: string,
  lookup?: Lookup,
): StepError {
  const ref = parseImageRef(image)
  const direct =
    lookup?.kind === 'unreachable'
      ? tr(
          `; a direct request from here got no answer either (${lookup.detail})`,
          `；从本机直接请求也没有响应（${lookup.detail}）`,
        )
      : ''
  const where = progress.started
    ? tr(`stopped at ${progressSummary(progress)}`, `停在 ${progressSummary(progress)}`)
    : tr('before the registry sent anything', '镜像仓库尚未返回任何内容')
  return fail(
    tr(
      `the pull of ${image} made no progress for ${seconds} s (${where}): its registry ${ref.registry} is ` +
        `unreachable or too slow from here${direct}; the pull was stopped`,
      `拉取 ${image} 已 ${seconds} 秒没有进展（${where}）：从本机无法连接镜像仓库 ${ref.registry}，或速度太慢${direct}；已停止拉取`,
    ),
    tr(
      `${mirrorFix(ref, variable)}. Layers already complete are kept, so a re-run goes on from them; to ` +
        `wait longer, pass --pull-stall-timeout <seconds> or set PULL_STALL_TIMEOUT; \`make doctor\` checks ` +
        `each registry`,
      `${mirrorFix(ref, variable)}。已完成的层会保留，重新运行会从这里继续；` +
        '要等待更久，请传入 --pull-stall-timeout <秒> 或设置 PULL_STALL_TIMEOUT；`make doctor` 会检查每个镜像仓库',
    ),
  )
}

interface View {
  update(now: number): void
  /** A line of its own above the bar. */
  note(line: string, level?: 'info' | 'warn'): void
  stop(): void
}

/** Short enough for a bar line: `tritonserver:23.05-py3`. */
const shortName = (image: string) => image.slice(image.lastIndexOf('/') + 1)

/** A progress bar redrawn in place (cli-progress), for a person at a terminal. */
function barView(image: string, progress: PullProgress): View {
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    // Neither the cursor nor line wrapping is switched off: a Ctrl-C mid-pull would leave the
    // terminal that way. The line is cut to the terminal's width instead.
    hideCursor: false,
    linewrap: true,
    clearOnComplete: true,
    barsize: 20,
    fps: 4,
    barCompleteChar: '█',
    barIncompleteChar: '░',
    format: (options, params) => {
      const bar = cliProgress.Format.BarFormat(params.progress, options)
      const line = `  ⬇ ${shortName(image)} ${bar} ${progressFigures(progress, Date.now())}`
      // A line longer than the terminal would wrap, and every redraw would add a line.
      return line.length >= params.maxWidth ? `${line.slice(0, params.maxWidth - 2)}…` : line
    },
  })
  let started = false
  const fraction = () => (progress.bytesTotal > 0 ? progress.bytesDone / progress.bytesTotal : 0)
  return {
    update() {
      if (!started) bar.start(1, fraction())
      else bar.update(fraction())
      started = true
    },
    note(line, level = 'info') {
      if (started) process.stderr.write('\r\x1b[K')
      log[level](line)
      if (started) bar.render()
    },
    stop() {
      if (started) bar.stop()
    },
  }
}

/** A plain line every few seconds, for logs (CI, `make all | tee`). */
function lineView(image: string, progress: PullProgress): View {
  let last = Date.now()
  return {
    update(now) {
      if (now - last < LINE_EVERY_MS) return
      last = now
      log.info(`${chalk.cyan('⬇')} ${image}: ${progressFigures(progress, now)}`)
    },
    note: (line, level = 'info') => log[level](line),
    stop() {},
  }
}

/** Why the pull's size is not known, when the registry did not say. */
function unsized(lookup: Exclude<Lookup, { kind: 'found' }>): string {
  const why =
    lookup.kind === 'unreachable'
      ? tr(`${lookup.via} did not answer here: ${lookup.detail}`, `${lookup.via} 在本机无响应：${lookup.detail}`)
      : lookup.kind === 'no-platform'
        ? tr(`built for ${lookup.platforms.join(', ')} only`, `只有 ${lookup.platforms.join('、')} 版本`)
        : `${lookup.via}: ${lookup.detail}`
  return tr(`size not known (${why}); the engine decides`, `大小未知（${why}）；以引擎为准`)
}

/** Pulls `image` through the Engine API with progress, a stall deadline and a disk check. */
export async function pullImage(image: string, request: PullRequest): Promise<void> {
  const endpoint = await engineEndpoint()
  if (endpoint.kind === 'cli') return pullWithCli(image, endpoint, request)
  const ref = parseImageRef(image)
  const { info } = request
  log.info(
    tr(
      `pulling ${image} from ${ref.registry} (large images take minutes)`,
      `正在从 ${ref.registry} 拉取 ${image}（大镜像需要几分钟）`,
    ),
  )
  const progress = new PullProgress(Date.now())
  const view = process.stderr.isTTY ? barView(image, progress) : lineView(image, progress)
  const insecure = new Set(
    Object.values(info.RegistryConfig?.IndexConfigs ?? {})
      .filter((c) => c.Secure === false)
      .map((c) => c.Name),
  )
  // Asked beside the pull, never before it: a registry slow to answer us must not hold up the engine.
  let lookup: Lookup | undefined
  let space: DiskSpace | undefined
  let ended = false
  const cancelSizing = new AbortController()
  const sizing = Promise.all([
    lookupImage(image, {
      // Settled by the time a stall is declared, so the stall's message can say what it found.
      timeoutMs: Math.min(LOOKUP_TIMEOUT_MS, request.stallTimeoutMs),
      signal: cancelSizing.signal,
      platform: enginePlatform(info),
      mirrors: info.RegistryConfig?.Mirrors ?? [],
      insecure: (registry) => insecure.has(registry),
    }),
    engineDiskSpace(info, endpoint),
  ]).then(([l, d]) => {
    lookup = l
    space = d
    if (ended) return
    if (l.kind === 'found') {
      progress.expect(l.layers)
      view.note(
        tr(
          `${formatBytes(l.bytes)} in ${l.layers.length} layers (${l.via})`,
          `共 ${l.layers.length} 层，${formatBytes(l.bytes)}（${l.via}）`,
        ),
      )
    } else view.note(unsized(l))
    if (d.kind === 'skipped') view.note(d.reason)
  })
  // The disk is checked once the stream has said which layers this machine already has (an image
  // pulled before from another registry shares them), so only what will be downloaded counts.
  let diskChecked = false
  const checkDisk = (): StepError | undefined => {
    if (diskChecked || space?.kind !== 'measured' || !progress.allListed) return undefined
    diskChecked = true
    const verdict = diskVerdict(space.free, progress.bytesTotal)
    if (verdict === 'too-small') return diskTooSmall(image, space, progress.bytesTotal)
    if (verdict === 'tight') view.note(diskTight(image, space, progress.bytesTotal), 'warn')
    else
      view.note(
        tr(
          `disk: ${formatBytes(space.free)} free under ${space.path}`,
          `磁盘：${space.path} 下剩余 ${formatBytes(space.free)}`,
        ),
      )
    return undefined
  }
  const credentials = await credentialsFor(ref.registry)
  let outcome: Outcome
  try {
    outcome = await stream(endpoint, ref, credentials && registryAuthHeader(credentials, ref.registry), {
      progress,
      view,
      stallTimeoutMs: request.stallTimeoutMs,
      check: checkDisk,
    })
  } finally {
    ended = true
    view.stop()
  }
  if (outcome.kind === 'stalled') {
    // What the registry said to us directly helps tell "unreachable" from "slow".
    await sizing
    throw stalled(image, progress, request.stallTimeoutMs / 1000, request.imageVariable, lookup)
  }
  // Nothing more to learn from the registry: do not keep the step alive for its answer.
  cancelSizing.abort()
  if (outcome.kind === 'too-new') {
    return pullWithCli(image, { kind: 'cli', address: endpoint.address, reason: outcome.reason }, request)
  }
  if (outcome.kind === 'failed') {
    throw pullFailed(image, outcome.said, { variable: request.imageVariable, dataRoot: info.DockerRootDir })
  }
  if (outcome.kind === 'refused') throw outcome.error
  const seconds = (Date.now() - progress.startedAt) / 1000
  const existing = progress.layersExisting
  const rate = formatBytes(progress.bytesDone / Math.max(seconds, 0.001))
  log.ok(
    tr(
      `pulled ${image}: ${formatBytes(progress.bytesDone)} in ${formatSeconds(seconds)} (${rate}/s), ` +
        `${progress.layersTotal} layers${existing ? ` (${existing} already here)` : ''}`,
      `已拉取 ${image}：${formatBytes(progress.bytesDone)}，用时 ` +
        `${formatSeconds(seconds)}（${rate}/s），${progress.layersTotal} ` +
        `层${existing ? `（${existing} 层本机已有）` : ''}`,
    ),
  )
}

type Outcome =
  | { kind: 'pulled' }
  | { kind: 'stalled' }
  | { kind: 'failed'; said: string }
  | { kind: 'refused'; error: StepError }
  | { kind: 'too-new'; reason: string }

interface StreamOptions {
  progress: PullProgress
  view: View
  stallTimeoutMs: number
  /** Asked after each message and each second; an error returned stops the pull with it. */
  check: () => StepError | undefined
}

/**
 * One `POST /images/create`, read to its end. Closing the connection is how a pull is stopped:
 * the engine cancels it then (api/swagger.yaml), so a stalled or refused pull leaves nothing.
 */
function stream(
  endpoint: Exclude<Endpoint, { kind: 'cli' }>,
  ref: ImageRef,
  auth: string | undefined,
  options: StreamOptions,
): Promise<Outcome> {
  const { progress, view } = options
  // Always a tag (or digest): without one the engine pulls every tag of the repository.
  const query = new URLSearchParams({ fromImage: ref.name, tag: ref.reference })
  const call = engineCall(endpoint, {
    method: 'POST',
    path: `/images/create?${query}`,
    headers: auth ? { 'X-Registry-Auth': auth } : {},
  })
  return new Promise<Outcome>((resolve) => {
    let settled = false
    const finish = (outcome: Outcome) => {
      if (settled) return
      settled = true
      clearInterval(timer)
      // After a pull this only frees the socket; before its end it cancels the pull in the engine.
      call.request.destroy()
      resolve(outcome)
    }
    const checked = () => {
      const refused = options.check()
      if (refused) finish({ kind: 'refused', error: refused })
      return Boolean(refused)
    }
    const timer = setInterval(
      () => {
        const now = Date.now()
        if (now - progress.lastProgressAt >= options.stallTimeoutMs) finish({ kind: 'stalled' })
        else if (!checked()) view.update(now)
      },
      Math.min(1000, options.stallTimeoutMs / 2),
    )
    call.response.then(
      async (response) => {
        try {
          if (response.statusCode !== 200) {
            const said = engineMessage(await readBody(response))
            if (response.statusCode === 400 && /too new/i.test(said)) {
              const reason = tr(`API ${API_VERSION}, newer than the engine's`, `API ${API_VERSION}（比引擎的新）`)
              finish({ kind: 'too-new', reason })
            } else finish({ kind: 'failed', said })
            return
          }
          for await (const line of createInterface({ input: response, crlfDelay: Number.POSITIVE_INFINITY })) {
            if (settled) return
            if (!line.trim()) continue
            let message: PullMessage
            try {
              message = JSON.parse(line) as PullMessage
            } catch {
              continue
            }
            const now = Date.now()
            progress.apply(message, now)
            // An error line after the 200: the pull failed all the same.
            if (progress.error) return finish({ kind: 'failed', said: progress.error.message })
            if (checked()) return
            view.update(now)
          }
          const early = tr('the engine closed the stream before the pull ended', '引擎在拉取结束前关闭了连接')
          finish(progress.finished ? { kind: 'pulled' } : { kind: 'failed', said: early })
        } catch (error) {
          finish({ kind: 'failed', said: (error as Error).message })
        }
      },
      (error: NodeJS.ErrnoException) => {
        const code = error.code ?? error.message
        finish({
          kind: 'refused',
          error: fail(
            tr(
              `the Docker engine at ${endpoint.address} did not take the pull's connection (${code})`,
              `${endpoint.address} 上的 Docker 引擎没有接受拉取连接（${code}）`,
            ),
            tr(
              'check that dockerd runs and that DOCKER_HOST is right (`make doctor`)',
              '请确认 dockerd 正在运行且 DOCKER_HOST 正确（`make doctor`）',
            ),
          ),
        })
      },
    )
  })
}

/**
 * For an engine reached in a way we do not speak (ssh://, TLS, an old API): `docker pull`, with
 * docker's own progress lines. No stall deadline there: those lines name phases, not bytes, so a
 * long layer looks the same as a hung one.
 */
async function pullWithCli(
  image: string,
  endpoint: Extract<Endpoint, { kind: 'cli' }>,
  request: PullRequest,
): Promise<void> {
  log.info(
    tr(
      `pulling ${image} with the docker CLI: the engine (${endpoint.address}) is reached over ` +
        `${endpoint.reason}, which this tool does not speak; docker's own progress follows, without the ` +
        `${request.stallTimeoutMs / 1000} s stall deadline`,
      `用 docker 命令拉取 ${image}：引擎（${endpoint.address}）通过 ${endpoint.reason} 连接，本工具不支持；` +
        `下面是 docker 自己的进度，没有 ${request.stallTimeoutMs / 1000} 秒无进展的限制`,
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
    log.ok(tr(`pulled ${image}`, `已拉取 ${image}`))
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
