// The hand-written TypeScript the checks of `npm run lint` read.
export const SOURCE_ROOTS = ['scripts', 'dashboards', 'prometheus', 'kubernetes', 'models', 'test', 'build.ts'] as const
/** Written by a generator, not by hand (`npm run generate:grafana`): its lines are the spec's. */
export const GENERATED = ['scripts/lib/grafana/schema.ts']
