// CPU and memory of the host Triton runs on (host-wide, as Triton reads /proc).
import * as units from '@grafana/grafana-foundation-sdk/units'
import { label, metric } from '../../scripts/lib/triton/metrics.ts'
import { type Row, timeseries, usedAndTotal } from './panels.ts'
import { gauge } from './variables.ts'

const cpuUtilization = () =>
  timeseries({
    title: 'CPU utilization',
    description:
      "Busy fraction of the host's CPUs as Triton reads it from /proc/stat: host-wide, not limited to Triton's container.",
    unit: units.PercentUnit,
    queries: [{ expr: gauge(metric.cpuUtilization), legend: '{{instance}}' }],
    width: 12,
    min: 0,
    max: 1,
  })

const cpuMemory = () =>
  timeseries({
    title: 'CPU memory',
    description: 'Host RAM used (total minus available) and total, in bytes, from /proc/meminfo: host-wide.',
    unit: units.BytesIEC,
    queries: usedAndTotal(metric.cpuMemoryUsed, metric.cpuMemoryTotal, label.instance),
    width: 12,
    min: 0,
  })

export const host: Row = { title: 'CPU and memory', panels: () => [cpuUtilization(), cpuMemory()] }
