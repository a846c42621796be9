// Errors: failed requests per model, as a rate and as a share.
import * as units from '@grafana/grafana-foundation-sdk/units'
import { failureRatio as failureRatioQuery, metric, rate } from '../../scripts/lib/triton/metrics.ts'
import { type Row, timeseries } from './panels.ts'
import { perModel } from './variables.ts'

const successVsFailure = () =>
  timeseries({
    title: 'Success vs failure rate',
    description: 'Successful and failed inference requests per second for each model.',
    unit: units.RequestsPerSecond,
    queries: [
      { expr: rate(metric.success, perModel), legend: '{{model}} success' },
      { expr: rate(metric.failure, perModel), legend: '{{model}} failure' },
    ],
    width: 12,
    min: 0,
  })

const failureRatio = () =>
  timeseries({
    title: 'Failure ratio',
    description:
      'Failed requests over all finished requests, per model. A gap means no requests finished in the window.',
    unit: units.PercentUnit,
    queries: [{ expr: failureRatioQuery(perModel), legend: '{{model}}' }],
    width: 12,
    min: 0,
    max: 1,
  })

export const errors: Row = { title: 'Errors', panels: () => [successVsFailure(), failureRatio()] }
