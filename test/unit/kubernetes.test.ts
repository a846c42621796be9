// The Kubernetes manifests: every object valid against its schema (the Kubernetes OpenAPI
// schema and the prometheus-operator CRDs, through kubernetes-models), the committed YAML equal
// to a fresh generation and `make kubernetes` idempotent, the rules and dashboard the same as
// the Docker stack's, the objects wired to each other, and the autoscaling query proven on real
// Prometheus (promtool), where NVIDIA's delta() version fails. No cluster runs here.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'
import { Deployment } from 'kubernetes-models/apps/v1'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse, parseAllDocuments, stringify } from 'yaml'
import { adapterRule, autoscaling, defaultOptions, kubernetesObjects } from '../../kubernetes/manifests.ts'
import { ANNOTATIONS_LIMIT, appliedAnnotationBytes, LAST_APPLIED } from '../../kubernetes/apply-size.ts'
import { ADAPTER_VALUES, kubernetesFiles } from '../../kubernetes/render.ts'
import { repoRoot } from '../helpers/paths.ts'

type Json = Record<string, any>

const committed = (name: string) => readFileSync(join(repoRoot, 'kubernetes', name), 'utf8')
const documents = (name: string) => parseAllDocuments(committed(name)).map((d) => d.toJSON() as Json)
const all = Object.keys(kubernetesObjects()).flatMap(documents)
const find = (kind: string, name?: string) => all.find((o) => o.kind === kind && (!name || o.metadata.name === name))!

test('every object is valid against its schema', () => {
  const objects = Object.values(kubernetesObjects()).flat()
  assert.equal(
    objects.map((o) => o.kind),
    [
      ...Array(5).fill('ConfigMap'),
      'Deployment',
      'Service',
      'ServiceMonitor',
      'PrometheusRule',
      'ConfigMap',
      'HorizontalPodAutoscaler',
    ],
  )
  for (const object of objects) object.validate()
})

test('the schema check is not vacuous: a wrong type or a missing required field is refused', () => {
  const deployment = structuredClone(find('Deployment'))
  deployment.spec.template.spec.containers[0].ports[0].containerPort = '8000'
  const monitor = structuredClone(find('ServiceMonitor'))
  delete monitor.spec.selector
  const hpa = structuredClone(find('HorizontalPodAutoscaler'))
  delete hpa.spec.maxReplicas
  for (const [object, pattern] of [
    [() => new Deployment(deployment as never).validate(), /containerPort must be integer/],
    [() => new ServiceMonitor(monitor as never).validate(), /must have required property selector/],
    [() => new HorizontalPodAutoscaler(hpa as never).validate(), /must have required property maxReplicas/],
  ] as const) {
    assert.throws(object, pattern)
  }
})

test('every object fits the annotation a client-side kubectl apply writes (256 KiB), and the check can fail', () => {
  for (const name of Object.keys(kubernetesFiles())) {
    for (const object of parseAllDocuments(committed(name)).map((d) => d.toJSON() as Json)) {
      const bytes = appliedAnnotationBytes(object)
      assert.ok(bytes < ANNOTATIONS_LIMIT, `${name}: ${object.kind} ${object.metadata?.name} makes ${bytes} bytes`)
    }
  }
  // The chunking before this check: 512 KiB of the ONNX file, 699,052 base64 characters in one ConfigMap.
  const old = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' }, binaryData: { m: 'A'.repeat(699_052) } }
  assert.ok(appliedAnnotationBytes(old) > ANNOTATIONS_LIMIT)
  // Counted as kubectl encodes: the key, a newline, Go's escaping of < > &, and other annotations.
  const small = { kind: 'ConfigMap', metadata: { annotations: { a: 'bc' } }, data: { x: '<&>' } }
  const json = '{"kind":"ConfigMap","metadata":{"annotations":{"a":"bc"}},"data":{"x":"\\u003c\\u0026\\u003e"}}\n'
  assert.is(appliedAnnotationBytes(small), 3 + LAST_APPLIED.length + json.length)
})

