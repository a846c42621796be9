// make doctor: checks what `make all` needs before anything starts, one line per check (✔, ⚠ or
// ✖) with its fix: the engine, each image (here, or its registry answers), the GPU runtime, free
// disk, every host port, the state folder, Node.js. It changes nothing, and exits 1 when something
// would stop `make all`. The images, containers and ports come from the config, not a list here.
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import pkg from '../package.json' with { type: 'json' }
import { step } from './lib/step/cli.ts'
import { type Config, loadConfig, portsByNumber, type Setting, settingLabel } from './lib/step/config.ts'
import { diskTight, diskTooSmall, diskVerdict, engineDiskSpace } from './lib/engine/disk.ts'
import { docker, engineInfo, gpuAvailable, listenProbe, portHolders, type PortHolder } from './lib/engine/docker.ts'
import {
  type Endpoint,
  type EngineInfo,
  endpointOnThisMachine,
  engineEndpoint,
  isDockerDesktop,
} from './lib/engine/api.ts'
import { fail, StepError } from './lib/step/fail.ts'
import { tr } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { type CheckStatus, printCheck } from './lib/output/checklist.ts'
import { registryFix } from './lib/engine/pull.ts'
import { formatBytes } from './lib/engine/pull-progress.ts'
import { enginePlatform, type Lookup, lookupImage, parseImageRef } from './lib/engine/registry.ts'
import { stateDirName, stateDirProblem } from './lib/state/secrets.ts'

type Status = Exclude<CheckStatus, 'skip'>

/** Stable names for --json; the labels people read are translated. */
type CheckId = 'engine' | 'image' | 'gpu' | 'disk' | 'port' | 'state-folder' | 'node'

const LABEL: Record<CheckId, () => string> = {
  engine: () => tr('Docker engine', 'Docker 引擎'),
  image: () => tr('image', '镜像'),
  gpu: () => 'GPU',
  disk: () => tr('disk', '磁盘'),
  port: () => tr('port', '端口'),
  'state-folder': () => tr('state folder', '状态目录'),
  node: () => 'Node.js',
}

interface Check {
  check: CheckId
  status: Status
  message: string
  fix?: string
  /** The setting the check is about, when there is one (TRITON_IMAGE, GRAFANA_PORT, …). */
  variable?: string
}

const fromError = (check: CheckId, error: unknown, variable?: string): Check =>
  error instanceof StepError
    ? { check, status: 'fail', message: error.cause_, fix: error.fix, variable }
    : { check, status: 'fail', message: (error as Error).message, variable }

function nodeCheck(): Check {
  const wanted = Number(pkg.engines.node.match(/\d+/)?.[0] ?? 0)
  const major = Number(process.versions.node.split('.')[0])
  return major >= wanted
    ? { check: 'node', status: 'ok', message: `${process.version} (${pkg.engines.node})` }
    : {
        check: 'node',
        status: 'fail',
        message: tr(
          `${process.version} is older than ${pkg.engines.node}`,
          `${process.version} 低于 ${pkg.engines.node}`,
        ),
        fix: tr(
          `install Node.js ${wanted} or newer (https://nodejs.org, or your package manager)`,
          `安装 Node.js ${wanted} 或更新版本（https://nodejs.org 或系统包管理器）`,
        ),
      }
}

async function engineCheck(endpoint: Endpoint): Promise<{ check: Check; info?: EngineInfo }> {
  const check = 'engine'
  try {
    const version = JSON.parse(await docker(['version', '--format', '{{json .Server}}'], { timeoutMs: 10_000 })) as {
      Version?: string
      ApiVersion?: string
    }
    const info = await engineInfo(10_000)
    const pulls =
      endpoint.kind === 'cli'
        ? tr(
            `; pulls go through the docker CLI (${endpoint.reason}): no progress bar, no stall deadline`,
            `；拉取通过 docker 命令（${endpoint.reason}）：没有进度条和无进展限制`,
          )
        : ''
    const about = `API ${version.ApiVersion}, ${info.OperatingSystem}, ${info.Architecture}`
    const message = `${version.Version} (${about}) ${tr('at', '地址')} ${endpoint.address}${pulls}`
    return { check: { check, status: 'ok', message }, info }
  } catch (error) {
    return { check: fromError(check, error) }
  }
}

async function imageHere(image: string): Promise<number | undefined> {
  try {
    return Number(await docker(['image', 'inspect', '--format', '{{.Size}}', image], { timeoutMs: 10_000 }))
  } catch {
    return undefined
  }
}

