// The one way steps talk to the Docker engine. Everything is create-or-keep-or-recreate, like
// Terraform: a container remembers the configuration it was made from (a hash in a label), so a
// re-run keeps what already matches and recreates, saying why, what does not; a recreate that fails
// gives the old container back. Every failure the engine reports is turned into a cause and a fix,
// and nothing half-created is left behind.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { delimiter, join } from 'node:path'
import { $, type ProcessOutput } from 'zx'
import { fail, StepError } from '../step/fail.ts'
import { tr } from '../output/i18n.ts'
import { changedPartsText } from './config-parts.ts'
import { type EngineInfo, endpointOnThisMachine, engineEndpoint } from './api.ts'
import { log } from '../output/log.ts'
import { waitFor } from '../step/poll.ts'
import { type PullSettings, pullImage, pullSettings } from './pull.ts'
import { type SecretFile, secretsTar } from './secret-files.ts'

/** Marks what triton-monitoring created; anything without it is someone else's and is left alone. */
export const MANAGED_LABEL = 'io.triton-monitoring.managed'
export const HASH_LABEL = 'io.triton-monitoring.config-hash'
export const CONFIG_LABEL = 'io.triton-monitoring.config'
/** Bump when the way containers are created changes, so old ones are recreated. */
const SPEC_VERSION = 1

export interface PortSpec {
  /** Host address the port is published on, e.g. 127.0.0.1. */
  address: string
  host: number
  container: number
  /** The environment variable that picks this host port, named in the "port taken" fix. */
  variable?: string
}

export type MountSpec =
  | { type: 'bind'; source: string; target: string; readOnly?: boolean }
  | { type: 'volume'; source: string; target: string; readOnly?: boolean }

export interface ContainerSpec {
  name: string
  image: string
  network?: string
  /** More names the container answers to on `network` (DNS round robin when several share one). */
  aliases?: string[]
  /** Replaces the image's entrypoint. */
  entrypoint?: string
  /** Command (or arguments to the entrypoint) after the image. */
  args?: string[]
  /**
   * Environment of the container. Only the NAMES reach docker's argv (`-e NAME`); the values
   * travel in the docker client's own environment, so `ps` and shell history never show them.
   * Only the names count for "same configuration": a value change alone does not recreate.
   */
  env?: Record<string, string>
  mounts?: MountSpec[]
  /**
   * Files copied into the container between create and start, owned by the image's user (see
   * secret-files.ts): how a secret reaches a container without showing in `docker inspect`. Like
   * env values, only their paths and owners count for "same configuration".
   */
  secrets?: SecretFile[]
  ports?: PortSpec[]
  labels?: Record<string, string>
  gpus?: boolean
  /** Supplementary groups of the container's user (`--group-add`), e.g. the gid owning a mounted socket. */
  groups?: string[]
  restart?: 'no' | 'unless-stopped'
  /**
   * `uid:gid` the container runs as instead of its image's USER: pins the user its `secrets` are
   * made for, whatever the image's passwd says its user's number is.
   */
  user?: string
  /** Variables named in fixes: which setting picks this container's name and image. */
  hints?: { nameVariable?: string; imageVariable?: string }
}

export type ContainerAction = 'created' | 'kept' | 'started' | 'recreated'

export interface EnsureResult {
  id: string
  action: ContainerAction
}

interface RunOptions {
  /** Extra environment for the docker client (values for `-e NAME`). */
  env?: Record<string, string>
  /** The docker client's stdin (a tar for `docker cp -`, a password for `docker exec -i`). */
  input?: string | Buffer
  /** Kills the docker client after this long: it has no deadline of its own. */
  timeoutMs?: number
  /** What the command was about, so an engine error can be explained precisely. */
  context?: FailureContext
}

interface FailureContext {
  container?: string
  image?: string
  ports?: PortSpec[]
  hints?: ContainerSpec['hints']
}

const unreachable =
  /Cannot connect to the Docker daemon|Is the docker daemon running|error during connect|dial unix .*: connect:/i

/**
 * What the engine says when `--gpus all` cannot be served, at create or at start: no NVIDIA runtime or hook
 * ("could not select device driver"), a toolkit without a working driver ("nvidia-container-cli: initialization
 * error"), a runtime named in daemon.json but missing ("unknown or invalid runtime name", "Unknown runtime
 * specified"), or CDI without a spec for the GPUs.
 */
const gpuRefused = new RegExp(
  [
    'could not select device driver.*gpu',
    'nvidia-container-cli',
    '(unknown or invalid runtime name|Unknown runtime specified):? nvidia',
    'nvidia\\.com/gpu',
  ].join('|'),
  'i',
)

export function isGpuRefusal(stderr: string): boolean {
  return gpuRefused.test(stderr)
}

/** The line of docker's output that says what went wrong (the daemon's answer when there is one). */
function dockerSaid(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const daemon = lines.find((l) => l.startsWith('Error response from daemon:'))
  return (daemon?.replace('Error response from daemon: ', '') ?? lines.pop() ?? '').replace(/^(docker: )?Error: /, '')
}

