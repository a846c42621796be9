// Latency: the true mean per request (rate of a cumulative counter over rate of successes), where
// it goes, and the quantiles of Triton's summaries.
import * as units from '@grafana/grafana-foundation-sdk/units'
import { latencyQuantileMs, latencyStages, meanMsPerRequest, metric } from '../../scripts/lib/triton/metrics.ts'
import { type Row, timeseries } from './panels.ts'
import { perModel } from './variables.ts'

/** The quantiles of the percentile panel, each with the name its legend carries. */
export const LATENCY_QUANTILES = [
  [0.5, 'p50'],
  [0.95, 'p95'],
  [0.99, 'p99'],
] as const

const meanInferenceLatency = () =>
  timeseries({
    title: 'Mean inference latency',
    description:
      'Mean time per successful request in milliseconds, per model: ' +
      `rate(${metric.requestDuration}) / rate(${metric.success}). ` +
      "The duration metric is a cumulative counter, so averaging it directly (the tutorial's avg(...)/1000) only grows.",
    unit: units.Milliseconds,
    queries: [{ expr: meanMsPerRequest(metric.requestDuration, perModel), legend: '{{model}}' }],
    width: 8,
    min: 0,
  })

const latencyBreakdown = () =>
  timeseries({
    title: 'Latency breakdown per request',
    description:
      "Where a request's time goes, per model, stacked: waiting in the queue, copying inputs, running the model, " +
      "copying outputs (mean ms per successful request). The rest of the mean latency is Triton's own request handling.",
    unit: units.Milliseconds,
    queries: latencyStages.map(({ name, counter }) => ({
      expr: meanMsPerRequest(counter, perModel),
      legend: `{{model}} ${name}`,
    })),
    width: 8,
    stack: true,
    min: 0,
  })

const latencyPercentiles = () =>
  timeseries({
    title: 'Latency percentiles (p50 / p95 / p99)',
    description:
      "Request latency quantiles in ms from Triton's summaries over its recent requests " +
      '(worst instance or version shown: quantiles cannot be averaged). ' +
      'Needs Triton started with --metrics-config summary_latencies=true.',
    unit: units.Milliseconds,
    queries: LATENCY_QUANTILES.map(([quantile, name]) => ({
      expr: latencyQuantileMs(quantile, perModel),
      legend: `{{model}} ${name}`,
    })),
    width: 8,
    min: 0,
    noValue: 'No summaries: start Triton with --metrics-config summary_latencies=true',
  })

export const latency: Row = {
  title: 'Latency',
  panels: () => [meanInferenceLatency(), latencyBreakdown(), latencyPercentiles()],
}
