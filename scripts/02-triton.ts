// Step 2: Triton serving models/, with a GPU only when the engine can give one, ports on
// BIND_ADDRESS, and no return until the server and the model say they are ready.
import { resolve } from 'node:path'
import { step } from './lib/step/cli.ts'
import { assertDistinctPorts, type Config, loadConfig, type TritonReplica, url } from './lib/step/config.ts'
import { warnIfExposed } from './lib/step/exposure.ts'
import {
  containersLabelled,
  ensureContainer,
  ensureEngine,
  ensureImage,
  ensureNetwork,
  explainDockerError,
  gpuAvailable,
  gpuRefusal,
  removeContainer,
  waitForHttp,
} from './lib/engine/docker.ts'
import { tr } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { modelProblem } from './lib/triton/model-repository.ts'
import { pullEnv, pullFlags, pullSettings } from './lib/engine/pull.ts'
import { formatTable } from './lib/output/table.ts'
import { REPLICA_LABEL, REPLICA_PORT_STEP, TRITON_ARGS, TRITON_PORTS } from './lib/triton/names.ts'
import { laterInThisRun } from './lib/step/make-run.ts'

type GpuMode = 'auto' | 'all' | 'none'

/** Waits until a replica's server, then its model, say they are ready; a stopped container ends the wait. */
async function waitReady(config: Config, replica: TritonReplica, models: string, timeoutS: number): Promise<void> {
  const http = url(config, replica.httpPort)
  const wait = { timeoutMs: timeoutS * 1000, container: replica.name }
  await waitForHttp(`${http}/v2/health/ready`, {
    ...wait,
    what: tr(`waiting for ${replica.name} to be ready`, `等待 ${replica.name} 就绪`),
    fix: tr(
      `read its log (\`docker logs ${replica.name}\`): a model that fails to load keeps Triton unready`,
      `查看它的日志（\`docker logs ${replica.name}\`）：模型加载失败会使 Triton 一直未就绪`,
    ),
  })
  await waitForHttp(`${http}/v2/models/${config.model}/ready`, {
    ...wait,
    what: tr(`waiting for model ${config.model} on ${replica.name}`, `等待 ${replica.name} 上的模型 ${config.model}`),
    fix: tr(
      `check that ${models}/${config.model} is a valid model (\`docker logs ${replica.name}\`)`,
      `请检查 ${models}/${config.model} 是否为有效模型（\`docker logs ${replica.name}\`）`,
    ),
  })
}

/** One line per replica: its container and where its ports are reached from this machine. */
function replicaTable(config: Config): string {
  const rows = [
    ['REPLICA', 'HTTP', 'GRPC', 'METRICS'],
    ...config.triton.replicas.map((r) => [
      r.name,
      url(config, r.httpPort),
      String(r.grpcPort),
      `${url(config, r.metricsPort)}/metrics`,
    ]),
  ]
  return formatTable(rows)
}

/**
 * Decides `--gpus all` before any container changes. An engine that lists the NVIDIA runtime may
 * still be unable to give a GPU (toolkit installed, driver missing or broken): only starting a
 * throw-away container with it tells, so auto and all both try that first. auto then runs on the
 * CPU and says why; all stops with the cause and fix, leaving a running Triton as it is. Asked on
 * every run, so a CPU container made earlier is kept while the GPU still fails, and replaced by a
 * GPU one on the first run after the driver works.
 */
async function chooseGpus(
  mode: GpuMode,
  triton: { name: string; image: string; hints: { nameVariable: string; imageVariable: string } },
): Promise<boolean> {
  if (mode === 'none') {
    log.info(tr('GPU: not requested (--gpus none)', 'GPU：未请求（--gpus none）'))
    return false
  }
  if (mode === 'auto' && !(await gpuAvailable())) {
    log.info(
      tr(
        'GPU: this engine has no NVIDIA runtime, running on CPU (GPU metrics will be absent)',
        'GPU：此引擎没有 NVIDIA 运行时，使用 CPU 运行（不会有 GPU 指标）',
      ),
    )
    return false
  }
  // `tritonserver --help` only has to start: the engine refuses the GPU before any command runs.
  const refused = await gpuRefusal({ name: triton.name, image: triton.image, args: ['tritonserver', '--help'] })
  if (refused === undefined) {
    log.info(tr('GPU: the engine provides one, passing --gpus all', 'GPU：引擎可提供 GPU，使用 --gpus all'))
    return true
  }
  if (mode === 'all') throw explainDockerError(refused, { container: triton.name, hints: triton.hints })
  log.warn(
    tr(
      `GPU: the NVIDIA runtime is installed but cannot give a GPU (${refused}), running on CPU; --gpus all forces the GPU`,
      `GPU：已安装 NVIDIA 运行时，但无法提供 GPU（${refused}），改用 CPU 运行；--gpus all 可强制使用 GPU`,
    ),
  )
  return false
}

