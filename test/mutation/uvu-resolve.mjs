// A module resolve hook (node:module register) for the mutation workers:
// - `uvu` resolves to uvu-shim.mjs, so a suite registers its tests with the runner instead of
//   running them itself (`uvu/assert` resolves as usual);
// - a module imported as `…?tm-gen=N` passes that query on to every project file it imports (not
//   to node_modules): each mutant gets a fresh copy of the project's modules, with no state left
//   by the runs before it, and a mutant that acts while modules load (a static one) acts.
const shim = new URL('./uvu-shim.mjs', import.meta.url).href
const GENERATION = 'tm-gen'

export async function resolve(specifier, context, next) {
  if (specifier === 'uvu') return { url: shim, shortCircuit: true }
  const resolved = await next(specifier, context)
  const generation = context.parentURL && new URL(context.parentURL).searchParams.get(GENERATION)
  if (!generation || !resolved.url.startsWith('file:') || resolved.url.includes('/node_modules/')) return resolved
  const url = new URL(resolved.url)
  url.searchParams.set(GENERATION, generation)
  return { ...resolved, url: url.href }
}
