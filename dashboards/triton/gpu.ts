// GPU: utilization, memory and power per GPU; empty, and saying why, on a CPU-only host.
import * as units from '@grafana/grafana-foundation-sdk/units'
import { label, metric } from '../../scripts/lib/triton/metrics.ts'
import { gpuChart, type Row, usedAndTotal } from './panels.ts'
import { gauge } from './variables.ts'

const gpuUtilization = () =>
  gpuChart({
    title: 'GPU utilization',
    description:
      'Busy fraction of each GPU (DCGM), by GPU uuid. Empty on CPU-only hosts, where Triton exports no GPU metrics.',
    unit: units.PercentUnit,
    queries: [{ expr: gauge(metric.gpuUtilization), legend: '{{gpu_uuid}}' }],
    max: 1,
  })

const gpuMemory = () =>
  gpuChart({
    title: 'GPU memory',
    description: 'Memory used and total on each GPU, in bytes.',
    unit: units.BytesIEC,
    queries: usedAndTotal(metric.gpuMemoryUsed, metric.gpuMemoryTotal, label.gpu),
  })

const gpuPower = () =>
  gpuChart({
    title: 'GPU power',
    description: 'Power drawn by each GPU and its power limit, in watts.',
    unit: units.Watt,
    queries: [
      { expr: gauge(metric.gpuPowerUsage), legend: '{{gpu_uuid}} draw' },
      { expr: gauge(metric.gpuPowerLimit), legend: '{{gpu_uuid}} limit' },
    ],
  })

export const gpu: Row = { title: 'GPU', panels: () => [gpuUtilization(), gpuMemory(), gpuPower()] }
