// The stack on Kubernetes, for a cluster that runs kube-prometheus-stack, built from the same
// typed sources as the Docker stack: Triton's image, command and ports (scripts/lib/triton/names.ts),
// the scrape interval and rules (prometheus/), the dashboard (dashboards/), and the queue-time
// query the HPA scales on (scripts/lib/triton/metrics.ts). Every object is a typed model from
// kubernetes-models / @kubernetes-models/prometheus-operator, whose validate() checks it against
// the Kubernetes OpenAPI schema and the operator's CRD schema.
//
// Why these packages and these versions (pinned exactly in package.json): they are plain typed
// classes with the schemas inside, nothing else to run. cdk8s would add a construct tree, a CLI,
// jsii and its own import step for CRDs, to end in the same YAML. kubernetes-models 4.5.1 and
// @kubernetes-models/prometheus-operator 4.4.4 are the newest that support Node 20, the
// project's floor (5.x / 6.x declare Node >= 22); the operator models come from its v0.65.1 CRDs,
// and the monitoring.coreos.com/v1 fields used here (ServiceMonitor selector, endpoints with
// port, path, interval, relabelings; PrometheusRule groups) are unchanged through v0.93.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'
import { Deployment } from 'kubernetes-models/apps/v1'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2'
import { ConfigMap, Service } from 'kubernetes-models/v1'
import { tritonDashboardFiles } from '../dashboards/triton.ts'
import { SCRAPE_INTERVAL } from '../prometheus/scrape.ts'
import { ruleGroups } from '../prometheus/rules.ts'
import { defaults } from '../scripts/lib/step/config.ts'
import { TRITON_JOB } from '../scripts/lib/prometheus/api.ts'
import { TRITON_ARGS, TRITON_PORTS } from '../scripts/lib/triton/names.ts'
import { label, metric, SCALE_OUT_QUEUE_MS, scalingSignal } from '../scripts/lib/triton/metrics.ts'

export interface KubernetesOptions {
  /** The kube-prometheus-stack Helm release: its Prometheus selects ServiceMonitors and rules by `release: <name>`. */
  release: string
  /** `nvidia.com/gpu` per Triton pod; 0 runs on the CPU (no request, any node). */
  gpus: number
}

export const defaultOptions: KubernetesOptions = { release: 'kube-prometheus-stack', gpus: 0 }

/** Name of every object, and the Service whose name becomes the scrape job (`job="triton"`, as on Docker). */
const NAME = TRITON_JOB
const APP = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/part-of': 'triton-monitoring' }

/** What the HPA scales on: the custom metric prometheus-adapter serves, and its target. */
export const autoscaling = {
  metric: 'triton_queue_ms_per_request',
  /** Mean queue time per request, in ms, averaged over the pods (see SCALE_OUT_QUEUE_MS). */
  targetMs: SCALE_OUT_QUEUE_MS,
  minReplicas: 1,
  maxReplicas: 3,
  /** Rate window of the adapter's query: four scrapes of 5 s, steady enough to scale on. */
  window: '1m',
} as const

/**
 * Bytes of the ONNX file per ConfigMap. Not the ConfigMap's 1 MiB: a client-side `kubectl apply`
 * copies the whole object into its last-applied-configuration annotation, and an object's
 * annotations may hold 256 KiB in all (kubernetes/kubectl#712). 180 KiB is 240 KiB in base64,
 * which leaves room for the name, the labels and config.pbtxt (render.ts refuses an object over).
 */
const CHUNK_BYTES = 180 * 1024

interface ModelVolume {
  configMaps: ConfigMap[]
  /** The init container's shell script that puts the model together in /models. */
  assemble: string
}

/**
 * The served model (models/<MODEL>: config.pbtxt and 1/model.onnx) as ConfigMaps, so the
 * manifests run on any cluster with nothing to upload first. The ONNX file (800 KB) is over what
 * `kubectl apply` takes in one object once in base64, so it travels in chunks that an init
 * container joins and checks against its SHA-256. A larger model belongs in a volume or an object store instead
 * (Triton reads `--model-repository=s3://…`), which README says how to swap in.
 */