interface ImageState {
  setting: Setting<string>
  check: Check
  here: boolean
  /** Compressed bytes to pull, when the image is missing and its registry said. */
  toPull?: number
}

async function imageCheck(setting: Setting<string>, info: EngineInfo, timeoutMs: number): Promise<ImageState> {
  const { variable, value: image } = setting
  const size = await imageHere(image)
  const state = (status: Status, message: string, fix?: string, toPull?: number): ImageState => ({
    setting,
    here: size !== undefined,
    toPull,
    check: { check: 'image', variable, status, message: `${variable}=${image}: ${message}`, fix },
  })
  if (size !== undefined) return state('ok', `${tr('here', '本机已有')} (${formatBytes(size)})`)
  const ref = parseImageRef(image)
  const lookup: Lookup = await lookupImage(image, {
    timeoutMs,
    platform: enginePlatform(info),
    mirrors: info.RegistryConfig?.Mirrors ?? [],
  })
  const missing = (message: string) => `${tr('not here', '本机没有')}, ${message}`
  if (lookup.kind === 'found') {
    const bytes = formatBytes(lookup.bytes)
    return state(
      'ok',
      missing(tr(`${lookup.via} has it (${bytes} to pull)`, `${lookup.via} 上有（需拉取 ${bytes}）`)),
      undefined,
      lookup.bytes,
    )
  }
  const fix = registryFix(lookup.kind, ref, variable)
  switch (lookup.kind) {
    case 'not-found':
      return state(
        'fail',
        missing(
          tr(
            `${lookup.via} has no such image or tag (${lookup.detail})`,
            `${lookup.via} 上没有这个镜像或标签（${lookup.detail}）`,
          ),
        ),
        fix,
      )
    case 'denied':
      return state(
        'fail',
        missing(tr(`${lookup.via} refuses access (${lookup.detail})`, `${lookup.via} 拒绝访问（${lookup.detail}）`)),
        fix,
      )
    case 'no-platform': {
      const platforms = lookup.platforms.join(', ')
      return state(
        'fail',
        missing(tr(`it is built for ${platforms} only, not for this engine`, `它只有 ${platforms} 版本，不适合此引擎`)),
        fix,
      )
    }
    case 'unreachable': {
      // The engine may reach it where we cannot: through its own proxy.
      const proxied = Boolean(info.HttpsProxy || info.HttpProxy)
      const seconds = timeoutMs / 1000
      const message = tr(
        `its registry ${lookup.via} cannot be reached from here within ${seconds} s: ${lookup.detail}` +
          (proxied ? '; the engine uses a proxy and may reach it' : ''),
        `在 ${seconds} 秒内无法从本机连接其镜像仓库 ${lookup.via}：${lookup.detail}` +
          (proxied ? '；引擎使用代理，可能可以访问' : ''),
      )
      return state(proxied ? 'warn' : 'fail', missing(message), fix)
    }
  }
}

async function gpuCheck(info: EngineInfo): Promise<Check> {
  const check = 'gpu'
  if (isDockerDesktop(info) && process.platform === 'darwin') {
    return {
      check,
      status: 'warn',
      message: tr(
        'Docker Desktop on macOS gives containers no GPU: --gpus auto runs Triton on the CPU (the GPU panels say so)',
        'macOS 上的 Docker Desktop 不向容器提供 GPU：--gpus auto 会在 CPU 上运行 Triton（GPU 面板会注明）',
      ),
    }
  }
  try {
    if (await gpuAvailable()) {
      return {
        check,
        status: 'ok',
        message: tr(
          'the engine has the NVIDIA runtime: --gpus auto asks for the GPU',
          '引擎有 NVIDIA 运行时：--gpus auto 会请求 GPU',
        ),
      }
    }
    return {
      check,
      status: 'warn',
      message: tr(
        'no NVIDIA runtime in this engine: --gpus auto runs Triton on the CPU (the GPU panels say "No GPU metrics")',
        '此引擎没有 NVIDIA 运行时：--gpus auto 会在 CPU 上运行 Triton（GPU 面板显示 “No GPU metrics”）',
      ),
      fix: tr(
        'for the GPU: install the NVIDIA driver and the NVIDIA Container Toolkit (`nvidia-ctk runtime ' +
          'configure --runtime=docker`), then restart dockerd',
        '如需 GPU：安装 NVIDIA 驱动和 NVIDIA Container Toolkit（`nvidia-ctk runtime configure --runtime=docker`），然后重启 dockerd',
      ),
    }
  } catch (error) {
    return fromError(check, error)
  }
}

