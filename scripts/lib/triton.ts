// Where Triton listens inside its container. Host ports are configurable; these are Triton's defaults
// and the ones Prometheus scrapes on the Docker network.
export const TRITON_PORTS = { http: 8000, grpc: 8001, metrics: 8002 } as const

/** The Prometheus scrape target for Triton on the shared network: `<container>:8002`. */
export function tritonTarget(container: string): string {
  return `${container}:${TRITON_PORTS.metrics}`
}