test('the committed YAML equals a fresh generation (run `make kubernetes` when this fails)', () => {
  for (const [name, text] of Object.entries(kubernetesFiles())) {
    assert.fixture(committed(name), text, `kubernetes/${name} is stale`)
  }
})

test('the PrometheusRule holds exactly the groups of prometheus/rules.yml, for the stack release', () => {
  const rule = find('PrometheusRule')
  assert.equal(rule.spec.groups, parse(readFileSync(join(repoRoot, 'prometheus/rules.yml'), 'utf8')).groups)
  assert.is(rule.metadata.labels.release, defaultOptions.release)
})

test('the dashboard ConfigMap holds exactly dashboards/triton.json, labelled for the Grafana sidecar', () => {
  const map = find('ConfigMap', 'triton-dashboard')
  assert.is(map.data['triton.json'], readFileSync(join(repoRoot, 'dashboards/triton.json'), 'utf8'))
  assert.is(map.metadata.labels.grafana_dashboard, '1')
})

test('the objects are wired to each other: Service → pods, ServiceMonitor → Service port, HPA → Deployment', () => {
  const deployment = find('Deployment')
  const service = find('Service')
  const monitor = find('ServiceMonitor')
  const hpa = find('HorizontalPodAutoscaler')
  const podLabels = deployment.spec.template.metadata.labels
  for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) assert.is(podLabels[k], v)
  for (const [k, v] of Object.entries(service.spec.selector)) assert.is(podLabels[k], v)
  for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) assert.is(service.metadata.labels[k], v)
  // The Service's name is the job of every series, as on Docker (`job="triton"` in the rules).
  assert.is(service.metadata.name, 'triton')
  const port = monitor.spec.endpoints[0].port
  assert.ok(
    service.spec.ports.some((p: Json) => p.name === port),
    port,
  )
  const container = deployment.spec.template.spec.containers[0]
  assert.ok(
    container.ports.some((p: Json) => p.name === port && p.containerPort === 8002),
    port,
  )
  assert.is(monitor.metadata.labels.release, defaultOptions.release)
  assert.is(monitor.spec.endpoints[0].relabelings[0].targetLabel, 'instance')
  assert.equal(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name })
  // The HPA owns the count: a `replicas` in the Deployment would be reset by every apply.
  assert.is(deployment.spec.replicas, undefined)
  assert.equal(hpa.spec.metrics, [
    {
      type: 'Pods',
      pods: {
        metric: { name: adapterRule().name.as },
        target: { type: 'AverageValue', averageValue: String(autoscaling.targetMs) },
      },
    },
  ])
  assert.is(container.resources.limits, undefined, 'no GPU by default')
})

test('the ConfigMaps carry the served model byte for byte, checked by its SHA-256', () => {
  const maps = documents('model.yaml')
  const onnx = readFileSync(join(repoRoot, 'models/mnist_mlp/1/model.onnx'))
  const joined = Buffer.concat(maps.map((m, i) => Buffer.from(m.binaryData[`model.onnx.${i}`], 'base64')))
  assert.ok(joined.equals(onnx))
  assert.is(maps[0]!.data['config.pbtxt'], readFileSync(join(repoRoot, 'models/mnist_mlp/config.pbtxt'), 'utf8'))
  const script = find('Deployment').spec.template.spec.initContainers[0].command[2] as string
  assert.match(script, createHash('sha256').update(onnx).digest('hex'))
  const parts = maps.map((_, i) => `/model-source/model.onnx.${i}`).join(' ')
  assert.ok(script.includes(`cat ${parts} > `), script)
})

test('options: --gpus asks for nvidia.com/gpu, --release relabels what the stack selects', () => {
  const files = kubernetesFiles({ release: 'kps', gpus: 2 })
  const deployment = parseAllDocuments(files['triton.yaml']!)[0]!.toJSON() as Json
  assert.equal(deployment.spec.template.spec.containers[0].resources.limits, { 'nvidia.com/gpu': '2' })
  for (const object of parseAllDocuments(files['monitoring.yaml']!).map((d) => d.toJSON() as Json))
    assert.is(object.metadata.labels.release, 'kps')
})