await step(
  {
    name: '02-triton',
    lock: true,
    summary: tr('Triton Inference Server serving models/', '运行 Triton 推理服务器并加载 models/'),
    replaces:
      'docker run -d --gpus all --name triton --network ai-monitor-net -v $PWD/models:/models ' +
      '-p 8000:8000 -p 8001:8001 -p 8002:8002 nvcr.io/nvidia/tritonserver:23.05-py3 tritonserver --model-repository=/models',
    env: {
      TRITON_IMAGE: tr('Triton image', 'Triton 镜像'),
      TRITON_CONTAINER: tr(
        'container name (triton): replica 1, the others triton-2, triton-3, …; all answer to it on the network',
        '容器名称（triton）：第 1 个副本，其余为 triton-2、triton-3……；在网络上都响应这个名称',
      ),
      TRITON_REPLICAS: tr(
        'how many Triton containers (1); a re-run with another count adds or removes replicas',
        'Triton 容器数量（1）；用另一个数量重新运行会增加或删除副本',
      ),
      'TRITON_HTTP_PORT, TRITON_GRPC_PORT, TRITON_METRICS_PORT': tr(
        `host ports of replica 1 (8000, 8001, 8002); replica k adds (k-1)×${REPLICA_PORT_STEP}`,
        `第 1 个副本的主机端口（8000、8001、8002）；第 k 个副本加 (k-1)×${REPLICA_PORT_STEP}`,
      ),
      BIND_ADDRESS: tr('host address the ports are published on (127.0.0.1)', '端口发布到的主机地址（127.0.0.1）'),
      MODEL: tr('model whose readiness is awaited (mnist_mlp)', '等待就绪的模型（mnist_mlp）'),
      NETWORK: tr('Docker network (ai-monitor-net)', 'Docker 网络（ai-monitor-net）'),
      ...pullEnv,
    },
    flags: {
      models: {
        type: 'string',
        help: tr('model repository folder, mounted read-only at /models', '模型仓库目录，以只读方式挂载到 /models'),
        default: 'models',
      },
      gpus: {
        type: 'string',
        choices: ['auto', 'all', 'none'],
        default: 'auto',
        help: tr(
          'auto: --gpus all when a GPU container can start, else the CPU; all: the GPU or a failure with its fix; none: never',
          'auto：能启动 GPU 容器时使用 --gpus all，否则用 CPU；all：必须用 GPU，否则报错并给出修复方法；none：从不',
        ),
      },
      timeout: { type: 'number', help: tr('seconds to wait for readiness', '等待就绪的秒数'), default: 300, min: 1 },
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
    await ensureEngine()
    const hints = { nameVariable: 'TRITON_CONTAINER', imageVariable: 'TRITON_IMAGE' }
    // The long part of a first run, before anything is created: a pull that fails changes nothing.
    await ensureImage(triton.image, hints, pullSettings(flags['pull-stall-timeout']))
    const gpus = await chooseGpus(flags.gpus as GpuMode, { name: triton.container, image: triton.image, hints })
    await ensureNetwork(config.network)
    const mounts = [{ type: 'bind' as const, source: models, target: '/models', readOnly: true }]
    const before = await containersLabelled(REPLICA_LABEL, triton.container)
    // One replica at a time, each awaited inside ensureContainer: a replacement that starts but never
    // gets ready (a model that fails to load) is removed and the Triton that ran before runs again.
    for (const replica of triton.replicas) {
      await ensureContainer(
        {
          name: replica.name,
          image: triton.image,
          network: config.network,
          // The name every replica answers to on the network, like a Kubernetes Service: `triton:8000`
          // reaches one of them (DNS round robin); replica 1 is also named so, which changes nothing.
          aliases: [triton.container],
          labels: { [REPLICA_LABEL]: triton.container },
          args: TRITON_ARGS,
          mounts,
          ports: [
            {
              address: config.bind,
              host: replica.httpPort,
              container: TRITON_PORTS.http,
              variable: 'TRITON_HTTP_PORT',
            },
            {
              address: config.bind,
              host: replica.grpcPort,
              container: TRITON_PORTS.grpc,
              variable: 'TRITON_GRPC_PORT',
            },
            {
              address: config.bind,
              host: replica.metricsPort,
              container: TRITON_PORTS.metrics,
              variable: 'TRITON_METRICS_PORT',
            },
          ],
          gpus,
          hints,
        },
        { ready: () => waitReady(config, replica, models, flags.timeout) },
      )
    }
    // Only once the wanted replicas serve: a scale-down that fails half-way leaves more, never fewer.
    const wanted = new Set(triton.replicas.map((r) => r.name))
    for (const name of before) if (!wanted.has(name)) await removeContainer(name)
    const [first] = triton.replicas
    if (triton.replicas.length === 1 && first) {
      log.ok(
        tr(
          `Triton is ready: ${url(config, first.httpPort)} (HTTP), ${url(config, first.metricsPort)}/metrics, ` +
            `model ${config.model} loaded`,
          `Triton 已就绪：${url(config, first.httpPort)}（HTTP），${url(config, first.metricsPort)}/metrics，` +
            `模型 ${config.model} 已加载`,
        ),
      )
    } else {
      log.ok(
        tr(
          `${triton.replicas.length} Triton replicas are ready, model ${config.model} loaded in each, ` +
            `one name on the network: ${triton.container}`,
          `${triton.replicas.length} 个 Triton 副本已就绪，每个都已加载模型 ${config.model}，` +
            `网络上的统一名称：${triton.container}`,
        ),
      )
      log.raw(replicaTable(config))
    }
    // A first run has nothing to compare with; a run that changed the count has. Not said when
    // this make run goes on to `make prometheus` itself (make up, make all).
    if (before.length > 0 && before.join() !== [...wanted].sort().join() && !laterInThisRun('triton', 'prometheus')) {
      log.info(
        tr(
          'the replica count changed: `make prometheus` (or `make up`) makes Prometheus expect the new count',
          '副本数已变化：运行 `make prometheus`（或 `make up`）让 Prometheus 按新的副本数检查',
        ),
      )
    }
  },
)