/** Maps what the docker CLI printed on a failure to a cause and a fix a person can act on. */
export function explainDockerError(stderr: string, context: FailureContext = {}): StepError {
  const said = dockerSaid(stderr)
  const quoted = said ? ` (docker: ${said})` : ''
  if (/command not found|No such file or directory.*docker$|ENOENT/.test(stderr) && !/daemon/.test(stderr)) {
    return fail(
      tr('the docker command is not installed', '未安装 docker 命令'),
      tr(
        'install Docker (Debian: `sudo apt-get install docker.io`, or `make system`)',
        '安装 Docker（Debian：`sudo apt-get install docker.io`，或运行 `make system`）',
      ),
    )
  }
  if (/permission denied.*docker(\.sock| daemon socket)/i.test(stderr)) {
    return fail(
      tr(`no permission to use the Docker engine's socket${quoted}`, `没有权限访问 Docker 引擎的套接字${quoted}`),
      tr(
        'add yourself to the docker group (`sudo usermod -aG docker $USER`, then log in again) or run as root',
        '把当前用户加入 docker 组（`sudo usermod -aG docker $USER`，然后重新登录），或以 root 运行',
      ),
    )
  }
  if (unreachable.test(stderr)) {
    const host = process.env.DOCKER_HOST
    return fail(
      tr(
        `the Docker engine is not answering${host ? ` at DOCKER_HOST=${host}` : ''}${quoted}`,
        `Docker 引擎没有响应${host ? `（DOCKER_HOST=${host}）` : ''}${quoted}`,
      ),
      host
        ? tr(
            'start the engine there, or unset DOCKER_HOST to use the local one',
            '在该地址启动引擎，或取消设置 DOCKER_HOST 以使用本机引擎',
          )
        : tr(
            'start it: `sudo systemctl start docker` (or `make system`, which starts dockerd)',
            '启动它：`sudo systemctl start docker`（或运行 `make system`，它会启动 dockerd）',
          ),
    )
  }
  if (/port is already allocated|address already in use/i.test(stderr)) {
    const port = context.ports?.find(
      (p) =>
        stderr.includes(`:${p.host} `) || stderr.includes(`:${p.host}:`) || new RegExp(`:${p.host}\\b`).test(stderr),
    )
    return portTaken(port, quoted)
  }
  if (isGpuRefusal(stderr)) {
    return fail(
      tr(
        `a GPU was asked for, but this Docker engine cannot provide one${quoted}`,
        `请求了 GPU，但此 Docker 引擎无法提供 GPU${quoted}`,
      ),
      tr(
        'make `nvidia-smi` work on the host (install or repair the NVIDIA driver) and install the NVIDIA Container ' +
          'Toolkit (`nvidia-ctk runtime configure --runtime=docker`, then restart dockerd); ' +
          'or run on the CPU: `make triton ARGS="--gpus none"`',
        '让主机上的 `nvidia-smi` 能正常运行（安装或修复 NVIDIA 驱动），并安装 NVIDIA Container Toolkit' +
          '（`nvidia-ctk runtime configure --runtime=docker`，然后重启 dockerd）；或在 CPU 上运行：`make triton ARGS="--gpus none"`',
      ),
    )
  }
  if (/Conflict\. The container name .* is already in use/i.test(stderr)) {
    return foreignName(context.container ?? '?', context.hints)
  }
  if (context.image && /pull access denied|manifest unknown|No such image|repository does not exist/i.test(stderr)) {
    return imageMissing(context.image, said, context.hints)
  }
  return fail(
    tr(
      `the Docker engine refused${context.container ? ` (container ${context.container})` : ''}: ${said || 'no message'}`,
      `Docker 引擎拒绝了操作${context.container ? `（容器 ${context.container}）` : ''}：${said || '无信息'}`,
    ),
    tr(
      "read Docker's message above; `docker info` shows whether the engine is healthy",
      '请阅读上面 Docker 的信息；`docker info` 可查看引擎是否正常',
    ),
  )
}

function portTaken(port: PortSpec | undefined, quoted = ''): StepError {
  const where = port ? `${port.address}:${port.host}` : tr('a published port', '一个发布端口')
  return fail(
    tr(
      `port ${where} is already taken by another program or container${quoted}`,
      `端口 ${where} 已被其他程序或容器占用${quoted}`,
    ),
    port
      ? tr(
          `free it (\`ss -ltnp 'sport = :${port.host}'\` shows who holds it) ` +
            `or pick another port: ${port.variable ?? 'the port setting'}=<free port>; ` +
            '`make doctor` checks every port of the stack',
          `释放它（\`ss -ltnp 'sport = :${port.host}'\` 可查看占用者），` +
            `或换一个端口：${port.variable ?? '端口设置'}=<空闲端口>；` +
            '`make doctor` 会检查整套服务的所有端口',
        )
      : tr('free the port or choose another one in the environment', '释放该端口，或在环境变量中换一个端口'),
  )
}

function imageMissing(image: string, said: string, hints?: ContainerSpec['hints']): StepError {
  const variable = hints?.imageVariable ?? 'the image setting'
  return fail(
    tr(
      `image ${image} is not on this machine and could not be pulled${said ? ` (docker: ${said})` : ''}`,
      `镜像 ${image} 不在本机，且无法拉取${said ? `（docker: ${said}）` : ''}`,
    ),
    tr(
      'connect to its registry (and `docker login` if it needs one), load it with `docker load`, ' +
        `or point ${variable} at an image this machine has (\`docker images\`; for local test images: eval "$(make -s images)")`,
      '连接到镜像仓库（需要时先 `docker login`），或用 `docker load` 导入，' +
        `或把 ${variable} 指向本机已有的镜像（\`docker images\`；本地测试镜像：eval "$(make -s images)"）`,
    ),
  )
}

