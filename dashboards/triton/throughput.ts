// Throughput: requests per model, and how much dynamic batching merged them.
import * as units from '@grafana/grafana-foundation-sdk/units'
import { inferencesPerExecution, qps } from '../../scripts/lib/triton/metrics.ts'
import { type Row, timeseries } from './panels.ts'
import { perModel } from './variables.ts'

const qpsPerModel = () =>
  timeseries({
    title: 'QPS per model',
    description:
      'Successful inference requests per second for each model (what the tutorial called QPS, per model instead of per version).',
    unit: units.RequestsPerSecond,
    queries: [{ expr: qps(perModel), legend: '{{model}}' }],
    width: 12,
    min: 0,
  })

const batchingEfficiency = () =>
  timeseries({
    title: 'Batching efficiency',
    description:
      'Inferences per model execution: how many requests (batch items) dynamic batching merged into one run. ' +
      '1 means no batching happened.',
    unit: units.Short,
    queries: [{ expr: inferencesPerExecution(perModel), legend: '{{model}}' }],
    width: 12,
    min: 0,
  })

export const throughput: Row = { title: 'Throughput', panels: () => [qpsPerModel(), batchingEfficiency()] }
