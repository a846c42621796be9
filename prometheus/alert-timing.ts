// How fast an alert travels, in one place: Prometheus's rule evaluation and the rules' `for`, and
// Alertmanager's grouping. Alertmanager's defaults (group_wait 30s, group_interval 5m,
// repeat_interval 4h) suit a pager; in a classroom a stopped Triton must reach the webhook within
// about a minute, and its recovery too, so the numbers below are a classroom's. The budgets at the
// end add them up; test/unit/alert-timing.test.ts holds them to a minute.

/** A duration in whole seconds. */
export type Seconds = number

export const alertTiming = {
  /** Prometheus evaluates every rule this often (`global.evaluation_interval`). */
  evaluationInterval: 5,
  /**
   * TritonTargetDown's `for`: six failed scrapes in a row at a 5 s scrape interval, so one slow
   * scrape (a busy host) never fires it, but a dead Triton does within half a minute.
   */
  targetDownFor: 30,
  /** The failure-ratio and latency alerts look at 5-minute rates; a 5-minute `for` matches their window. */
  failureRatioFor: 300,
  meanLatencyFor: 300,
  /** Alertmanager waits this long after a group's first alert, to send alerts that arrive together as one message. */
  groupWait: 10,
  /** Then sends a group's changes (a new alert, a resolution) at most this often. */
  groupInterval: 15,
  /** And reminds of a group that keeps firing this often: once an hour is enough for a lesson. */
  repeatInterval: 3600,
} as const satisfies Record<string, Seconds>

/** The same numbers, any values: what the budgets below take. */
export type AlertTiming = Record<keyof typeof alertTiming, Seconds>

/** `30s`, `5m`, `1h`: the largest whole unit, as Prometheus and Alertmanager write durations. */
export function duration(seconds: Seconds): string {
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`
  return `${seconds}s`
}

/**
 * Worst case, in seconds, from a stopped Triton to the webhook (rules/alerting.go, dispatch.go):
 * the next scrape fails (up to one interval to start, and up to its timeout, which Prometheus caps
 * at the interval) and writes `up=0`; the next evaluation makes the alert pending; it fires at the
 * evaluation `for` later and goes to Alertmanager at once; a new group is sent after group_wait.
 */
export function firingBudget(scrapeInterval: Seconds, timing: AlertTiming = alertTiming): Seconds {
  return 2 * scrapeInterval + timing.evaluationInterval + timing.targetDownFor + timing.groupWait
}

/**
 * Worst case, in seconds, from Triton answering again to the resolved message: the next scrape
 * succeeds, the next evaluation resolves the alert and sends it at once, and the group's next
 * group_interval tick sends the resolution (`send_resolved`).
 */
export function resolutionBudget(scrapeInterval: Seconds, timing: AlertTiming = alertTiming): Seconds {
  return scrapeInterval + timing.evaluationInterval + timing.groupInterval
}