function foreignName(name: string, hints?: ContainerSpec['hints']): StepError {
  return fail(
    tr(
      `a container named "${name}" exists but was not created by triton-monitoring, so it is left alone`,
      `名为 "${name}" 的容器已存在，但不是 triton-monitoring 创建的，因此不会动它`,
    ),
    tr(
      `remove it yourself if it is not needed (\`docker rm -f ${name}\`), ` +
        `or choose another name${hints?.nameVariable ? ` with ${hints.nameVariable}=<name>` : ''}`,
      `如果不再需要，请自行删除（\`docker rm -f ${name}\`），` +
        `或${hints?.nameVariable ? `用 ${hints.nameVariable}=<名称> ` : ''}换一个名称`,
    ),
  )
}

async function run(args: string[], options: RunOptions = {}): Promise<ProcessOutput> {
  // What goes in on stdin (a secret's tar, a password) is never shown, only that it is there.
  log.command(['docker', ...args], options.input === undefined ? undefined : tr('input on stdin', '输入来自标准输入'))
  const env = options.env ? { ...process.env, ...options.env } : process.env
  return $({ quiet: true, nothrow: true, env, timeout: options.timeoutMs, input: options.input })`docker ${args}`
}

/** Runs `docker <args>`; returns stdout, or throws the explained failure. */
export async function docker(args: string[], options: RunOptions = {}): Promise<string> {
  const started = Date.now()
  const out = await run(args, options)
  // Killed at the deadline: the docker client may exit on its own code then, not by the signal.
  if (options.timeoutMs && out.exitCode !== 0 && Date.now() - started >= options.timeoutMs) {
    const host = process.env.DOCKER_HOST
    throw fail(
      tr(
        `the Docker engine${host ? ` at DOCKER_HOST=${host}` : ''} ` +
          `did not answer \`docker ${args[0]}\` within ${options.timeoutMs / 1000} s`,
        `Docker 引擎${host ? `（DOCKER_HOST=${host}）` : ''}在 ${options.timeoutMs / 1000} 秒内没有响应 \`docker ${args[0]}\``,
      ),
      tr(
        'it is stuck: restart it (`sudo systemctl restart docker`), or check DOCKER_HOST',
        '它卡住了：重启它（`sudo systemctl restart docker`），或检查 DOCKER_HOST',
      ),
    )
  }
  if (out.exitCode !== 0) throw explainDockerError(out.stderr || out.stdout, options.context)
  return out.stdout
}

const notFound = /No such (container|network|volume|image|object)|not found/i

/** `docker <kind> inspect` as parsed JSON, or undefined when there is no such object. */
async function inspect<T>(kind: 'container' | 'network' | 'volume' | 'image', name: string): Promise<T | undefined> {
  const out = await run([kind, 'inspect', '--format', '{{json .}}', name])
  if (out.exitCode === 0) return JSON.parse(out.stdout.trim().split('\n')[0]!) as T
  if (notFound.test(out.stderr) && !unreachable.test(out.stderr)) return undefined
  throw explainDockerError(out.stderr)
}

/**
 * Ours only if created by ensureContainer: a container also inherits its image's labels, so the
 * managed label alone could come from an image.
 */
function managed(labels: Record<string, string> | null): boolean {
  return labels?.[MANAGED_LABEL] === 'true' && Boolean(labels[HASH_LABEL])
}

export interface ContainerInfo {
  Id: string
  /** The image's id (sha256:…); `Config.Image` is the reference it was started from. */
  Image: string
  State: { Status: string; Running: boolean; ExitCode: number; StartedAt?: string }
  Config: { Labels: Record<string, string> | null; Image?: string }
  /** `--gpus` shows as a device request with the `gpu` capability. */
  HostConfig?: { DeviceRequests?: { Capabilities?: string[][] | null }[] | null }
  /** The networks it is on, by name (a name resolves only between containers on one of them). */
  NetworkSettings?: { Networks?: Record<string, unknown> | null }
}

export async function inspectContainer(name: string): Promise<ContainerInfo | undefined> {
  return inspect<ContainerInfo>('container', name)
}

/** A healthy engine names its version at once; one that takes the connection and never answers
 *  would otherwise hang every step forever, since the docker client waits without a deadline. */
const ENGINE_TIMEOUT_MS = 20_000

/** Checks the engine answers at all; the first call of a step, so its failure is the clearest one. */
export async function ensureEngine(timeoutMs = ENGINE_TIMEOUT_MS): Promise<void> {
  await docker(['version', '--format', '{{json .Server.Version}}'], { timeoutMs })
}

/** `docker info`: platform, data root, runtimes, registry mirrors. */
export async function engineInfo(timeoutMs = ENGINE_TIMEOUT_MS): Promise<EngineInfo> {
  return JSON.parse(await docker(['info', '--format', '{{json .}}'], { timeoutMs })) as EngineInfo
}

export async function ensureNetwork(name: string): Promise<'created' | 'kept'> {
  if (await inspect('network', name)) {
    log.ok(tr(`network ${name} exists, kept`, `网络 ${name} 已存在，保留`))
    return 'kept'
  }
  const out = await run(['network', 'create', '--label', `${MANAGED_LABEL}=true`, name])
  // Another run created it between our look and our create: the outcome we wanted.
  if (out.exitCode !== 0 && !/already exists/i.test(out.stderr)) throw explainDockerError(out.stderr)
  log.change(tr(`network ${name} created`, `已创建网络 ${name}`))
  return 'created'
}

export async function ensureVolume(name: string): Promise<'created' | 'kept'> {
  if (await inspect('volume', name)) {
    log.ok(tr(`volume ${name} exists, kept`, `数据卷 ${name} 已存在，保留`))
    return 'kept'
  }
  await docker(['volume', 'create', '--label', `${MANAGED_LABEL}=true`, name])
  log.change(tr(`volume ${name} created`, `已创建数据卷 ${name}`))
  return 'created'
}

