// make doctor's checks of the Docker engine and what it needs: the engine itself and the Engine
// API version pulls will speak, each image (here, or its registry has it for the login the pull
// will use), the GPU runtime, and room for the images still to pull.
import { t } from '../output/i18n.ts'
import { CLIENT_API, type Endpoint, type EngineInfo, isDockerDesktop } from '../engine/api.ts'
import { apiTooOld, describeEngine, negotiateApi } from '../engine/api-version.ts'
import { docker, engineInfo, inspect } from '../engine/cli.ts'
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
        ? t('; pulls go through the docker CLI ({reason}): no progress bar, no stall deadline', {
            reason: endpoint.reason,
          })
        : ''
    const about = `API ${version.ApiVersion}, ${info.OperatingSystem}, ${info.Architecture}`
    const message = `${version.Version} (${about}) ${t('at')} ${endpoint.address}${pulls}`
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
            message: t('{message}; pulls speak Engine API {version} (the engine: {range}; this tool: {ours})', {
              message,
              version: api.version,
              range,
              ours,
            }),
          },
          info,
        }
      case 'engine-older':
        return {
          check: {
            check,
            status: 'ok',
            message: t(
              '{message}; pulls go through the docker CLI: the engine ({range}) is older ' +
                "than this tool's {ours}, so no progress bar, no stall deadline",
              { message, range, ours },
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

/** The image's size, or undefined only when the engine says it has no such image (inspect throws otherwise). */
async function imageHere(image: string): Promise<number | undefined> {
  return (await inspect<{ Size: number }>('image', image))?.Size
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
  let size: number | undefined
  try {
    size = await imageHere(image)
  } catch (error) {
    return { setting, here: false, check: fromError('image', error, variable) }
  }
  const state = (status: Status, message: string, fix?: string, toPull?: number): ImageState => ({
    setting,
    here: size !== undefined,
    toPull,
    check: {
      check: 'image',
      variable,
      status,
      message: t('{variable}={image}: {message}', { variable, image, message }),
      fix,
    },
  })
  if (size !== undefined) return state('ok', t('here ({size})', { size: formatBytes(size) }))
  const ref = parseImageRef(image)
  const lookup: Lookup = await lookupImage(image, {
    timeoutMs,
    platform: enginePlatform(info),
    mirrors: info.RegistryConfig?.Mirrors ?? [],
  })
  const missing = (message: string) => `${t('not here')}, ${message}`
  if (lookup.kind === 'found') {
    const bytes = formatBytes(lookup.bytes)
    // The login the pull will send (`docker login`), named so a person sees which one was checked.
    const as = lookup.login ? t(' for {login}', { login: lookup.login }) : ''
    return state(
      'ok',
      missing(t('{via} has it{as} ({bytes} to pull)', { via: lookup.via, as, bytes })),
      undefined,
      lookup.bytes,
    )
  }
  const fix = registryFix(lookup.kind, ref, variable)
  switch (lookup.kind) {
    case 'not-found':
      return state(
        'fail',
        missing(t('{via} has no such image or tag ({detail})', { via: lookup.via, detail: lookup.detail })),
        fix,
      )
    case 'denied':
      return state(
        'fail',
        missing(t('{via} refuses access ({detail})', { via: lookup.via, detail: lookup.detail })),
        fix,
      )
    case 'wrong-login':
      return state(
        'fail',
        missing(
          t('{via} refuses the stored login of {login} (a wrong or expired password: {detail})', {
            via: lookup.via,
            login: lookup.login,
            detail: lookup.detail,
          }),
        ),
        fix,
      )
    case 'no-platform': {
      const platforms = lookup.platforms.join(', ')
      return state('fail', missing(t('it is built for {platforms} only, not for this engine', { platforms })), fix)
    }
    case 'unreachable': {
      // The engine may reach it where we cannot: through its own proxy.
      const proxied = Boolean(info.HttpsProxy || info.HttpProxy)
      const seconds = timeoutMs / 1000
      const message = t('its registry {via} cannot be reached from here within {seconds} s: {detail}{proxied}', {
        via: lookup.via,
        seconds,
        detail: lookup.detail,
        proxied: proxied ? t('; the engine uses a proxy and may reach it') : '',
      })
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
      message: t(
        'Docker Desktop on macOS gives containers no GPU: --gpus auto runs Triton on ' +
          'the CPU (the GPU panels say so)',
      ),
    }
  }
  try {
    if (await gpuAvailable()) {
      return {
        check,
        status: 'ok',
        message: t('the engine has the NVIDIA runtime: --gpus auto asks for the GPU'),
      }
    }
    return {
      check,
      status: 'warn',
      message: t(
        'no NVIDIA runtime in this engine: --gpus auto runs Triton on the CPU (the GPU ' +
          'panels say "No GPU metrics")',
      ),
      fix: t(
        'for the GPU: install the NVIDIA driver and the NVIDIA Container Toolkit ' +
          '(`nvidia-ctk runtime configure --runtime=docker`), then restart dockerd',
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
      fix: t('check that the engine has room for the images yourself (`docker system df` shows what it holds)'),
    }
  }
  const missing = images.filter((i) => i.toPull !== undefined)
  const bytes = missing.reduce((n, i) => n + (i.toPull ?? 0), 0)
  const free = t('{formatBytes} free under {path}', { formatBytes: formatBytes(space.free), path: space.path })
  if (bytes === 0) return { check, status: 'ok', message: `${free}; ${t('nothing to pull')}` }
  const what = missing.map((i) => i.setting.value).join(', ')
  switch (diskVerdict(space.free, bytes)) {
    case 'ok':
      return {
        check,
        status: 'ok',
        message: `${free}; ${t('{formatBytes} to pull', { formatBytes: formatBytes(bytes) })}`,
      }
    case 'tight':
      return { check, status: 'warn', message: diskTight(what, space, bytes) }
    case 'too-small':
      // Layers already here count too (a mirror of an image pulled before): the pull checks them exactly.
      return fromError(check, diskTooSmall(what, space, bytes))
  }
}
