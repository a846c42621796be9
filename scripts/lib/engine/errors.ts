// Every failure the docker CLI reports, turned into a cause and a fix a person can act on.
import { tr } from '../output/i18n.ts'
import { fail, type StepError } from '../step/fail.ts'
import type { ContainerSpec, PortSpec } from './spec.ts'
export interface FailureContext {
  container?: string
  image?: string
  ports?: PortSpec[]
  hints?: ContainerSpec['hints']
}

export const unreachable =
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
export function dockerSaid(text: string): string {
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

export function portTaken(port: PortSpec | undefined, quoted = ''): StepError {
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

export function imageMissing(image: string, said: string, hints?: ContainerSpec['hints']): StepError {
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

export function foreignName(name: string, hints?: ContainerSpec['hints']): StepError {
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