/** The parts of a spec that decide "same container"; env values are deliberately left out. */
function desiredConfig(spec: ContainerSpec) {
  return {
    version: SPEC_VERSION,
    image: spec.image,
    entrypoint: spec.entrypoint ?? null,
    args: spec.args ?? [],
    env: Object.keys(spec.env ?? {}).sort(),
    mounts: spec.mounts ?? [],
    // Only when there are some, so containers made before secrets existed keep their hash.
    ...(spec.secrets?.length ? { secrets: spec.secrets.map(({ path, uid, gid }) => ({ path, uid, gid })) } : {}),
    ports: (spec.ports ?? []).map(({ address, host, container }) => ({ address, host, container })),
    network: spec.network ?? null,
    labels: spec.labels ?? {},
    gpus: spec.gpus ?? false,
    restart: spec.restart ?? 'no',
    // Only when set: a new key in every container's record would recreate them all.
    ...(spec.user ? { user: spec.user } : {}),
    ...(spec.aliases?.length ? { aliases: spec.aliases } : {}),
    ...(spec.groups?.length ? { groups: spec.groups } : {}),
  }
}

export function configHash(spec: ContainerSpec): string {
  return createHash('sha256')
    .update(JSON.stringify(desiredConfig(spec)))
    .digest('hex')
    .slice(0, 16)
}

/** Which parts differ between a container's recorded configuration and the wanted one. */
function changedParts(recorded: string | undefined, wanted: ReturnType<typeof desiredConfig>): string[] {
  let old: Record<string, unknown> = {}
  try {
    old = recorded ? (JSON.parse(recorded) as Record<string, unknown>) : {}
  } catch {
    // An unreadable record counts as "everything changed".
  }
  return Object.entries(wanted)
    .filter(([key, value]) => JSON.stringify(old[key]) !== JSON.stringify(value))
    .map(([key]) => key)
}

function createArgs(spec: ContainerSpec): string[] {
  const config = desiredConfig(spec)
  const args = [
    'create',
    '--name',
    spec.name,
    '--label',
    `${MANAGED_LABEL}=true`,
    '--label',
    `${HASH_LABEL}=${configHash(spec)}`,
    '--label',
    `${CONFIG_LABEL}=${JSON.stringify(config)}`,
  ]
  for (const [key, value] of Object.entries(config.labels)) args.push('--label', `${key}=${value}`)
  if (spec.network) args.push('--network', spec.network)
  for (const alias of config.aliases ?? []) args.push('--network-alias', alias)
  for (const group of config.groups ?? []) args.push('--group-add', group)
  for (const name of config.env) args.push('-e', name)
  for (const m of config.mounts) args.push('--mount', mountArg(m))
  for (const p of config.ports) {
    const address = p.address.includes(':') ? `[${p.address}]` : p.address
    args.push('-p', `${address}:${p.host}:${p.container}`)
  }
  if (spec.gpus) args.push('--gpus', 'all')
  if (spec.restart && spec.restart !== 'no') args.push('--restart', spec.restart)
  if (spec.user) args.push('--user', spec.user)
  if (spec.entrypoint !== undefined) args.push('--entrypoint', spec.entrypoint)
  args.push(spec.image, ...config.args)
  return args
}

/**
 * Makes sure the image is on this machine, pulling it with progress (pull.ts) when it is missing.
 * Steps that pull call it first, with their --pull-stall-timeout, so a pull that fails has
 * changed nothing yet; the containers' own call then finds the image here.
 */
export async function ensureImage(
  image: string,
  hints?: ContainerSpec['hints'],
  settings: PullSettings = pullSettings(),
): Promise<string> {
  const local = await inspect<{ Id: string }>('image', image)
  if (local) return local.Id
  await pullImage(image, { ...settings, info: await engineInfo(), imageVariable: hints?.imageVariable })
  const pulled = await inspect<{ Id: string }>('image', image)
  if (!pulled) throw imageMissing(image, '', hints)
  return pulled.Id
}

function mountArg(m: MountSpec): string {
  return `type=${m.type},source=${m.source},target=${m.target}${m.readOnly ? ',readonly' : ''}`
}

/**
 * Runs a throw-away container to completion (`docker run --rm`), e.g. a tool shipped in an image.
 * Returns its exit code and output; engine failures throw their explained error.
 */
export async function runOnce(spec: {
  image: string
  entrypoint?: string
  args: string[]
  mounts?: MountSpec[]
  /** The tool's stdin (`docker run -i`), e.g. a file that must not be mounted. */
  input?: string
  /** A network to join (none by default): to see names as the stack's containers see them. */
  network?: string
  /** Only an image already here; otherwise this throws instead of pulling. */
  local?: boolean
  timeoutMs?: number
}): Promise<{ exitCode: number; output: string }> {
  if (spec.local) {
    if (!(await inspect('image', spec.image))) throw imageMissing(spec.image, '')
  } else {
    await ensureImage(spec.image)
  }
  const args = ['run', '--rm', '--network', spec.network ?? 'none']
  if (spec.input !== undefined) args.push('--interactive')
  for (const m of spec.mounts ?? []) args.push('--mount', mountArg(m))
  if (spec.entrypoint !== undefined) args.push('--entrypoint', spec.entrypoint)
  const out = await run([...args, spec.image, ...spec.args], { input: spec.input, timeoutMs: spec.timeoutMs })
  // 125 is docker's own failure (the container never ran); anything else is the tool's answer.
  if (out.exitCode === 125) throw explainDockerError(out.stderr, { image: spec.image })
  return { exitCode: out.exitCode ?? 1, output: out.stdall.trim() }
}

