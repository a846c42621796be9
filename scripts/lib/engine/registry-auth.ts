// The credentials `docker login` stored for a registry, read the way the docker CLI reads them
// (~/.docker/config.json: a credential helper, the credential store, or the inline `auths`), so a
// pull through the Engine API, or a look at a registry's manifest, works wherever `docker pull`
// works. Every value found is registered as a secret: it never appears in a message.
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { registerSecret } from '../output/mask.ts'
import { zx } from '../step/shell.ts'

export type Credentials = { username: string; password: string } | { identitytoken: string }

interface DockerConfig {
  auths?: Record<string, { auth?: string; identitytoken?: string }>
  credsStore?: string
  credHelpers?: Record<string, string>
}

/** The key `docker login` files Docker Hub under; every other registry is filed by its host[:port]. */
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/'

function readConfig(env: NodeJS.ProcessEnv): DockerConfig {
  try {
    const dir = env.DOCKER_CONFIG || join(homedir(), '.docker')
    return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as DockerConfig
  } catch {
    return {}
  }
}

/** `https://host:5000/v1/` and `host:5000` name the same registry. */
const hostOf = (key: string) => key.replace(/^https?:\/\//, '').replace(/\/.*$/, '')

async function fromHelper(helper: string, server: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  log.command([`docker-credential-${helper}`, 'get'], t('{server} on stdin', { server }))
  const { $ } = await zx()
  const out = await $({
    quiet: true,
    nothrow: true,
    input: server,
    timeout: 10_000,
    env,
  })`docker-credential-${helper} get`
  if (out.exitCode !== 0) return undefined
  try {
    const { Username, Secret } = JSON.parse(out.stdout) as { Username?: string; Secret?: string }
    if (!Secret) return undefined
    // The helpers' convention for an identity token (what `docker login` gets from OAuth registries).
    return Username === '<token>' ? { identitytoken: Secret } : { username: Username ?? '', password: Secret }
  } catch {
    return undefined
  }
}

/** The stored credentials for `registry` (`docker.io` for Docker Hub), or undefined: pull anonymously. */
export async function credentialsFor(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | undefined> {
  const config = readConfig(env)
  const key = registry === 'docker.io' ? DOCKER_HUB_KEY : registry
  const helper = config.credHelpers?.[key] ?? config.credHelpers?.[registry] ?? config.credsStore
  let found: Credentials | undefined
  if (helper) found = await fromHelper(helper, key, env)
  if (!found) {
    const entry = Object.entries(config.auths ?? {}).find(
      ([k]) => k === key || hostOf(k) === hostOf(key) || (registry === 'docker.io' && /docker\.io/.test(hostOf(k))),
    )?.[1]
    if (entry?.identitytoken) found = { identitytoken: entry.identitytoken }
    else if (entry?.auth) {
      const plain = Buffer.from(entry.auth, 'base64').toString('utf8')
      const colon = plain.indexOf(':')
      if (colon > 0) found = { username: plain.slice(0, colon), password: plain.slice(colon + 1) }
    }
  }
  if (found) registerSecret('password' in found ? found.password : found.identitytoken)
  return found
}

/** Who a login is, for messages: the user name, never the secret. */
export function loginName(credentials: Credentials): string {
  return 'password' in credentials ? credentials.username : t('an identity token')
}

/**
 * The Engine API's X-Registry-Auth header, byte for byte as the docker CLI sends it: JSON in
 * URL-safe base64 *with* its `=` padding. The daemon decodes with Go's padded
 * base64.URLEncoding (moby api/pkg/authconfig), and on a decode error it pulls anonymously
 * without a word: Node's `base64url` drops the padding, which lost every login whose JSON length
 * is not a multiple of 3.
 */
export function registryAuthHeader(credentials: Credentials, registry: string): string {
  const server = registry === 'docker.io' ? DOCKER_HUB_KEY : registry
  const body = 'password' in credentials ? { ...credentials, serveraddress: server } : credentials
  return Buffer.from(JSON.stringify(body)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_')
}
