// Step 2: Triton serving models/, with a GPU only when the engine can give one, ports on
// BIND_ADDRESS, and no return until the server and the model say they are ready. Each replica is
// listed in Prometheus's targets file, which Prometheus re-reads by itself.
import { resolve } from 'node:path'
import { ensureEngine } from './lib/engine/cli.ts'
import { containersLabelled, ensureContainer, removeContainer } from './lib/engine/containers.ts'
import { ensureImage } from './lib/engine/images.ts'
import { ensureNetwork } from './lib/engine/networks.ts'
import { pullEnv, pullFlags, pullSettings } from './lib/engine/pull-settings.ts'
import type { ContainerSpec } from './lib/engine/spec.ts'
import { t } from './lib/output/i18n.ts'
import { writeTritonTargets } from './lib/prometheus/files.ts'
import { step } from './lib/step/cli.ts'
import { assertDistinctPorts, type Config, loadConfig, type TritonReplica } from './lib/step/config.ts'
import { warnIfExposed } from './lib/step/exposure.ts'
import { chooseGpus, type GpuMode } from './lib/triton/gpus.ts'
import { modelProblem } from './lib/triton/model-repository.ts'
import { REPLICA_LABEL, REPLICA_PORT_STEP, TRITON_ARGS, TRITON_PORTS } from './lib/triton/names.ts'
import { logReady, waitReady } from './lib/triton/replicas.ts'

/** One replica's container, as a compose service reads: image, network, ports, mounts, command. */
const tritonService = (config: Config, replica: TritonReplica, models: string, gpus: boolean): ContainerSpec => ({
  name: replica.name,
  image: config.triton.image,
  network: config.network,
  // The name every replica answers to on the network, like a Kubernetes Service: `triton:8000`
  // reaches one of them (DNS round robin); replica 1 is also named so, which changes nothing.
  aliases: [config.triton.container],
  // How a scale-down finds the replicas a larger count left.
  labels: { [REPLICA_LABEL]: config.triton.container },
  ports: [
    { address: config.bind, host: replica.httpPort, container: TRITON_PORTS.http, variable: 'TRITON_HTTP_PORT' },
    { address: config.bind, host: replica.grpcPort, container: TRITON_PORTS.grpc, variable: 'TRITON_GRPC_PORT' },
    {
      address: config.bind,
      host: replica.metricsPort,
      container: TRITON_PORTS.metrics,
      variable: 'TRITON_METRICS_PORT',
    },
  ],
  mounts: [{ type: 'bind', source: models, target: '/models', readOnly: true }],
  args: TRITON_ARGS,
  gpus,
  hints: { nameVariable: 'TRITON_CONTAINER', imageVariable: 'TRITON_IMAGE' },
})

await step(
  {
    name: '02-triton',
    lock: true,
    summary: t('Triton Inference Server serving models/'),
    replaces:
      'docker run -d --gpus all --name triton --network ai-monitor-net -v $PWD/models:/models ' +
      '-p 8000:8000 -p 8001:8001 -p 8002:8002 nvcr.io/nvidia/tritonserver:23.05-py3 tritonserver --model-repository=/models',
    env: {
      TRITON_IMAGE: t('Triton image'),
      TRITON_CONTAINER: t(
        'container name (triton): replica 1, the others triton-2, triton-3, …; all ' + 'answer to it on the network',
      ),
      TRITON_REPLICAS: t('how many Triton containers (1); a re-run with another count adds or removes replicas'),
      'TRITON_HTTP_PORT, TRITON_GRPC_PORT, TRITON_METRICS_PORT': t(
        'host ports of replica 1 (8000, 8001, 8002); replica k adds (k-1)×{REPLICA_PORT_STEP}',
        { REPLICA_PORT_STEP },
      ),
      BIND_ADDRESS: t('host address the ports are published on (127.0.0.1)'),
      MODEL: t('model whose readiness is awaited (mnist_mlp)'),
      NETWORK: t('Docker network (ai-monitor-net)'),
      ...pullEnv,
    },
    flags: {
      models: {
        type: 'string',
        help: t('model repository folder, mounted read-only at /models'),
        default: 'models',
      },
      gpus: {
        type: 'string',
        choices: ['auto', 'all', 'none'],
        default: 'auto',
        help: t(
          'auto: --gpus all when a GPU container can start, else the CPU; all: the GPU ' +
            'or a failure with its fix; none: never',
        ),
      },
      timeout: { type: 'number', help: t('seconds to wait for readiness'), default: 300, min: 1 },
      ...pullFlags,
    },
  },
  async (flags) => {
    const config = loadConfig()
    const { triton } = config
    const models = resolve(flags.models)
    // Everything checkable before a running Triton is touched: a bad value changes nothing.
    assertDistinctPorts(config)
    warnIfExposed(config)
    const problem = modelProblem(models, config.model)
    if (problem) throw problem
    const first = tritonService(config, triton.replicas[0]!, models, false)

    // Converge: image (the long part of a first run, before anything changes), GPU, network, replicas.
    await ensureEngine()
    await ensureImage(first.image, first.hints, pullSettings(flags['pull-stall-timeout']))
    const gpus = await chooseGpus(flags.gpus as GpuMode, first)
    await ensureNetwork(config.network)
    const before = await containersLabelled(REPLICA_LABEL, triton.container)
    // One replica at a time, each awaited inside ensureContainer: a replacement that starts but never
    // gets ready (a model that fails to load) is removed and the Triton that ran before runs again.
    for (const replica of triton.replicas) {
      await ensureContainer(tritonService(config, replica, models, gpus), {
        ready: () => waitReady(config, replica, models, flags.timeout),
      })
    }
    // Prometheus scrapes the wanted replicas from now on, before any other one goes: a replica
    // removed below is no target by then, so no alert fires for a scale-down.
    const wanted = triton.replicas.map((r) => r.name)
    writeTritonTargets(config, wanted)
    // Only once the wanted replicas serve: a scale-down that fails half-way leaves more, never fewer.
    for (const name of before) if (!wanted.includes(name)) await removeContainer(name)
    logReady(config)
  },
)
