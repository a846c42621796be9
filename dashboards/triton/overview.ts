// Overview: the three numbers the tutorial watches (QPS, latency), plus whether requests succeed.
import * as units from '@grafana/grafana-foundation-sdk/units'
import { meanMsPerRequest, metric, qps, successRatio as successRatioQuery } from '../../scripts/lib/triton/metrics.ts'
import { type Row, stat } from './panels.ts'
import { total } from './variables.ts'

const currentQps = () =>
  stat({
    title: 'Current QPS',
    description:
      'Successful inference requests per second, all selected models together (a batch of n sent in one request counts once).',
    unit: units.RequestsPerSecond,
    queries: [{ expr: qps(total) }],
    width: 8,
    steps: [{ value: null, color: 'green' }],
  })

const meanLatency = () =>
  stat({
    title: 'Mean latency',
    description:
      'Mean end-to-end time Triton spent on a successful request (queue + compute), in milliseconds: ' +
      'rate of the cumulative duration over rate of successes.',
    unit: units.Milliseconds,
    queries: [{ expr: meanMsPerRequest(metric.requestDuration, total) }],
    width: 8,
    decimals: 2,
    steps: [{ value: null, color: 'green' }],
  })

const successRatio = () =>
  stat({
    title: 'Success ratio',
    description:
      'Share of finished requests that succeeded. Triton 23.05 counts only failures reported by the backend; ' +
      'requests rejected before they reach it are not counted.',
    unit: units.PercentUnit,
    queries: [{ expr: successRatioQuery(total) }],
    width: 8,
    decimals: 2,
    steps: [
      { value: null, color: 'red' },
      { value: 0.95, color: 'orange' },
      { value: 0.99, color: 'green' },
    ],
  })

export const overview: Row = { title: 'Overview', panels: () => [currentQps(), meanLatency(), successRatio()] }