test("prometheus-adapter's values: one custom rule serving the HPA's metric from the dashboard's query", () => {
  const values = parse(committed(ADAPTER_VALUES)) as { rules: { custom: Json[] } }
  assert.equal(values.rules.custom, [adapterRule()])
  assert.match(
    adapterRule().metricsQuery,
    /^sum by \(<<\.GroupBy>>\) \(rate\(nv_inference_queue_duration_us\{<<\.LabelMatchers>>\}/,
  )
})

/**
 * The adapter's query as it sends it for two pods, evaluated by promtool on counters with a pod
 * restart (counters back to 0): one request per 10 s that queued 2000 µs is 2 ms per request,
 * before and across the restart; an idle pod is 0.
 */
const scratch = mkdtempSync(join(tmpdir(), 'kubernetes-adapter-'))
const asAdapterSends = (query: string) =>
  query
    .replaceAll('<<.LabelMatchers>>', 'namespace="default",pod=~"triton-a|triton-b"')
    .replaceAll('<<.GroupBy>>', 'pod')
/** NVIDIA's rule (deploy/k8s-onprem/values.yaml, v2.71.0), as shipped. */
const NVIDIA =
  'avg(delta(nv_inference_queue_duration_us{<<.LabelMatchers>>}[30s])' +
  '/(1+delta(nv_inference_request_success{<<.LabelMatchers>>}[30s]))) by (<<.GroupBy>>)'

function adapterTest(metricsQuery: string) {
  const series = (name: string, pod: string, values: string) => ({
    series: `${name}{namespace="default",pod="${pod}",model="mnist_mlp",version="1"}`,
    values,
  })
  writeFileSync(
    join(scratch, 'rules.yml'),
    stringify({
      groups: [{ name: 'adapter', rules: [{ record: 'pod:queue_ms', expr: asAdapterSends(metricsQuery) }] }],
    }),
  )
  writeFileSync(
    join(scratch, 'test.yml'),
    stringify({
      rule_files: ['rules.yml'],
      evaluation_interval: '10s',
      tests: [
        {
          interval: '10s',
          input_series: [
            // triton-a: one request per 10 s that queued 2000 µs; restarted at 90 s.
            series('nv_inference_queue_duration_us', 'triton-a', '0+2000x8 0+2000x8'),
            series('nv_inference_request_success', 'triton-a', '0+1x8 0+1x8'),
            // triton-b: up, no requests.
            series('nv_inference_queue_duration_us', 'triton-b', '500x17'),
            series('nv_inference_request_success', 'triton-b', '7x17'),
          ],
          promql_expr_test: [70, 100].map((t) => ({
            expr: 'pod:queue_ms',
            eval_time: `${t}s`,
            exp_samples: [
              { labels: 'pod:queue_ms{pod="triton-a"}', value: 2 },
              { labels: 'pod:queue_ms{pod="triton-b"}', value: 0 },
            ],
          })),
        },
      ],
    }),
  )
  const result = spawnSync('promtool', ['test', 'rules', join(scratch, 'test.yml')], { encoding: 'utf8' })
  return { code: result.status, output: `${result.stdout}${result.stderr}` }
}

test("the adapter's query on real Prometheus: 2 ms per request across a pod restart, 0 for an idle pod", () => {
  const { code, output } = adapterTest(adapterRule().metricsQuery)
  assert.is(code, 0, output)
})

test("the same test refuses NVIDIA's delta() rule (in ms): its 1 + biases it low, delta() misreads the restart", () => {
  const { code, output } = adapterTest(`(${NVIDIA}) / 1000`)
  assert.is.not(code, 0)
  // 6000 µs over 3 requests read as 6000 / (1 + 3); across the restart (-12000) / (1 - 6).
  assert.match(output, /pod="triton-a"\} 1\.5E\+00/)
  assert.match(output, /pod="triton-a"\} 2\.4E\+00/)
})

test.after(() => rmSync(scratch, { recursive: true, force: true }))

test.run()