async function diskCheck(info: EngineInfo, endpoint: Endpoint, images: ImageState[]): Promise<Check> {
  const check = 'disk'
  const space = await engineDiskSpace(info, endpoint)
  if (space.kind === 'skipped') {
    return {
      check,
      status: 'warn',
      message: space.reason,
      fix: tr(
        'check that the engine has room for the images yourself (`docker system df` shows what it holds)',
        '请自行确认引擎有足够空间存放镜像（`docker system df` 显示其占用）',
      ),
    }
  }
  const missing = images.filter((i) => i.toPull !== undefined)
  const bytes = missing.reduce((n, i) => n + (i.toPull ?? 0), 0)
  const free = tr(
    `${formatBytes(space.free)} free under ${space.path}`,
    `${space.path} 下剩余 ${formatBytes(space.free)}`,
  )
  if (bytes === 0) return { check, status: 'ok', message: `${free}; ${tr('nothing to pull', '无需拉取')}` }
  const what = missing.map((i) => i.setting.value).join(', ')
  switch (diskVerdict(space.free, bytes)) {
    case 'ok':
      return {
        check,
        status: 'ok',
        message: `${free}; ${tr(`${formatBytes(bytes)} to pull`, `需拉取 ${formatBytes(bytes)}`)}`,
      }
    case 'tight':
      return { check, status: 'warn', message: diskTight(what, space, bytes) }
    case 'too-small':
      // Layers already here count too (a mirror of an image pulled before): the pull checks them exactly.
      return fromError(check, diskTooSmall(what, space, bytes))
  }
}

async function portChecks(config: Config, holders: PortHolder[] | undefined, engineHere: boolean): Promise<Check[]> {
  const check = 'port'
  const ours = new Set(config.stack.containers.map((c) => c.value))
  const checks: Check[] = []
  for (const [port, settings] of portsByNumber(config)) {
    const names = settings.map((s) => s.variable)
    const where = `${config.bind}:${port} (${settings.map(settingLabel).join(', ')})`
    const variable = names.join(', ')
    if (settings.length > 1) {
      checks.push({
        check,
        variable,
        status: 'fail',
        message: tr(
          `${where}: the same port is set ${settings.length} times`,
          `${where}：同一个端口被设置了 ${settings.length} 次`,
        ),
        fix: tr(
          `give each its own port, e.g. ${names[1]}=<free port>`,
          `为每个设置不同的端口，例如 ${names[1]}=<空闲端口>`,
        ),
      })
      continue
    }
    const holder = holders?.find((h) => h.port === port)
    if (holder?.managed && ours.has(holder.container)) {
      checks.push({
        check,
        variable,
        status: 'ok',
        message: tr(
          `${where}: held by this stack's ${holder.container}`,
          `${where}：由本套服务的 ${holder.container} 占用`,
        ),
      })
      continue
    }
    if (holder) {
      checks.push({
        check,
        variable,
        status: 'fail',
        message: tr(`${where}: taken by container ${holder.container}`, `${where}：被容器 ${holder.container} 占用`),
        fix: tr(
          `stop it (\`docker stop ${holder.container}\`) if it is not needed, or pick another port: ${names[0]}=<free port>`,
          `如不需要请停止它（\`docker stop ${holder.container}\`），或换一个端口：${names[0]}=<空闲端口>`,
        ),
      })
      continue
    }
    if (!engineHere) {
      checks.push({
        check,
        variable,
        status: 'ok',
        message: tr(
          `${where}: no container holds it (the engine runs elsewhere: its other programs are not checked)`,
          `${where}：没有容器占用（引擎在其他机器上：未检查那里的其他程序）`,
        ),
      })
      continue
    }
    const error = await listenProbe(config.bind, port)
    // Below 1024 only root may listen; docker binds it as root, so the probe says nothing then.
    if (!error || error === 'EACCES') {
      checks.push({ check, variable, status: 'ok', message: tr(`${where}: free`, `${where}：空闲`) })
    } else if (error === 'EADDRINUSE') {
      checks.push({
        check,
        variable,
        status: 'fail',
        message: tr(`${where}: taken by another program`, `${where}：被其他程序占用`),
        fix: tr(
          `free it (\`ss -ltnp 'sport = :${port}'\` shows who holds it) or pick another port: ${names[0]}=<free port>`,
          `释放它（\`ss -ltnp 'sport = :${port}'\` 可查看占用者），或换一个端口：${names[0]}=<空闲端口>`,
        ),
      })
    } else {
      checks.push({
        check,
        variable,
        status: 'fail',
        message: tr(`${where}: cannot be published here (${error})`, `${where}：无法在此发布（${error}）`),
        fix: tr(
          'set BIND_ADDRESS to an address of this machine (127.0.0.1, the default, or 0.0.0.0)',
          '把 BIND_ADDRESS 设为本机地址（默认 127.0.0.1，或 0.0.0.0）',
        ),
      })
    }
  }
  return checks
}

