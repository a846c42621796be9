// Node's built-in modules that only some paths of a step use, loaded on first use: node:http and
// node:crypto each cost a start about a twelfth of a bare node's, which `--help` and a step that
// never reaches them should not pay. Synchronous, unlike import(), so their callers keep their
// shape; Node caches each module, so a second call costs nothing.
import { createRequire } from 'node:module'

const load = createRequire(import.meta.url)

export const http = () => load('node:http') as typeof import('node:http')
export const https = () => load('node:https') as typeof import('node:https')
export const crypto = () => load('node:crypto') as typeof import('node:crypto')