function modelVolume(modelsDir: string, model: string): ModelVolume {
  const onnx = readFileSync(join(modelsDir, model, '1', 'model.onnx'))
  const config = readFileSync(join(modelsDir, model, 'config.pbtxt'), 'utf8')
  const chunks: Buffer[] = []
  for (let at = 0; at < onnx.length; at += CHUNK_BYTES) chunks.push(onnx.subarray(at, at + CHUNK_BYTES))
  const configMaps = chunks.map(
    (chunk, i) =>
      new ConfigMap({
        metadata: { name: `${NAME}-model-${i}`, labels: APP },
        ...(i === 0 ? { data: { 'config.pbtxt': config } } : {}),
        binaryData: { [`model.onnx.${i}`]: chunk.toString('base64') },
      }),
  )
  const parts = chunks.map((_, i) => `/model-source/model.onnx.${i}`).join(' ')
  const sha = createHash('sha256').update(onnx).digest('hex')
  const assemble = [
    'set -e',
    `mkdir -p /models/${model}/1`,
    `cp /model-source/config.pbtxt /models/${model}/config.pbtxt`,
    `cat ${parts} > /models/${model}/1/model.onnx`,
    `echo "${sha}  /models/${model}/1/model.onnx" | sha256sum -c -`,
  ].join('\n')
  return { configMaps, assemble }
}

function deployment(options: KubernetesOptions, model: string, assemble: string, chunks: number): Deployment {
  const ports = Object.entries(TRITON_PORTS).map(([name, containerPort]) => ({ name, containerPort }))
  const gpu = options.gpus > 0 ? { limits: { 'nvidia.com/gpu': String(options.gpus) } } : {}
  return new Deployment({
    metadata: { name: NAME, labels: APP },
    spec: {
      // No `replicas`: the HPA owns the count, and `kubectl apply` would reset it to 1 each time.
      selector: { matchLabels: { 'app.kubernetes.io/name': NAME } },
      template: {
        metadata: { labels: APP },
        spec: {
          initContainers: [
            {
              name: 'model',
              image: defaults.TRITON_IMAGE,
              command: ['sh', '-c', assemble],
              volumeMounts: [
                { name: 'model-source', mountPath: '/model-source', readOnly: true },
                { name: 'models', mountPath: '/models' },
              ],
            },
          ],
          containers: [
            {
              name: NAME,
              image: defaults.TRITON_IMAGE,
              args: TRITON_ARGS,
              ports,
              readinessProbe: { httpGet: { path: `/v2/models/${model}/ready`, port: 'http' }, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: '/v2/health/live', port: 'http' }, periodSeconds: 10 },
              startupProbe: {
                httpGet: { path: '/v2/health/ready', port: 'http' },
                periodSeconds: 5,
                failureThreshold: 60,
              },
              resources: { requests: { cpu: '500m', memory: '1Gi' }, ...gpu },
              volumeMounts: [{ name: 'models', mountPath: '/models', readOnly: true }],
            },
          ],
          volumes: [
            { name: 'models', emptyDir: {} },
            {
              name: 'model-source',
              projected: {
                sources: Array.from({ length: chunks }, (_, i) => ({ configMap: { name: `${NAME}-model-${i}` } })),
              },
            },
          ],
        },
      },
    },
  })
}

function service(): Service {
  return new Service({
    metadata: { name: NAME, labels: APP },
    spec: {
      selector: { 'app.kubernetes.io/name': NAME },
      ports: Object.entries(TRITON_PORTS).map(([name, port]) => ({ name, port, targetPort: name })),
    },
  })
}

/**
 * Scrapes every pod behind the Service on its metrics port, as often as the Docker stack does,
 * with `instance` naming the pod (`triton-7d9c…:8002`) as it names the container on Docker.
 */
