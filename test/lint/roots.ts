// The hand-written TypeScript the checks of `npm run lint` read.
export const SOURCE_ROOTS = ['scripts', 'dashboards', 'prometheus', 'models', 'test', 'build.ts'] as const
