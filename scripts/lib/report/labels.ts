// The dashboard's words as the report shows them: the dashboard itself stays in English (one
// file, imported as it is), while the report is read in the reader's language. Row and panel
// titles, the words of legends and the panels' "no data" lines are looked up here; a title the
// table does not know (a panel added later) is shown as the dashboard has it.
import { t } from '../output/i18n.ts'

const TITLES: Record<string, string> = {
  Overview: t('Overview'),
  Alerts: t('Alerts'),
  Replicas: t('Replicas'),
  Throughput: t('Throughput'),
  Errors: t('Errors'),
  Latency: t('Latency'),
  'CPU and memory': t('CPU and memory'),
  'QPS by instance': t('QPS by instance'),
  'Mean latency by instance': t('Mean latency by instance'),
  'Queue time per request by instance': t('Queue time per request by instance'),
  'Traffic share by instance': t('Traffic share by instance'),
  'QPS per model': t('QPS per model'),
  'Batching efficiency': t('Batching efficiency'),
  'Success vs failure rate': t('Success vs failure rate'),
  'Failure ratio': t('Failure ratio'),
  'Mean inference latency': t('Mean inference latency'),
  'Latency breakdown per request': t('Latency breakdown per request'),
  'Latency percentiles (p50 / p95 / p99)': t('Latency percentiles (p50 / p95 / p99)'),
  'GPU utilization': t('GPU utilization'),
  'GPU memory': t('GPU memory'),
  'GPU power': t('GPU power'),
  'CPU utilization': t('CPU utilization'),
  'CPU memory': t('CPU memory'),
  'No summaries: start Triton with --metrics-config summary_latencies=true': t(
    'No summaries: start Triton with --metrics-config summary_latencies=true',
  ),
}

/** The words legends add after a label (`{{model}} success`). */
const LEGEND_WORDS: Record<string, string> = {
  success: t('success'),
  failure: t('failure'),
  queue: t('queue'),
  'compute input': t('compute input'),
  'compute infer': t('compute infer'),
  'compute output': t('compute output'),
  used: t('used'),
  total: t('total'),
  draw: t('draw'),
  limit: t('limit'),
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
