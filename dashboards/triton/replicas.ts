// Replicas: how the load spreads over the Triton containers, and the signal to scale on.
import * as units from '@grafana/grafana-foundation-sdk/units'
import {
  imbalance,
  meanMsPerRequest,
  metric,
  qps,
  SCALE_OUT_QUEUE_MS,
  scalingSignal,
  trafficShare,
} from '../../scripts/lib/triton/metrics.ts'
import { type Row, stat, timeseries } from './panels.ts'
import { perInstance } from './variables.ts'

const qpsByInstance = () =>
  timeseries({
    title: 'QPS by instance',
    description:
      'Successful requests per second on each Triton replica (label `instance`), the selected models together.',
    unit: units.RequestsPerSecond,
    queries: [{ expr: qps(perInstance), legend: '{{instance}}' }],
    width: 8,
    min: 0,
  })

const latencyByInstance = () =>
  timeseries({
    title: 'Mean latency by instance',
    description:
      'Mean end-to-end time per successful request on each replica, in ms: one slow replica stands out here ' +
      'while the mean of all of them hides it.',
    unit: units.Milliseconds,
    queries: [{ expr: meanMsPerRequest(metric.requestDuration, perInstance), legend: '{{instance}}' }],
    width: 8,
    min: 0,
  })

const queueByInstance = () =>
  timeseries({
    title: 'Queue time per request by instance',
    description:
      "Mean time a request waited in each replica's queue, in ms: the signal to scale on (the Kubernetes HPA " +
      `scales out above ${SCALE_OUT_QUEUE_MS} ms, the dashed line). A request queues only while every model ` +
      'instance is busy; an idle replica reads 0.',
    unit: units.Milliseconds,
    queries: [{ expr: scalingSignal(perInstance), legend: '{{instance}}' }],
    width: 8,
    min: 0,
    line: { value: SCALE_OUT_QUEUE_MS, color: 'red' },
  })

const trafficShareByInstance = () =>
  timeseries({
    title: 'Traffic share by instance',
    description:
      "Each replica's share of the successful requests, stacked to 100%: even bands (1/N each) are a balanced " +
      'load, a wide band a replica that gets more than its share.',
    unit: units.PercentUnit,
    queries: [{ expr: trafficShare(perInstance), legend: '{{instance}}' }],
    width: 16,
    stack: true,
    min: 0,
    max: 1,
  })

const loadImbalance = () =>
  stat({
    title: 'Load imbalance',
    description:
      "QPS of the busiest replica over the replicas' mean: 1 is perfectly even, 1.5 means one replica takes half " +
      'again its fair share. A single replica is always 1.',
    unit: units.Short,
    queries: [{ expr: imbalance(perInstance) }],
    width: 8,
    height: 8,
    decimals: 2,
    steps: [
      { value: null, color: 'green' },
      { value: 1.25, color: 'orange' },
      { value: 1.5, color: 'red' },
    ],
  })

export const replicas: Row = {
  title: 'Replicas',
  panels: () => [qpsByInstance(), latencyByInstance(), queueByInstance(), trafficShareByInstance(), loadImbalance()],
}