function stateCheck(): Check {
  const check = 'state-folder'
  const dir = stateDirName()
  const path = resolve(dir)
  if (!existsSync(dir)) {
    const parent = dirname(path)
    const problem = existsSync(parent) ? undefined : tr(`${parent} does not exist`, `${parent} 不存在`)
    return problem
      ? {
          check,
          variable: 'STATE_DIR',
          status: 'fail',
          message: problem,
          fix: tr('point STATE_DIR at a folder that can be created', '把 STATE_DIR 指向可以创建的目录'),
        }
      : {
          check,
          variable: 'STATE_DIR',
          status: 'ok',
          message: tr(`${path}: created 0700 on first use`, `${path}：首次使用时以 0700 创建`),
        }
  }
  const problem = stateDirProblem(dir)
  if (problem) return fromError(check, problem, 'STATE_DIR')
  return { check, variable: 'STATE_DIR', status: 'ok', message: tr(`${path}: private (0700)`, `${path}：私有（0700）`) }
}

function print(c: Check): void {
  printCheck(LABEL[c.check](), c.status, c.message, c.fix)
}

await step(
  {
    name: 'doctor',
    summary: tr(
      'Check what make all needs: engine, images, GPU, disk, ports, state folder, Node.js',
      '检查 make all 所需的一切：引擎、镜像、GPU、磁盘、端口、状态目录、Node.js',
    ),
    replaces:
      'docker version; docker info; docker images; curl https://<registry>/v2/; df -h /var/lib/docker; ss ' +
      '-ltnp; ls -ld .state; node --version',
    env: {
      '*_IMAGE': tr(
        'images checked (present, or their registry answers)',
        '检查的镜像（本机已有，或其镜像仓库有响应）',
      ),
      '*_PORT, BIND_ADDRESS': tr('host ports checked', '检查的主机端口'),
      STATE_DIR: tr('state folder checked (.state)', '检查的状态目录（.state）'),
    },
    // It changes nothing, not even the state folder: no outcome is kept for the report.
    record: false,
    flags: {
      json: { type: 'boolean', help: tr('print the checks as JSON on stdout', '在标准输出打印 JSON 格式的检查结果') },
      'registry-timeout': {
        type: 'number',
        help: tr('seconds each registry may take to answer', '每个镜像仓库的响应时限（秒）'),
        default: 5,
        min: 1,
      },
    },
  },
  async (flags) => {
    const config = loadConfig()
    const checks: Check[] = []
    const report = (...found: Check[]) => {
      checks.push(...found)
      if (!flags.json) for (const c of found) print(c)
    }
    const endpoint = await engineEndpoint()
    const engine = await engineCheck(endpoint)
    report(engine.check)
    const { info } = engine
    let holders: PortHolder[] | undefined
    if (info) {
      const images = await Promise.all(
        config.stack.images.map((s) => imageCheck(s, info, flags['registry-timeout'] * 1000)),
      )
      report(...images.map((i) => i.check))
      report(await gpuCheck(info))
      report(await diskCheck(info, endpoint, images))
      holders = await portHolders().catch(() => undefined)
    }
    // Docker Desktop publishes ports on this machine too, so a program here can hold one.
    report(...(await portChecks(config, holders, endpointOnThisMachine(endpoint))))
    report(stateCheck())
    report(nodeCheck())
    const failed = checks.filter((c) => c.status === 'fail')
    const warned = checks.filter((c) => c.status === 'warn')
    if (flags.json) process.stdout.write(`${JSON.stringify({ ok: failed.length === 0, checks }, null, 2)}\n`)
    if (failed.length) {
      throw fail(
        tr(
          `${failed.length} of ${checks.length} checks failed: \`make all\` would stop at ${failed.length === 1 ? 'it' : 'them'}`,
          `${checks.length} 项检查中有 ${failed.length} 项失败：\`make all\` 会因此停止`,
        ),
        tr('fix the ✖ lines above, then run `make doctor` again', '请修复上面标 ✖ 的项，然后再次运行 `make doctor`'),
      )
    }
    log.ok(
      warned.length
        ? tr(
            `ready for \`make all\` (${warned.length} warning${warned.length === 1 ? '' : 's'} above)`,
            `可以运行 \`make all\`（上面有 ${warned.length} 条警告）`,
          )
        : tr('ready for `make all`', '可以运行 `make all`'),
    )
  },
)