/** Starts a container we own; if it cannot start, removes it so no half-made container remains. */
async function startOrRemove(spec: ContainerSpec, id: string): Promise<void> {
  const out = await run(['start', id], { env: spec.env })
  if (out.exitCode === 0) return
  await run(['rm', '--force', '--volumes', id])
  throw explainDockerError(out.stderr, {
    container: spec.name,
    image: spec.image,
    ports: spec.ports,
    hints: spec.hints,
  })
}

export interface EnsureOptions {
  /**
   * Resolves once the container serves (a readiness wait), throws when it never will. Awaited on
   * every path; on a recreate, before the old container is removed, so a replacement that starts
   * but never becomes ready (a model that fails to load) gives the old container back.
   */
  ready?: () => Promise<void>
}

/**
 * Creates the container, keeps it when it already matches `spec` (starting it if stopped), or
 * recreates it when its configuration or its image changed. A container of that name that
 * triton-monitoring did not create is never touched.
 */
export async function ensureContainer(spec: ContainerSpec, options: EnsureOptions = {}): Promise<EnsureResult> {
  for (const m of spec.mounts ?? []) {
    if (m.type === 'bind' && !existsSync(m.source)) {
      throw fail(
        tr(
          `${m.source} does not exist, so it cannot be mounted at ${m.target} in ${spec.name}`,
          `${m.source} 不存在，无法挂载到 ${spec.name} 的 ${m.target}`,
        ),
        tr(
          'run the step from the project folder, or create that folder first',
          '请在项目目录中运行此步骤，或先创建该目录',
        ),
      )
    }
  }
  const imageId = await ensureImage(spec.image, spec.hints)
  const existing = await unparked(spec, await inspectContainer(spec.name))
  const context = { container: spec.name, image: spec.image, ports: spec.ports, hints: spec.hints }
  if (!existing) {
    await assertPortsFree(spec)
    const id = await create(spec, context)
    await startOrRemove(spec, id)
    log.change(tr(`container ${spec.name} created and started`, `已创建并启动容器 ${spec.name}`))
    await options.ready?.()
    return { id, action: 'created' }
  }
  const labels = existing.Config.Labels ?? {}
  if (!managed(labels)) throw foreignName(spec.name, spec.hints)
  const changed = labels[HASH_LABEL] === configHash(spec) ? [] : changedParts(labels[CONFIG_LABEL], desiredConfig(spec))
  if (existing.Image !== imageId) changed.push(tr('image content', '镜像内容'))
  if (changed.length === 0) {
    const state = existing.State.Status
    if (existing.State.Running && state !== 'paused') {
      log.ok(
        tr(
          `container ${spec.name} already runs with this configuration, kept`,
          `容器 ${spec.name} 已按此配置运行，保留`,
        ),
      )
      await options.ready?.()
      return { id: existing.Id, action: 'kept' }
    }
    if (state === 'paused') await docker(['unpause', existing.Id], { context })
    else await startOrRemove(spec, existing.Id)
    log.change(
      tr(
        `container ${spec.name} had the same configuration but was ${state}: started, kept`,
        `容器 ${spec.name} 配置相同但处于 ${state} 状态：已启动并保留`,
      ),
    )
    await options.ready?.()
    return { id: existing.Id, action: 'started' }
  }
  await assertPortsFree(spec, existing)
  log.change(
    tr(
      `container ${spec.name} has a different configuration (${changedPartsText(changed)}): recreating it`,
      `容器 ${spec.name} 的配置不同（${changedPartsText(changed)}）：正在重新创建`,
    ),
  )
  const id = await replace(spec, existing, context, options.ready)
  log.change(tr(`container ${spec.name} recreated and started`, `已重新创建并启动容器 ${spec.name}`))
  return { id, action: 'recreated' }
}

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

/** Whether the engine runs on this machine, so that its published ports are ours to probe. */
let engineHere: Promise<boolean> | undefined

/**
 * Before anything changes: every host port the container is to publish is free, or published
 * by the container it replaces (freed when that one stops). Otherwise a recreate would stop the
 * running container only to find out, and restart it. Only an engine on this machine shares its
 * ports with us; with another one the start itself tells.
 */
