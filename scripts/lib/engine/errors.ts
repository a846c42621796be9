// Every failure the docker CLI reports, turned into a cause and a fix a person can act on.
import { t } from '../output/i18n.ts'
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

/** A create or a rename to a name another container already has. */
export const NAME_IN_USE = /Conflict\. The container name .* is already in use/i

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
      t('the docker command is not installed'),
      t('install Docker (Debian: `sudo apt-get install docker.io`, or `make system`)'),
    )
  }
  if (/permission denied.*docker(\.sock| daemon socket)/i.test(stderr)) {
    return fail(
      t("no permission to use the Docker engine's socket{quoted}", { quoted }),
      t('add yourself to the docker group (`sudo usermod -aG docker $USER`, then log ' + 'in again) or run as root'),
    )
  }
  if (unreachable.test(stderr)) {
    const host = process.env.DOCKER_HOST
    return fail(
      t('the Docker engine is not answering{host}{quoted}', {
        host: host ? t(' at DOCKER_HOST={host}', { host }) : '',
        quoted,
      }),
      host
        ? t('start the engine there, or unset DOCKER_HOST to use the local one')
        : t('start it: `sudo systemctl start docker` (or `make system`, which starts dockerd)'),
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
      t('a GPU was asked for, but this Docker engine cannot provide one{quoted}', { quoted }),
      t(
        'make `nvidia-smi` work on the host (install or repair the NVIDIA driver) and ' +
          'install the NVIDIA Container Toolkit ' +
          '(`nvidia-ctk runtime configure --runtime=docker`, then restart dockerd); or ' +
          'run on the CPU: `make triton ARGS="--gpus none"`',
      ),
    )
  }
  if (NAME_IN_USE.test(stderr)) {
    return foreignName(context.container ?? '?', context.hints)
  }
  if (context.image && /pull access denied|manifest unknown|No such image|repository does not exist/i.test(stderr)) {
    return imageMissing(context.image, said, context.hints)
  }
  return fail(
    t('the Docker engine refused{container}: {said}', {
      container: context.container ? t(' (container {container})', { container: context.container }) : '',
      said: said || t('no message'),
    }),
    t("read Docker's message above; `docker info` shows whether the engine is healthy"),
  )
}

export function portTaken(port: PortSpec | undefined, quoted = ''): StepError {
  const where = port ? `${port.address}:${port.host}` : t('a published port')
  return fail(
    t('port {where} is already taken by another program or container{quoted}', { where, quoted }),
    port
      ? t(
          "free it (`ss -ltnp 'sport = :{host}'` shows who holds it) or pick another " +
            'port: {variable}=<free port>; `make doctor` checks every port of the stack',
          { host: port.host, variable: port.variable ?? t('the port setting') },
        )
      : t('free the port or choose another one in the environment'),
  )
}

export function imageMissing(image: string, said: string, hints?: ContainerSpec['hints']): StepError {
  const variable = hints?.imageVariable ?? 'the image setting'
  return fail(
    t('image {image} is not on this machine and could not be pulled{said}', {
      image,
      said: said ? t(' (docker: {said})', { said }) : '',
    }),
    t(
      'connect to its registry (and `docker login` if it needs one), load it with ' +
        '`docker load`, or point {variable} at an image this machine has ' +
        '(`docker images`; for local test images: eval "$(make -s images)")',
      { variable },
    ),
  )
}

export function foreignName(name: string, hints?: ContainerSpec['hints']): StepError {
  return fail(
    t('a container named "{name}" exists but was not created by triton-monitoring, so it is left alone', { name }),
    t('remove it yourself if it is not needed (`docker rm -f {name}`), or choose ' + 'another name{nameVariable}', {
      name,
      nameVariable: hints?.nameVariable ? t(' with {nameVariable}=<name>', { nameVariable: hints.nameVariable }) : '',
    }),
  )
}
