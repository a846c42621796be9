// Whether Triton gets `--gpus all`, decided before any container changes, and said with its reason.
import { explainDockerError } from '../engine/errors.ts'
import { gpuAvailable, gpuRefusal } from '../engine/gpu.ts'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'

export type GpuMode = 'auto' | 'all' | 'none'

/**
 * An engine that lists the NVIDIA runtime may still be unable to give a GPU (toolkit installed,
 * driver missing or broken): only starting a throw-away container with it tells, so auto and all
 * both try that first. auto then runs on the CPU and says why; all stops with the cause and fix,
 * leaving a running Triton as it is. Asked on every run, so a CPU container made earlier is kept
 * while the GPU still fails, and replaced by a GPU one on the first run after the driver works.
 */
export async function chooseGpus(
  mode: GpuMode,
  triton: { name: string; image: string; hints?: { nameVariable?: string; imageVariable?: string } },
): Promise<boolean> {
  if (mode === 'none') {
    log.info(t('GPU: not requested (--gpus none)'))
    return false
  }
  if (mode === 'auto' && !(await gpuAvailable())) {
    log.info(t('GPU: this engine has no NVIDIA runtime, running on CPU (GPU metrics will be absent)'))
    return false
  }
  // `tritonserver --help` only has to start: the engine refuses the GPU before any command runs.
  const refused = await gpuRefusal({ name: triton.name, image: triton.image, args: ['tritonserver', '--help'] })
  if (refused === undefined) {
    log.info(t('GPU: the engine provides one, passing --gpus all'))
    return true
  }
  if (mode === 'all') throw explainDockerError(refused, { container: triton.name, hints: triton.hints })
  log.warn(
    t(
      'GPU: the NVIDIA runtime is installed but cannot give a GPU ({refused}), ' +
        'running on CPU; --gpus all forces the GPU',
      { refused },
    ),
  )
  return false
}
