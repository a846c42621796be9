// make doctor's checks of the Docker engine and what it needs: the engine itself and the Engine
// API version pulls will speak, each image (here, or its registry has it for the login the pull
// will use), the GPU runtime, and room for the images still to pull.
import { tr } from '../output/i18n.ts'
import { CLIENT_API, type Endpoint, type EngineInfo, isDockerDesktop } from '../engine/api.ts'
import { apiTooOld, describeEngine, negotiateApi } from '../engine/api-version.ts'
import { docker, engineInfo } from '../engine/cli.ts'
import { diskTight, diskTooSmall, diskVerdict, engineDiskSpace } from '../engine/disk.ts'
import { gpuAvailable } from '../engine/gpu.ts'
import { registryFix } from '../engine/pull-failures.ts'
import { formatBytes } from '../engine/pull-progress.ts'
import { enginePlatform, type Lookup, lookupImage, parseImageRef } from '../engine/registry.ts'
import type { Setting } from '../step/config.ts'
import { type Check, fromError, type Status } from './check.ts'

export async function engineCheck(endpoint: Endpoint): Promise<{ check: Check; info?: EngineInfo }> {
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
    if (endpoint.kind === 'cli') return { check: { check, status: 'ok', message }, info }
    // The version the pulls will speak, chosen as they choose it; the docker CLI above chose its own.
    const api = await negotiateApi(endpoint)
    const ours = `${CLIENT_API.oldest}–${CLIENT_API.newest}`
    const range = describeEngine(api.engine)
    switch (api.kind) {
      case 'speak':
        return {
          check: {
            check,
            status: 'ok',
            message: tr(
              `${message}; pulls speak Engine API ${api.version} (the engine: ${range}; this tool: ${ours})`,
              `${message}；拉取使用 Engine API ${api.version}（引擎：${range}；本工具：${ours}）`,
            ),
          },
          info,
        }
      case 'engine-older':
        return {
          check: {
            check,
            status: 'ok',
            message: tr(
              `${message}; pulls go through the docker CLI: the engine (${range}) is older than this tool's ${ours}, ` +
                'so no progress bar, no stall deadline',
              `${message}；拉取通过 docker 命令：引擎（${range}）比本工具的 ${ours} 旧，因此没有进度条和无进展限制`,
            ),
          },
          info,
        }
      case 'engine-newer':
        return { check: fromError(check, apiTooOld(endpoint.address, api.engine)), info }
    }
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

export interface ImageState {
  setting: Setting<string>
  check: Check
  here: boolean
  /** Compressed bytes to pull, when the image is missing and its registry said. */
  toPull?: number
}

export async function imageCheck(setting: Setting<string>, info: EngineInfo, timeoutMs: number): Promise<ImageState> {
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
    // The login the pull will send (`docker login`), named so a person sees which one was checked.
    const as = lookup.login ? tr(` for ${lookup.login}`, `（${lookup.login} 可拉取）`) : ''
    return state(
      'ok',
      missing(tr(`${lookup.via} has it${as} (${bytes} to pull)`, `${lookup.via} 上有${as}（需拉取 ${bytes}）`)),
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
    case 'wrong-login':
      return state(
        'fail',
        missing(
          tr(
            `${lookup.via} refuses the stored login of ${lookup.login} (a wrong or expired password: ${lookup.detail})`,
            `${lookup.via} 拒绝了 ${lookup.login} 已保存的登录（密码错误或已过期：${lookup.detail}）`,
          ),
        ),
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

export async function gpuCheck(info: EngineInfo): Promise<Check> {
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

export async function diskCheck(info: EngineInfo, endpoint: Endpoint, images: ImageState[]): Promise<Check> {
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
