// Why a pull failed, in words a person can act on: the engine's message read as a registry that
// refused, lacks the image, has no build for this platform, or cannot be reached, each with its
// fix; and a pull that stalled. `make doctor` words the registry's answers with the same fixes.
import { tr } from '../output/i18n.ts'
import { fail, type StepError } from '../step/fail.ts'
import { freeUpFix } from './disk.ts'
import { type PullProgress, progressSummary } from './pull-progress.ts'
import { type ImageRef, type Lookup, parseImageRef } from './registry.ts'

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
export type RegistryTrouble = 'denied' | 'wrong-login' | 'not-found' | 'no-platform' | 'unreachable'

/** The fix for each kind of registry trouble: one wording for the pull's failure and the doctor's. */
export function registryFix(trouble: RegistryTrouble, ref: ImageRef, variable: string): string {
  const login = `\`docker login ${ref.registry === 'docker.io' ? '' : ref.registry}\``
  switch (trouble) {
    case 'denied':
      return tr(
        `log in first (${login}), check the name, or point ${variable} at an image you can pull`,
        `先登录（${login}），检查镜像名，或把 ${variable} 指向可以拉取的镜像`,
      )
    case 'wrong-login':
      return tr(
        `log in again with the right password (${login}; the pull and \`make doctor\` use that login), or point ` +
          `${variable} at an image you can pull`,
        `用正确的密码重新登录（${login}；拉取和 \`make doctor\` 都使用该登录），或把 ${variable} 指向可以拉取的镜像`,
      )
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
  context: {
    variable?: string
    dataRoot?: string
    /** Who the pull logged in as (`docker login`), when it sent credentials. */
    login?: string
  } = {},
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
  const { login } = context
  const troubles: [RegExp, RegistryTrouble, string][] = [
    [
      /no matching manifest/i,
      'no-platform',
      tr("it has no build for this engine's platform", '它没有适合此引擎平台的版本'),
    ],
    ...(login
      ? ([
          [
            /unauthorized|authentication required|no basic auth credentials/i,
            'wrong-login',
            tr(
              `the registry refused the stored login of ${login} (a wrong or expired password)`,
              `镜像仓库拒绝了 ${login} 已保存的登录（密码错误或已过期）`,
            ),
          ],
        ] as [RegExp, RegistryTrouble, string][])
      : []),
    [
      /unauthorized|authentication required|no basic auth credentials|denied|forbidden/i,
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

export function stalled(
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