async function assertPortsFree(spec: ContainerSpec, replaced?: ContainerInfo): Promise<void> {
  // As make doctor decides it (DOCKER_HOST, else the docker context), asked once per run.
  engineHere ??= engineEndpoint().then(endpointOnThisMachine, () => false)
  if (!(await engineHere)) return
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

/** `docker create`, then the secret files copied in; a container that cannot get them is removed. */
async function create(spec: ContainerSpec, context: FailureContext): Promise<string> {
  const out = await run(createArgs(spec), { env: spec.env })
  if (out.exitCode !== 0) throw explainDockerError(out.stderr, context)
  const id = out.stdout.trim()
  if (spec.secrets?.length) {
    const copied = await run(['cp', '-', `${id}:/`], { input: secretsTar(spec.secrets) })
    if (copied.exitCode !== 0) {
      await run(['rm', '--force', '--volumes', id])
      throw explainDockerError(copied.stderr, context)
    }
  }
  return id
}

/** Where the old container waits while its replacement starts (see `replace`). */
const parkedName = (name: string) => `${name}-previous`

/** The throw-away container `gpuRefusal` starts for a container of this name. */
const probeName = (name: string) => `${name}-gpu-probe`

/**
 * Replaces `old` without ever leaving less than before: the old container steps aside under
 * another name, the new one is created under the real name, and only when it has started (and is
 * `ready`, when the caller says how to tell) is the old one removed. If the new one cannot be
 * created, started or made ready, it is removed and the old one gets its name back and runs again
 * if it ran (stopped only to free its ports), so a failed recreate leaves the stack as it was.
 */
async function replace(
  spec: ContainerSpec,
  old: ContainerInfo,
  context: FailureContext,
  ready?: () => Promise<void>,
): Promise<string> {
  await docker(['rename', old.Id, parkedName(spec.name)], { context })
  let id: string | undefined
  try {
    id = await create(spec, context)
    // Frees the ports the new container publishes too; gracefully, as Grafana writes its database.
    if (old.State.Running) await docker(['stop', old.Id], { context })
    const started = await run(['start', id])
    if (started.exitCode !== 0) throw explainDockerError(started.stderr, context)
    await ready?.()
  } catch (error) {
    if (id) await run(['rm', '--force', '--volumes', id])
    const renamed = await run(['rename', old.Id, spec.name])
    const back = renamed.exitCode === 0 && (!old.State.Running || (await run(['start', old.Id])).exitCode === 0)
    if (!(error instanceof StepError)) throw error
    const note = back
      ? tr(`; the previous container ${spec.name} was kept`, `；原来的容器 ${spec.name} 已保留`)
      : tr(
          `; the previous container could not be restored (\`docker start ${old.Id.slice(0, 12)}\`)`,
          `；原来的容器无法恢复（\`docker start ${old.Id.slice(0, 12)}\`）`,
        )
    // After the first line: a readiness failure carries the new container's log lines below it.
    const [first, ...rest] = error.cause_.split('\n')
    throw new StepError([first + note, ...rest].join('\n'), error.fix, error.exitCode)
  }
  // --volumes: the anonymous volumes of the image's VOLUMEs (prom/prometheus's /prometheus) are
  // never reused by the new container, so they would only pile up; named volumes stay.
  await docker(['rm', '--force', '--volumes', old.Id], { context })
  return id
}

/**
 * A run stopped in the middle of `replace` leaves the old container parked: it is the container
 * again when nothing took its name, and a leftover otherwise.
 */
async function unparked(spec: ContainerSpec, existing: ContainerInfo | undefined): Promise<ContainerInfo | undefined> {
  const name = parkedName(spec.name)
  const parked = await inspectContainer(name)
  if (!parked) return existing
  if (!managed(parked.Config.Labels)) throw foreignName(name, spec.hints)
  if (existing) {
    await docker(['rm', '--force', '--volumes', parked.Id], { context: { container: name } })
    log.change(tr(`container ${name}, left by an interrupted run, removed`, `已删除中断的运行遗留的容器 ${name}`))
    return existing
  }
  await docker(['rename', parked.Id, spec.name], { context: { container: name } })
  log.change(
    tr(
      `container ${name}, left by an interrupted run, is ${spec.name} again`,
      `中断的运行遗留的容器 ${name} 已恢复为 ${spec.name}`,
    ),
  )
  return inspectContainer(spec.name)
}

/** Labels the throw-away container of `gpuRefusal`, so only ours is ever removed by its name. */
export const PROBE_LABEL = 'io.triton-monitoring.gpu-probe'

/**
 * Whether the engine can start a container with `--gpus all` right now: an engine can list the
 * NVIDIA runtime while the driver under it is missing or broken, and only a start tells. Starts a
 * throw-away container of `probe.image` (no network, no ports, no mounts; the command only has to
 * exist) and removes it whatever happens. Returns what the engine said when it refused the GPU,
 * undefined when the container started; any other failure throws its explained error. Touches no
 * other container, so a caller decides before changing anything.
 */
export async function gpuRefusal(probe: { name: string; image: string; args: string[] }): Promise<string | undefined> {
  const name = probeName(probe.name)
  const context = { container: name, image: probe.image }
  const leftover = await inspectContainer(name)
  if (leftover && leftover.Config.Labels?.[PROBE_LABEL] !== 'true') throw foreignName(name)
  if (leftover) await docker(['rm', '--force', leftover.Id], { context })
  const create = ['create', '--name', name, '--label', `${PROBE_LABEL}=true`, '--network', 'none', '--gpus', 'all']
  try {
    for (const args of [
      [...create, probe.image, ...probe.args],
      ['start', name],
    ]) {
      const out = await run(args)
      if (out.exitCode === 0) continue
      if (isGpuRefusal(out.stderr)) return dockerSaid(out.stderr)
      throw explainDockerError(out.stderr, context)
    }
    return undefined
  } finally {
    await run(['rm', '--force', name])
  }
}

/**
 * Removes a container triton-monitoring created. A foreign container of that name is left alone
 * (with a warning); a missing one is fine.
 */
export async function removeContainer(name: string): Promise<'removed' | 'absent' | 'foreign'> {
  const existing = await inspectContainer(name)
  if (!existing) return 'absent'
  if (!managed(existing.Config.Labels)) {
    log.warn(
      tr(
        `container ${name} was not created by triton-monitoring: left alone (\`docker rm -f ${name}\` removes it)`,
        `容器 ${name} 不是 triton-monitoring 创建的：未删除（\`docker rm -f ${name}\` 可删除）`,
      ),
    )
    return 'foreign'
  }
  await docker(['rm', '--force', '--volumes', existing.Id], { context: { container: name } })
  log.change(tr(`container ${name} removed`, `已删除容器 ${name}`))
  return 'removed'
}

/**
 * Removes what a run killed at the wrong moment can leave beside `name`: its parked predecessor
 * (see `replace`) and its GPU probe, each only when it is ours. The next run of the step cleans
 * them up as well; `make down` calls this so that nothing is left.
 */
export async function removeLeftovers(name: string): Promise<void> {
  const ours: [string, (labels: Record<string, string> | null) => boolean][] = [
    [parkedName(name), managed],
    [probeName(name), (labels) => labels?.[PROBE_LABEL] === 'true'],
  ]
  for (const [leftover, isOurs] of ours) {
    const found = await inspectContainer(leftover)
    if (!found || !isOurs(found.Config.Labels)) continue
    await docker(['rm', '--force', '--volumes', found.Id], { context: { container: leftover } })
    log.change(
      tr(`container ${leftover}, left by an interrupted run, removed`, `已删除中断的运行遗留的容器 ${leftover}`),
    )
  }
}

/** Names of the containers (running or not) that carry `label=value`, whoever created them. */
export async function containersLabelled(label: string, value: string): Promise<string[]> {
  const out = await docker(['ps', '--all', '--filter', `label=${label}=${value}`, '--format', '{{.Names}}'])
  return out.split('\n').filter(Boolean).sort()
}

export async function removeNetwork(name: string): Promise<'removed' | 'absent'> {
  if (!(await inspect('network', name))) return 'absent'
  const out = await run(['network', 'rm', name])
  if (out.exitCode !== 0) {
    if (/active endpoints/i.test(out.stderr)) {
      throw fail(
        tr(`network ${name} is still used by other containers`, `网络 ${name} 仍被其他容器使用`),
        tr(
          `see them with \`docker network inspect ${name}\` and stop them first`,
          `用 \`docker network inspect ${name}\` 查看并先停止它们`,
        ),
      )
    }
    throw explainDockerError(out.stderr)
  }
  log.change(tr(`network ${name} removed`, `已删除网络 ${name}`))
  return 'removed'
}

export async function removeVolume(name: string): Promise<'removed' | 'absent'> {
  if (!(await inspect('volume', name))) return 'absent'
  await docker(['volume', 'rm', name])
  log.change(tr(`volume ${name} removed`, `已删除数据卷 ${name}`))
  return 'removed'
}

/**
 * `docker exec -i <container> <args>`, `input` on the command's stdin (never in argv). Returns the
 * command's exit code and output; docker's own failures (no such container, not running, no such
 * command in the image) throw their explained error.
 */
export async function execIn(
  container: string,
  args: readonly string[],
  input?: string,
  timeoutMs = 60_000,
): Promise<{ exitCode: number; output: string }> {
  const started = Date.now()
  const out = await run(['exec', '-i', container, ...args], { input, timeoutMs })
  if (out.exitCode !== 0 && Date.now() - started >= timeoutMs) {
    throw fail(
      tr(
        `\`${args.slice(0, 2).join(' ')}\` in container ${container} did not finish within ${timeoutMs / 1000} s`,
        `容器 ${container} 中的 \`${args.slice(0, 2).join(' ')}\` 在 ${timeoutMs / 1000} 秒内没有结束`,
      ),
      tr(
        `read \`docker logs ${container}\`, then run the step again`,
        `查看 \`docker logs ${container}\` 后重新运行该步骤`,
      ),
    )
  }
  const said = out.stderr.trim()
  if (
    out.exitCode !== 0 &&
    /^(Error response from daemon|OCI runtime exec failed|Cannot connect)|docker: /m.test(said)
  ) {
    if (/executable file not found|no such file or directory/i.test(said)) {
      throw fail(
        tr(
          `container ${container} has no \`${args[0]}\` command (docker: ${dockerSaid(said)})`,
          `容器 ${container} 中没有 \`${args[0]}\` 命令（docker: ${dockerSaid(said)}）`,
        ),
        tr(
          'its image is not the one the steps expect: set the image variable back to its default and run the step again',
          '它的镜像不是这些步骤所需的：把镜像变量恢复为默认值后重新运行该步骤',
        ),
      )
    }
    throw explainDockerError(said, { container })
  }
  return { exitCode: out.exitCode ?? 1, output: out.stdall.trim() }
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
  const out = await run(['container', 'inspect', ...ids], { timeoutMs: ENGINE_TIMEOUT_MS })
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

/** The last lines a container printed (stdout and stderr), for error messages. */
export async function containerLogs(name: string, lines = 30): Promise<string> {
  const out = await run(['logs', '--tail', String(lines), name])
  return out.exitCode === 0 ? out.stdall.trimEnd() : ''
}

function engineIsLocal(): boolean {
  const host = process.env.DOCKER_HOST
  return !host || host === 'unix:///var/run/docker.sock' || host === 'unix:///run/docker.sock'
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)))
}

