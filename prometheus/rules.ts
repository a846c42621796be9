// Recording and alert rules for Triton, as typed data; `rules.yml` is generated from this file.
// The queries come from scripts/lib/triton/metrics.ts, as the dashboard's do.
import { stringify } from 'yaml'
import { TRITON_JOB } from '../scripts/lib/prometheus/api.ts'
import {
  discoveredTargets,
  failureRatio,
  label,
  meanMsPerRequest,
  metric,
  rate,
  type Scope,
  targetsDown,
} from '../scripts/lib/triton/metrics.ts'
import { alertTiming, duration } from './alert-timing.ts'

export interface RecordingRule {
  record: string
  expr: string
}

export interface AlertRule {
  alert: string
  expr: string
  /** How long the condition must hold before the alert fires. */
  for: string
  labels: { severity: 'warning' | 'critical' }
  annotations: { summary: string; description: string }
}

export interface RuleGroup {
  name: string
  rules: (RecordingRule | AlertRule)[]
}

/** Thresholds of the alerts, in one place so the tests and the docs name the same numbers. */
export const thresholds = {
  /** Share of failed requests over 5 minutes. */
  failureRatio: 0.05,
  /** Mean end-to-end request latency over 5 minutes, in milliseconds. */
  meanLatencyMs: 100,
} as const

/** Rules keep one series per model, over the window their name says. */
const perModel = (window: string): Scope => ({ window, by: [label.model] })

export const ruleGroups: RuleGroup[] = [
  {
    name: 'triton-recording',
    rules: [
      { record: 'model:nv_inference_request_success:rate1m', expr: rate(metric.success, perModel('1m')) },
      { record: 'model:nv_inference_request_failure:rate1m', expr: rate(metric.failure, perModel('1m')) },
      { record: 'model:nv_inference_count:rate1m', expr: rate(metric.inferences, perModel('1m')) },
      {
        record: 'model:nv_inference_request_duration_ms:mean1m',
        expr: meanMsPerRequest(metric.requestDuration, perModel('1m')),
      },
      {
        record: 'model:nv_inference_queue_duration_ms:mean1m',
        expr: meanMsPerRequest(metric.queueDuration, perModel('1m')),
      },
      {
        record: 'model:nv_inference_compute_infer_duration_ms:mean1m',
        expr: meanMsPerRequest(metric.computeInferDuration, perModel('1m')),
      },
    ],
  },
  {
    name: 'triton-alerts',
    rules: [
      {
        alert: 'TritonTargetDown',
        expr: targetsDown(TRITON_JOB),
        for: duration(alertTiming.targetDownFor),
        labels: { severity: 'critical' },
        // A failing target has an instance; when discovery lists none, absent() gives only the job.
        annotations: {
          summary:
            '{{ if $labels.instance }}Triton target {{ $labels.instance }} is down' +
            '{{ else }}No Triton target is left to scrape{{ end }}',
          description:
            '{{ if $labels.instance }}Prometheus has not been able to scrape {{ $labels.instance }}' +
            '{{ else }}Service discovery has found no Triton for job {{ $labels.job }}{{ end }}' +
            ` for ${duration(alertTiming.targetDownFor)}.`,
        },
      },
      {
        alert: 'TritonFailureRatioHigh',
        expr: `${failureRatio(perModel('5m'))} > ${thresholds.failureRatio}`,
        for: duration(alertTiming.failureRatioFor),
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Model {{ $labels.model }} fails {{ $value | humanizePercentage }} of its requests',
          description: `More than ${thresholds.failureRatio * 100}% of inference requests failed over the last 5 minutes.`,
        },
      },
      {
        alert: 'TritonMeanLatencyHigh',
        expr: `${meanMsPerRequest(metric.requestDuration, perModel('5m'))} > ${thresholds.meanLatencyMs}`,
        for: duration(alertTiming.meanLatencyFor),
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Model {{ $labels.model }} takes {{ $value | printf "%.0f" }} ms per request on average',
          description: `Mean request latency over the last 5 minutes is above ${thresholds.meanLatencyMs} ms.`,
        },
      },
    ],
  },
]

/**
 * With several replicas, Prometheus finds them through discovery, and a replica that stops or is
 * removed leaves it: its `up` series goes stale instead of turning 0 while the others still
 * answer, so neither `up == 0` nor `absent(up)` sees it. The count Prometheus finds is compared
 * with the count the stack was started with (TRITON_REPLICAS, rendered in by 03-prometheus):
 * fewer for `for` is a replica gone. Failing-but-present replicas stay TritonTargetDown's, and a
 * stack with none at all is absent() territory, so each cause fires one alert.
 * Why a fixed count and not "fewer than a while ago": that comparison fires on every deliberate
 * scale-down, and on Kubernetes on every HPA scale-down. A deliberate change here goes through
 * `make up` (or `make prometheus`), which renders the new count, so it raises nothing. One
 * replica has nothing to compare, so the group exists only for two or more: the committed
 * rules.yml and the Kubernetes PrometheusRule (where the HPA owns the count, and
 * kube-prometheus-stack's KubeDeploymentReplicasMismatch watches it) do not carry it.
 */
export function replicaRuleGroups(expected: number): RuleGroup[] {
  if (expected < 2) return []
  return [
    {
      name: 'triton-replicas',
      rules: [
        {
          alert: 'TritonReplicaMissing',
          expr: `${discoveredTargets(TRITON_JOB)} < ${expected}`,
          for: duration(alertTiming.targetDownFor),
          labels: { severity: 'critical' },
          annotations: {
            summary: `Prometheus finds {{ $value }} of the ${expected} Triton replicas it expects`,
            description:
              `A Triton replica stopped or was removed, so it left discovery (TRITON_REPLICAS=${expected}). ` +
              '`make triton` brings it back; after lowering TRITON_REPLICAS on purpose, `make prometheus` updates the count.',
          },
        },
      ],
    },
  ]
}

export const GENERATED_HEADER =
  '# Generated by prometheus/generate.ts from typed code in prometheus/. Do not edit by hand.\n'

export function rulesYaml(groups: RuleGroup[] = ruleGroups): string {
  return GENERATED_HEADER + stringify({ groups }, { lineWidth: 0 })
}
