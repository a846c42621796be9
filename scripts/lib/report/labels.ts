// The dashboard's words as the report shows them: the dashboard itself stays in English (one
// file, imported as it is), while the report is read in the reader's language. Row and panel
// titles, the words of legends and the panels' "no data" lines are looked up here; a title the
// table does not know (a panel added later) is shown as the dashboard has it.
import { tr } from '../output/i18n.ts'

const TITLES: Record<string, string> = {
  Overview: tr('Overview', '概览'),
  Alerts: tr('Alerts', '告警'),
  Replicas: tr('Replicas', '副本'),
  Throughput: tr('Throughput', '吞吐量'),
  Errors: tr('Errors', '错误'),
  Latency: tr('Latency', '延迟'),
  'CPU and memory': tr('CPU and memory', 'CPU 与内存'),
  'QPS by instance': tr('QPS by instance', '各实例的 QPS'),
  'Mean latency by instance': tr('Mean latency by instance', '各实例的平均延迟'),
  'Queue time per request by instance': tr('Queue time per request by instance', '各实例每个请求的排队时间'),
  'Traffic share by instance': tr('Traffic share by instance', '各实例的流量占比'),
  'QPS per model': tr('QPS per model', '各模型的 QPS'),
  'Batching efficiency': tr('Batching efficiency', '批处理效率'),
  'Success vs failure rate': tr('Success vs failure rate', '成功与失败速率'),
  'Failure ratio': tr('Failure ratio', '失败比例'),
  'Mean inference latency': tr('Mean inference latency', '平均推理延迟'),
  'Latency breakdown per request': tr('Latency breakdown per request', '每个请求的延迟构成'),
  'Latency percentiles (p50 / p95 / p99)': tr('Latency percentiles (p50 / p95 / p99)', '延迟分位数（p50 / p95 / p99）'),
  'GPU utilization': tr('GPU utilization', 'GPU 利用率'),
  'GPU memory': tr('GPU memory', 'GPU 显存'),
  'GPU power': tr('GPU power', 'GPU 功率'),
  'CPU utilization': tr('CPU utilization', 'CPU 利用率'),
  'CPU memory': tr('CPU memory', 'CPU 内存'),
  'No summaries: start Triton with --metrics-config summary_latencies=true': tr(
    'No summaries: start Triton with --metrics-config summary_latencies=true',
    '没有摘要指标：请用 --metrics-config summary_latencies=true 启动 Triton',
  ),
}

/** The words legends add after a label (`{{model}} success`). */
const LEGEND_WORDS: Record<string, string> = {
  success: tr('success', '成功'),
  failure: tr('failure', '失败'),
  queue: tr('queue', '排队'),
  'compute input': tr('compute input', '输入计算'),
  'compute infer': tr('compute infer', '推理计算'),
  'compute output': tr('compute output', '输出计算'),
  used: tr('used', '已用'),
  total: tr('total', '总量'),
  draw: tr('draw', '功耗'),
  limit: tr('limit', '上限'),
}

/** A row title, panel title or "no data" line of the dashboard, in the report's language. */
export const dashboardText = (text: string) => TITLES[text] ?? text

/** A legend format with its words in the report's language; the `{{label}}` parts stay. */
export function legendText(legend: string): string {
  return legend.replace(/(^|\}\}\s*)([a-z][a-z ]*[a-z])\s*$/, (all, before, words: string) =>
    LEGEND_WORDS[words] ? `${before}${LEGEND_WORDS[words]}` : all,
  )
}

/** Every dashboard word this table knows, in English: what a test looks for in a Chinese page. */
export const knownDashboardWords = () => [...Object.keys(TITLES), ...Object.keys(LEGEND_WORDS)]