function nvidiaCdiSpec(dirs: string[]): boolean {
  return dirs.some((dir) => {
    try {
      return readdirSync(dir).some(
        (file) =>
          /\.(ya?ml|json)$/.test(file) &&
          /kind:\s*"?nvidia\.com\/gpu|"kind":\s*"nvidia\.com\/gpu"/.test(readFileSync(join(dir, file), 'utf8')),
      )
    } catch {
      return false
    }
  })
}

/**
 * Whether `--gpus all` can work on this engine. dockerd serves `--gpus` only through the NVIDIA
 * Container Toolkit: an `nvidia` runtime registered in daemon.json (what `nvidia-ctk runtime
 * configure` does), or dockerd finding `nvidia-container-runtime-hook` on its PATH, or (Docker
 * 28.3+, moby#50228) `nvidia-cdi-hook` plus a CDI spec for nvidia.com/gpu. Without one of those,
 * `--gpus all` fails with "could not select device driver". The binaries and spec files can only
 * be checked when the engine runs on this machine.
 */
export async function gpuAvailable(): Promise<boolean> {
  const info = await engineInfo()
  if (info.Runtimes && 'nvidia' in info.Runtimes) return true
  if (!engineIsLocal()) return false
  if (onPath('nvidia-container-runtime-hook')) return true
  return onPath('nvidia-cdi-hook') && nvidiaCdiSpec(info.CDISpecDirs ?? ['/etc/cdi', '/var/run/cdi'])
}