function serviceMonitor(options: KubernetesOptions): ServiceMonitor {
  return new ServiceMonitor({
    metadata: { name: NAME, labels: { ...APP, release: options.release } },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': NAME } },
      endpoints: [
        {
          port: 'metrics',
          path: '/metrics',
          interval: SCRAPE_INTERVAL,
          // Prometheus's global timeout (10 s) is longer than the interval, which it refuses once set.
          scrapeTimeout: SCRAPE_INTERVAL,
          relabelings: [
            {
              sourceLabels: ['__meta_kubernetes_pod_name'],
              targetLabel: label.instance,
              replacement: `$1:${TRITON_PORTS.metrics}`,
            },
          ],
        },
      ],
    },
  })
}

/** The groups of prometheus/rules.yml, the same objects, for the stack's Prometheus. */
function prometheusRule(options: KubernetesOptions): PrometheusRule {
  return new PrometheusRule({
    metadata: { name: NAME, labels: { ...APP, release: options.release } },
    spec: { groups: ruleGroups },
  })
}

/** dashboards/triton.json as the Grafana sidecar of kube-prometheus-stack picks it up. */
function dashboardConfigMap(): ConfigMap {
  return new ConfigMap({
    metadata: { name: `${NAME}-dashboard`, labels: { ...APP, grafana_dashboard: '1' } },
    data: { 'triton.json': tritonDashboardFiles({ datasourceUid: defaults.DATASOURCE_UID })['triton.json'] },
  })
}

function hpa(): HorizontalPodAutoscaler {
  return new HorizontalPodAutoscaler({
    metadata: { name: NAME, labels: APP },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: NAME },
      minReplicas: autoscaling.minReplicas,
      maxReplicas: autoscaling.maxReplicas,
      metrics: [
        {
          // Pods metrics take AverageValue only: the HPA averages the per-pod values itself.
          type: 'Pods',
          pods: {
            metric: { name: autoscaling.metric },
            target: { type: 'AverageValue', averageValue: String(autoscaling.targetMs) },
          },
        },
      ],
    },
  })
}

/** One rule of prometheus-adapter's config (its docs/config.md), as its Helm chart takes it in `rules.custom`. */
export interface AdapterRule {
  seriesQuery: string
  resources: { overrides: Record<string, { resource: string }> }
  name: { matches: string; as: string }
  metricsQuery: string
}

/**
 * The rule that serves the HPA's metric: per pod, the queue time per request over the window.
 * NVIDIA's example divides delta() of the two counters with `1 +` under the line. delta() is
 * for gauges: across a pod restart it takes the counters' fall as their change, a ratio of two
 * negative numbers that is right only by chance; and the `1 +` pulls every value low, by a
 * quarter at a few requests per window. test/unit/kubernetes.test.ts shows both on real
 * Prometheus (1.5 and 2.4 ms where 2 ms is true). rate() handles resets, and this is the
 * dashboard's own query (scalingSignal), in ms, with an idle pod at 0, not a NaN the adapter
 * could not serve as a number.
 */
export function adapterRule(): AdapterRule {
  return {
    seriesQuery: `${metric.queueDuration}{namespace!="",pod!=""}`,
    resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
    name: { matches: `^${metric.queueDuration}$`, as: autoscaling.metric },
    metricsQuery: scalingSignal({ window: autoscaling.window, match: '<<.LabelMatchers>>', by: ['<<.GroupBy>>'] }),
  }
}

/** Every manifest file under kubernetes/, by name: the objects it holds, in apply order. */
export function kubernetesObjects(options: KubernetesOptions = defaultOptions, modelsDir = 'models') {
  const model = defaults.MODEL
  const { configMaps, assemble } = modelVolume(modelsDir, model)
  return {
    'model.yaml': configMaps,
    'triton.yaml': [deployment(options, model, assemble, configMaps.length), service()],
    'monitoring.yaml': [serviceMonitor(options), prometheusRule(options)],
    'dashboard.yaml': [dashboardConfigMap()],
    'autoscaling.yaml': [hpa()],
  }
}
