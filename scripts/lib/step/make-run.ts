// What the rest of this `make` run will do. The Makefile exports TM_STEPS, the targets of the run in
// order (`make up` spelled out as network triton prometheus alertmanager), so a step can leave out
// a hint to run a target that this same run is about to run anyway.
/** Whether `target` runs after `current` in this make run; false when the step runs on its own. */
export function laterInThisRun(current: string, target: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const steps = (env.TM_STEPS ?? '').split(/\s+/).filter(Boolean)
  const here = steps.indexOf(current)
  return here >= 0 && steps.indexOf(target, here + 1) > here
}