export interface HttpWaitOptions {
  what: string
  timeoutMs: number
  /** The container serving the URL: its exit ends the wait early, its logs explain a timeout. */
  container?: string
  /** Default with a container: read its log (shown with the error). */
  fix?: string
}

/** One look at the engine during a wait: a healthy engine answers an inspect in milliseconds. */
const WAIT_PROBE_TIMEOUT_MS = 5_000

/**
 * Why a wait for `container` can no longer end well, or undefined while it can: the engine does
 * not answer (stopped, or mute past WAIT_PROBE_TIMEOUT_MS), or the container stopped or is gone.
 * Readiness waits ask it each time their probe fails, so a dead engine ends a 300 s wait in
 * seconds and is named, instead of a timeout that blames the service and shows no log.
 */
export async function waitTrouble(container: string, url: string, fix: string): Promise<StepError | undefined> {
  const started = Date.now()
  const out = await run(['container', 'inspect', '--format', '{{json .State}}', container], {
    timeoutMs: WAIT_PROBE_TIMEOUT_MS,
  })
  if (out.exitCode !== 0 && Date.now() - started >= WAIT_PROBE_TIMEOUT_MS) {
    return fail(
      tr(
        `the Docker engine stopped answering while waiting for ${url} ` +
          `(\`docker inspect ${container}\` got no answer within ${WAIT_PROBE_TIMEOUT_MS / 1000} s)`,
        `等待 ${url} 时 Docker 引擎不再响应` +
          `（\`docker inspect ${container}\` 在 ${WAIT_PROBE_TIMEOUT_MS / 1000} 秒内无回答）`,
      ),
      tr(
        'it is stuck: restart it (`sudo systemctl restart docker`, or `make system`), then run the step again',
        '它卡住了：重启它（`sudo systemctl restart docker`，或 `make system`），然后重新运行该步骤',
      ),
    )
  }
  if (out.exitCode !== 0 && !(notFound.test(out.stderr) && !unreachable.test(out.stderr))) {
    const engine = explainDockerError(out.stderr, { container })
    return new StepError(
      tr(`while waiting for ${url}, ${engine.cause_}`, `等待 ${url} 时，${engine.cause_}`),
      tr(`${engine.fix}, then run the step again`, `${engine.fix}，然后重新运行该步骤`),
    )
  }
  const state = out.exitCode === 0 ? (JSON.parse(out.stdout) as ContainerInfo['State']) : undefined
  if (state?.Running) return undefined
  const how = state
    ? tr(`${state.Status}, exit code ${state.ExitCode}`, `${state.Status}，退出码 ${state.ExitCode}`)
    : tr('no such container', '没有这个容器')
  return withLogs(
    fail(
      tr(
        `container ${container} stopped (${how}) before ${url} answered`,
        `容器 ${container} 在 ${url} 响应之前停止了（${how}）`,
      ),
      fix,
    ),
    state ? await containerLogs(container) : '',
  )
}

/**
 * Waits until `url` answers 2xx. With a container, ends early when the engine stops answering or
 * the container stops (waitTrouble), and on timeout shows the container's last log lines.
 */
export async function waitForHttp(url: string, waitOptions: HttpWaitOptions): Promise<void> {
  const { container } = waitOptions
  // Not "the log above": a dead engine shows no log, and a container that printed nothing neither.
  const readLog = tr(`read its log: \`docker logs ${container}\``, `查看它的日志：\`docker logs ${container}\``)
  const options = { ...waitOptions, fix: waitOptions.fix ?? (container ? readLog : '') }
  log.request({ url, note: tr('every 0.5 s until it answers 2xx', '每 0.5 秒一次，直到返回 2xx') })
  const outcome = await waitFor<'ready' | StepError>(
    async () => {
      const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      )
      if (ok) return 'ready'
      return container ? waitTrouble(container, url, options.fix) : false
    },
    {
      what: options.what,
      timeoutMs: options.timeoutMs,
      intervalMs: 500,
      onTimeout: () =>
        fail(
          tr(
            `${options.what}: no answer from ${url} after ${Math.round(options.timeoutMs / 1000)}s`,
            `${options.what}：${Math.round(options.timeoutMs / 1000)} 秒后 ${url} 仍无响应`,
          ),
          options.fix,
        ),
    },
  ).catch(async (error: unknown) => {
    if (error instanceof StepError && container) throw withLogs(error, await containerLogs(container))
    throw error
  })
  if (outcome !== 'ready') throw outcome
}

function withLogs(error: StepError, logs: string): StepError {
  if (!logs) return error
  const heading = tr('last lines of the container log:', '容器日志的最后几行：')
  return new StepError(
    `${error.cause_}\n${heading}\n${logs
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}`,
    error.fix,
    error.exitCode,
  )
}
