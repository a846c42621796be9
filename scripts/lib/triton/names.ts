// Where Triton listens inside its container, and how its replicas are named and published. Host
// ports are configurable; the container ports are Triton's defaults and the ones Prometheus
// scrapes on the Docker network.
export const TRITON_PORTS = { http: 8000, grpc: 8001, metrics: 8002 } as const

/**
 * The command every Triton runs, in Docker and on Kubernetes: the model repository mounted at
 * /models, and latency summaries on (the dashboard's p50/p95/p99 need them).
 */
export const TRITON_ARGS = ['tritonserver', '--model-repository=/models', '--metrics-config=summary_latencies=true']

/**
 * Every replica carries this label with the stack's TRITON_CONTAINER as value: the step finds the
 * replicas left over after a scale-down by it, and Prometheus discovers the running ones by it.
 */
export const REPLICA_LABEL = 'io.triton-monitoring.triton'

/** `TRITON_REPLICAS` above this is refused: one Docker host rarely has more GPUs, and ports run out. */
export const MAX_REPLICAS = 16

/**
 * Host ports of replica k (1-based) are the configured ones plus (k - 1) × 10: replica 1 keeps
 * 8000-8002, replica 2 gets 8010-8012, replica 3 8020-8022. A step of 10 keeps each replica's
 * three ports together and readable, and leaves room for the three of the default scheme.
 */
export const REPLICA_PORT_STEP = 10

/**
 * Container name of replica k: the first keeps `TRITON_CONTAINER` (`triton`), so one replica is
 * exactly the stack of before and scaling up never renames a running container; the others are
 * `triton-2`, `triton-3`, ...
 */
export const replicaName = (container: string, k: number) => (k === 1 ? container : `${container}-${k}`)

/** The Prometheus scrape target of a Triton container on the shared network: `<container>:8002`. */
export function tritonTarget(container: string): string {
  return `${container}:${TRITON_PORTS.metrics}`
}
