// A Grafana stand-in for tests: the HTTP API endpoints the step scripts use, with Grafana 11.6's
// auth rules, status codes and error bodies (from Grafana's pkg/api sources),
// state kept in its data directory like grafana.db (so a volume keeps the first admin password,
// which only `grafana cli admin reset-admin-password` changes: users.ts, cli.ts),
// and every request checked against the OpenAPI spec; violations are answered 400 and recorded
// for the tests at GET /__standin/violations (failed logins at GET /__standin/logins).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { checkRequest, methodsOf } from './openapi.ts'
import { ensureAdmin, readUsers } from './users.ts'

type Role = 'None' | 'Viewer' | 'Editor' | 'Admin'
const roles: Role[] = ['None', 'Viewer', 'Editor', 'Admin']

interface ServiceAccount {
  id: number
  uid: string
  name: string
  login: string
  role: Role
  isDisabled: boolean
}
interface Token {
  id: number
  saId: number
  name: string
  key: string
  created: string
  expiration: string | null
  isRevoked: boolean
}
interface Datasource {
  id: number
  uid: string
  name: string
  type: string
  access: string
  url: string
  user: string
  database: string
  basicAuth: boolean
  basicAuthUser: string
  withCredentials: boolean
  isDefault: boolean
  jsonData: Record<string, unknown>
  version: number
}
interface Folder {
  id: number
  uid: string
  title: string
  version: number
}
interface Dashboard {
  id: number
  uid: string
  title: string
  folderUid: string
  version: number
  model: Record<string, unknown>
  created: string
  updated: string
}

interface State {
  nextId: number
  serviceAccounts: ServiceAccount[]
  tokens: Token[]
  datasources: Datasource[]
  folders: Folder[]
  dashboards: Dashboard[]
}

export interface Violation {
  method: string
  path: string
  problems: string[]
}

export interface StandinOptions {
  /** Grafana's data directory (`GF_PATHS_DATA`, /var/lib/grafana in the image). */
  dataDir: string
  /** The GF_* environment (run.sh has resolved GF_*__FILE already): the admin applies only to a new state. */
  env: NodeJS.ProcessEnv
}

const VERSION = '11.6.0'
const LOCKOUT_ATTEMPTS = 5
const LOCKOUT_MS = 5 * 60_000
const ORG = 1

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(
      typeof body === 'object' && body && 'message' in body
        ? String((body as { message: unknown }).message)
        : String(status),
    )
  }
}

/** errutil-style body: `{message, messageId, statusCode, traceID}`. */
const errutil = (status: number, messageId: string, message: string) =>
  new HttpError(status, { message, messageId, statusCode: status, traceID: '' })
const legacy = (status: number, message: string, traceID = false) =>
  new HttpError(status, traceID ? { message, traceID: '' } : { message })

function loadState(options: StandinOptions): State {
  const file = join(options.dataDir, 'grafana-standin.json')
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as State
  return { nextId: 2, serviceAccounts: [], tokens: [], datasources: [], folders: [], dashboards: [] }
}

/** `glsa_<32 alphanumerics>_<crc32 of the prefix, little-endian hex>`, as Grafana's satokengen. */
function newKey(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  const secret = [...randomBytes(32)].map((b) => alphabet[b % alphabet.length]).join('')
  const sum = Buffer.alloc(4)
  sum.writeUInt32LE(crc32(`glsa_${secret}`))
  return `glsa_${secret}_${sum.toString('hex')}`
}

const slugify = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
const uidPattern = /^[a-zA-Z0-9_-]+$/
const now = () => new Date().toISOString()

/** What each identity may do: the default RBAC grants of Grafana's basic roles, reduced to our routes. */
const grants: Record<Role, string[]> = {
  None: [],
  Viewer: ['datasources:query', 'dashboards:read', 'folders:read'],
  Editor: [
    'datasources:query',
    'datasources:read',
    'dashboards:read',
    'dashboards:create',
    'dashboards:write',
    'dashboards:delete',
    'folders:read',
    'folders:create',
    'folders:write',
  ],
  Admin: ['*'],
}

interface Identity {
  role: Role
  login: string
}

/**
 * The routes the Prometheus plugin's plugin.json declares (its `routes`, with the least role each
 * needs). Through the datasource proxy any GET passes; a POST, PUT or DELETE must match one of
 * these, else Grafana answers 403 (pkg/api/pluginproxy/ds_proxy.go `validateRequest`).
 */
const prometheusRoutes: { method: string; path: string; role: Role }[] = [
  { method: 'GET', path: 'api/v1/status/flags', role: 'Admin' },
  ...['api/v1/query', 'api/v1/query_range', 'api/v1/series', 'api/v1/labels', 'api/v1/query_exemplars'].map((path) => ({
    method: 'POST',
    path,
    role: 'Viewer' as Role,
  })),
  { method: 'GET', path: 'rules', role: 'Viewer' },
  { method: 'POST', path: 'rules', role: 'Editor' },
  { method: 'DELETE', path: 'rules', role: 'Editor' },
]

export function createGrafanaStandin(options: StandinOptions): { server: Server; violations: Violation[] } {
  mkdirSync(options.dataDir, { recursive: true })
  const stateFile = join(options.dataDir, 'grafana-standin.json')
  const state = loadState(options)
  ensureAdmin(options.dataDir, options.env)
  const admin = () => readUsers(options.dataDir)!.find((u) => u.isAdmin)!
  const save = () => {
    writeFileSync(`${stateFile}.tmp`, JSON.stringify(state, null, 1), { mode: 0o600 })
    renameSync(`${stateFile}.tmp`, stateFile)
  }
  save()
  const violations: Violation[] = []
  /** [dataproxy] timeout (GF_DATAPROXY_TIMEOUT, seconds; Grafana's default 30). */
  const dataproxyTimeoutMs = Number(options.env.GF_DATAPROXY_TIMEOUT || 30) * 1000
  const failures = new Map<string, number[]>()
  /** Every failed basic-auth login since start, so tests can prove a step tried only once. */
  let failedLogins = 0
  const nextId = () => state.nextId++

  function authenticate(req: IncomingMessage): Identity {
    const header = req.headers.authorization ?? ''
    const [scheme, value = ''] = header.split(' ', 2)
    if (/^basic$/i.test(scheme ?? '')) {
      const decoded = Buffer.from(value, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      const login = decoded.slice(0, colon)
      const password = decoded.slice(colon + 1)
      const recent = (failures.get(login) ?? []).filter((t) => Date.now() - t < LOCKOUT_MS)
      failures.set(login, recent)
      // The lockout check comes before the password check, so the right password is refused too.
      if (recent.length >= LOCKOUT_ATTEMPTS) throw errutil(401, 'login-attempt.blocked', 'Invalid username or password')
      const user = admin()
      const expected = Buffer.from(user.password)
      const given = Buffer.from(password)
      if (colon < 0 || login !== user.login || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        recent.push(Date.now())
        failedLogins++
        throw errutil(401, 'password-auth.failed', 'Invalid username or password')
      }
      failures.delete(login)
      return { role: 'Admin', login }
    }
    if (/^bearer$/i.test(scheme ?? '')) {
      const token = state.tokens.find((t) => t.key === value)
      if (!token) throw errutil(401, 'api-key.invalid', 'Invalid API key')
      if (token.isRevoked) throw errutil(401, 'api-key.revoked', 'Revoked API key')
      if (token.expiration && Date.parse(token.expiration) <= Date.now())
        throw errutil(401, 'api-key.expired', 'Expired API key')
      const sa = state.serviceAccounts.find((s) => s.id === token.saId)!
      if (sa.isDisabled) throw errutil(401, 'api-key.invalid', 'Invalid API key')
      return { role: sa.role, login: sa.login }
    }
    throw new HttpError(401, { message: 'Unauthorized' })
  }

  function need(identity: Identity, action: string) {
    const granted = grants[identity.role]
    if (granted.includes('*') || granted.includes(action)) return
    throw new HttpError(403, {
      accessErrorId: `ACE${randomBytes(5).toString('hex')}`,
      message: `You'll need additional permissions to perform this action. Permissions needed: ${action}`,
      title: 'Access denied',
    })
  }

  const saDto = (sa: ServiceAccount) => ({
    id: sa.id,
    uid: sa.uid,
    name: sa.name,
    login: sa.login,
    orgId: ORG,
    isDisabled: sa.isDisabled,
    role: sa.role,
    tokens: state.tokens.filter((t) => t.saId === sa.id).length,
    avatarUrl: `/avatar/${sa.uid}`,
  })
  const dsDto = (ds: Datasource) => ({
    id: ds.id,
    uid: ds.uid,
    orgId: ORG,
    name: ds.name,
    type: ds.type,
    typeLogoUrl: '',
    access: ds.access,
    url: ds.url,
    user: ds.user,
    database: ds.database,
    basicAuth: ds.basicAuth,
    basicAuthUser: ds.basicAuthUser,
    withCredentials: ds.withCredentials,
    isDefault: ds.isDefault,
    jsonData: ds.jsonData,
    secureJsonFields: {},
    version: ds.version,
    readOnly: false,
  })
  const dashUrl = (d: Dashboard) => `/d/${d.uid}/${slugify(d.title)}`
  const findSa = (raw: string) => {
    const sa = state.serviceAccounts.find((s) => s.id === Number(raw))
    if (!sa) throw errutil(404, 'serviceaccounts.ErrNotFound', 'service account not found')
    return sa
  }
  const findDs = (uid: string) => {
    const ds = state.datasources.find((d) => d.uid === uid)
    if (!ds) throw legacy(404, 'Data source not found')
    return ds
  }

  type Body = Record<string, unknown>
  type Handler = (ctx: {
    identity: Identity
    params: Record<string, string>
    query: URLSearchParams
    body: Body
  }) => [number, unknown] | Promise<[number, unknown]>
  const handlers: Record<string, Handler> = {
    'POST /serviceaccounts': ({ identity, body }) => {
      need(identity, 'serviceaccounts:create')
      const name = typeof body.name === 'string' ? body.name : ''
      if (!name) throw legacy(400, 'Bad request data', true)
      const role = (body.role ?? 'Viewer') as Role
      if (!roles.includes(role)) throw errutil(400, 'serviceaccounts.ErrInvalidRoleSpecified', 'invalid role specified')
      const login = `sa-${ORG}-${name.toLowerCase().replace(/ /g, '-')}`
      if (state.serviceAccounts.some((s) => s.login === login))
        throw errutil(400, 'serviceaccounts.ErrAlreadyExists', 'service account already exists')
      const sa: ServiceAccount = {
        id: nextId(),
        uid: randomBytes(7).toString('hex'),
        name,
        login,
        role,
        isDisabled: body.isDisabled === true,
      }
      state.serviceAccounts.push(sa)
      save()
      return [201, saDto(sa)]
    },
    'GET /user': ({ identity }) => {
      if (identity.role !== 'Admin' || identity.login !== admin().login)
        return [200, { id: 0, login: identity.login, orgId: ORG, isGrafanaAdmin: false }]
      return [
        200,
        {
          id: 1,
          email: 'admin@localhost',
          name: '',
          login: identity.login,
          theme: '',
          orgId: ORG,
          isGrafanaAdmin: true,
          isDisabled: false,
          isExternal: false,
          updatedAt: now(),
          createdAt: now(),
          avatarUrl: '/avatar/admin',
        },
      ]
    },
    'GET /serviceaccounts/search': ({ identity, query }) => {
      need(identity, 'serviceaccounts:read')
      const q = (query.get('query') ?? '').toLowerCase()
      const perPage = Number(query.get('perpage') ?? 1000)
      const page = Number(query.get('page') ?? 1)
      const hits = state.serviceAccounts.filter((s) => s.name.toLowerCase().includes(q) || s.login.includes(q))
      return [
        200,
        {
          totalCount: hits.length,
          serviceAccounts: hits.slice((page - 1) * perPage, page * perPage).map(saDto),
          page,
          perPage,
        },
      ]
    },
    'GET /serviceaccounts/{serviceAccountId}': ({ identity, params }) => {
      need(identity, 'serviceaccounts:read')
      return [200, saDto(findSa(params.serviceAccountId!))]
    },
    'PATCH /serviceaccounts/{serviceAccountId}': ({ identity, params, body }) => {
      need(identity, 'serviceaccounts:write')
      const sa = findSa(params.serviceAccountId!)
      if (body.role !== undefined) {
        if (!roles.includes(body.role as Role))
          throw errutil(400, 'serviceaccounts.ErrInvalidRoleSpecified', 'invalid role specified')
        sa.role = body.role as Role
      }
      if (typeof body.name === 'string' && body.name) sa.name = body.name
      if (typeof body.isDisabled === 'boolean') sa.isDisabled = body.isDisabled
      save()
      return [200, { message: 'Service account updated', id: sa.id, name: sa.name, serviceaccount: saDto(sa) }]
    },
    'DELETE /serviceaccounts/{serviceAccountId}': ({ identity, params }) => {
      need(identity, 'serviceaccounts:delete')
      const sa = findSa(params.serviceAccountId!)
      state.serviceAccounts = state.serviceAccounts.filter((s) => s !== sa)
      state.tokens = state.tokens.filter((t) => t.saId !== sa.id)
      save()
      return [200, { message: 'Service account deleted' }]
    },
    'GET /serviceaccounts/{serviceAccountId}/tokens': ({ identity, params }) => {
      need(identity, 'serviceaccounts:read')
      const sa = findSa(params.serviceAccountId!)
      return [
        200,
        state.tokens
          .filter((t) => t.saId === sa.id)
          .map((t) => {
            const left = t.expiration ? Math.max(0, Math.round((Date.parse(t.expiration) - Date.now()) / 1000)) : 0
            return {
              id: t.id,
              name: t.name,
              created: t.created,
              lastUsedAt: null,
              expiration: t.expiration,
              secondsUntilExpiration: left,
              hasExpired: t.expiration !== null && left === 0,
              isRevoked: t.isRevoked,
            }
          }),
      ]
    },
    'POST /serviceaccounts/{serviceAccountId}/tokens': ({ identity, params, body }) => {
      need(identity, 'serviceaccounts:write')
      const sa = findSa(params.serviceAccountId!)
      const name = typeof body.name === 'string' ? body.name : ''
      if (!name) throw legacy(400, 'Bad request data', true)
      // Token names are unique per organisation, not per service account.
      if (state.tokens.some((t) => t.name === name)) {
        throw errutil(
          400,
          'serviceaccounts.ErrTokenAlreadyExists',
          'service account token with given name already exists in the organization',
        )
      }
      const ttl = Number(body.secondsToLive ?? 0)
      const token: Token = {
        id: nextId(),
        saId: sa.id,
        name,
        key: newKey(),
        created: now(),
        expiration: ttl > 0 ? new Date(Date.now() + ttl * 1000).toISOString() : null,
        isRevoked: false,
      }
      state.tokens.push(token)
      save()
      return [200, { id: token.id, name: token.name, key: token.key }]
    },
    'DELETE /serviceaccounts/{serviceAccountId}/tokens/{tokenId}': ({ identity, params }) => {
      need(identity, 'serviceaccounts:write')
      const sa = findSa(params.serviceAccountId!)
      const token = state.tokens.find((t) => t.saId === sa.id && t.id === Number(params.tokenId))
      if (!token) throw errutil(404, 'serviceaccounts.ErrTokenNotFound', 'service account token not found')
      state.tokens = state.tokens.filter((t) => t !== token)
      save()
      return [200, { message: 'Service account token deleted' }]
    },
    'GET /datasources': ({ identity }) => {
      need(identity, 'datasources:read')
      return [200, [...state.datasources].sort((a, b) => a.name.localeCompare(b.name)).map(dsDto)]
    },
    'POST /datasources': ({ identity, body }) => {
      need(identity, 'datasources:create')
      const ds = datasourceFrom(body, {
        id: nextId(),
        uid: typeof body.uid === 'string' && body.uid ? body.uid : randomBytes(7).toString('hex'),
        version: 1,
      })
      if (state.datasources.some((d) => d.name === ds.name))
        throw legacy(409, 'data source with the same name already exists', true)
      if (state.datasources.some((d) => d.uid === ds.uid))
        throw legacy(409, 'data source with the same uid already exists', true)
      state.datasources.push(ds)
      save()
      return [200, { message: 'Datasource added', id: ds.id, name: ds.name, datasource: dsDto(ds) }]
    },
    'GET /datasources/uid/{uid}': ({ identity, params }) => {
      need(identity, 'datasources:read')
      return [200, dsDto(findDs(params.uid!))]
    },
    'GET /datasources/name/{name}': ({ identity, params }) => {
      need(identity, 'datasources:read')
      const ds = state.datasources.find((d) => d.name === params.name)
      if (!ds) throw legacy(404, 'Data source not found')
      return [200, dsDto(ds)]
    },
    'PUT /datasources/uid/{uid}': ({ identity, params, body }) => {
      need(identity, 'datasources:write')
      const old = findDs(params.uid!)
      if (typeof body.version === 'number' && body.version < old.version) {
        throw legacy(409, 'Datasource has already been updated by someone else. Please reload and try again', true)
      }
      const ds = datasourceFrom(body, { id: old.id, uid: old.uid, version: old.version + 1 })
      if (state.datasources.some((d) => d !== old && d.name === ds.name)) {
        throw legacy(409, 'Failed to update datasource: data source with the same name already exists', true)
      }
      state.datasources[state.datasources.indexOf(old)] = ds
      save()
      return [200, { message: 'Datasource updated', id: ds.id, name: ds.name, datasource: dsDto(ds) }]
    },
    'DELETE /datasources/uid/{uid}': ({ identity, params }) => {
      need(identity, 'datasources:delete')
      const ds = findDs(params.uid!)
      state.datasources = state.datasources.filter((d) => d !== ds)
      save()
      return [200, { message: 'Data source deleted', id: ds.id }]
    },
    'GET /folders': ({ identity }) => {
      need(identity, 'folders:read')
      return [200, state.folders.map((f) => ({ id: f.id, uid: f.uid, title: f.title }))]
    },
    'POST /folders': ({ identity, body }) => {
      need(identity, 'folders:create')
      const title = typeof body.title === 'string' ? body.title.trim() : ''
      if (!title) throw legacy(400, 'folder title cannot be empty')
      const uid = typeof body.uid === 'string' && body.uid ? body.uid : randomBytes(7).toString('hex')
      if (!uidPattern.test(uid)) throw legacy(400, 'uid contains illegal characters')
      if (state.folders.some((f) => f.uid === uid) || state.dashboards.some((d) => d.uid === uid)) {
        throw legacy(409, 'a folder/dashboard with the same uid already exists')
      }
      const folder: Folder = { id: nextId(), uid, title, version: 1 }
      state.folders.push(folder)
      save()
      return [200, folderDto(folder)]
    },
    'GET /folders/{folder_uid}': ({ identity, params }) => {
      need(identity, 'folders:read')
      const folder = state.folders.find((f) => f.uid === params.folder_uid)
      if (!folder) throw new HttpError(404, { status: 'not-found', message: 'folder not found' })
      return [200, folderDto(folder)]
    },
    'PUT /folders/{folder_uid}': ({ identity, params, body }) => {
      need(identity, 'folders:write')
      const folder = state.folders.find((f) => f.uid === params.folder_uid)
      if (!folder) throw new HttpError(404, { status: 'not-found', message: 'folder not found' })
      if (typeof body.version === 'number' && body.version !== folder.version && body.overwrite !== true) {
        throw legacy(409, 'the folder has been changed by someone else')
      }
      if (typeof body.title === 'string' && body.title.trim()) folder.title = body.title.trim()
      folder.version++
      save()
      return [200, folderDto(folder)]
    },
    'POST /dashboards/db': ({ identity, body }) => {
      const model = (body.dashboard ?? {}) as Record<string, unknown>
      const existing = typeof model.uid === 'string' ? state.dashboards.find((d) => d.uid === model.uid) : undefined
      need(identity, existing ? 'dashboards:write' : 'dashboards:create')
      const title = typeof model.title === 'string' ? model.title.trim() : ''
      if (!title) throw new HttpError(400, { status: 'empty-name', message: 'Dashboard title cannot be empty' })
      const uid = typeof model.uid === 'string' && model.uid ? model.uid : randomBytes(7).toString('hex')
      if (!uidPattern.test(uid)) throw legacy(400, 'uid contains illegal characters')
      if (uid.length > 40) throw legacy(400, 'uid too long, max 40 characters')
      const folderUid = typeof body.folderUid === 'string' ? body.folderUid : ''
      if (folderUid && !state.folders.some((f) => f.uid === folderUid)) throw legacy(400, 'folder not found')
      if (typeof model.refresh === 'string' && /^[1-4]s$/.test(model.refresh))
        throw legacy(400, 'Dashboard refresh interval is too low')
      if (existing && body.overwrite !== true && model.version !== existing.version) {
        throw new HttpError(412, {
          status: 'version-mismatch',
          message: 'The dashboard has been changed by someone else',
        })
      }
      // Grafana 11.3+ no longer requires unique titles within a folder (PR #90687).
      const dashboard: Dashboard = existing ?? {
        id: nextId(),
        uid,
        title,
        folderUid,
        version: 0,
        model: {},
        created: now(),
        updated: now(),
      }
      Object.assign(dashboard, { title, folderUid, version: dashboard.version + 1, updated: now() })
      dashboard.model = { ...model, id: dashboard.id, uid, version: dashboard.version }
      if (!existing) state.dashboards.push(dashboard)
      save()
      return [
        200,
        {
          status: 'success',
          slug: slugify(title),
          version: dashboard.version,
          id: dashboard.id,
          uid,
          url: dashUrl(dashboard),
          folderUid,
        },
      ]
    },
    'GET /dashboards/uid/{uid}': ({ identity, params }) => {
      need(identity, 'dashboards:read')
      const d = state.dashboards.find((x) => x.uid === params.uid)
      if (!d) throw legacy(404, 'Dashboard not found', true)
      const folder = state.folders.find((f) => f.uid === d.folderUid)
      return [
        200,
        {
          dashboard: d.model,
          meta: {
            slug: slugify(d.title),
            url: dashUrl(d),
            folderUid: d.folderUid,
            folderTitle: folder?.title ?? 'General',
            version: d.version,
            created: d.created,
            updated: d.updated,
            canSave: true,
            canEdit: true,
            canAdmin: true,
            canDelete: true,
            provisioned: false,
          },
        },
      ]
    },
    'DELETE /dashboards/uid/{uid}': ({ identity, params }) => {
      need(identity, 'dashboards:delete')
      const d = state.dashboards.find((x) => x.uid === params.uid)
      if (!d) throw legacy(404, 'Dashboard not found', true)
      state.dashboards = state.dashboards.filter((x) => x !== d)
      save()
      return [200, { title: d.title, message: `Dashboard ${d.title} deleted`, uid: d.uid }]
    },
    'GET /search': ({ identity, query }) => {
      if (identity.role === 'None') return [200, []]
      const limit = Number(query.get('limit') ?? 1000)
      if (limit > 5000)
        throw legacy(422, 'Limit is above maximum allowed (5000), use page parameter to access hits beyond limit')
      const q = (query.get('query') ?? '').toLowerCase()
      const type = query.get('type')
      const uids = query.getAll('dashboardUIDs')
      const folderUids = query.getAll('folderUIDs')
      const folders = state.folders.map((f) => ({
        id: f.id,
        uid: f.uid,
        title: f.title,
        uri: `db/${slugify(f.title)}`,
        url: `/dashboards/f/${f.uid}/${slugify(f.title)}`,
        slug: '',
        type: 'dash-folder',
        tags: [],
        isStarred: false,
        sortMeta: 0,
        folderUid: '',
      }))
      const dashboards = state.dashboards.map((d) => {
        const folder = state.folders.find((f) => f.uid === d.folderUid)
        return {
          id: d.id,
          uid: d.uid,
          title: d.title,
          uri: `db/${slugify(d.title)}`,
          url: dashUrl(d),
          slug: '',
          type: 'dash-db',
          tags: (d.model.tags as string[] | undefined) ?? [],
          isStarred: false,
          sortMeta: 0,
          folderUid: d.folderUid,
          ...(folder
            ? {
                folderId: folder.id,
                folderTitle: folder.title,
                folderUrl: `/dashboards/f/${folder.uid}/${slugify(folder.title)}`,
              }
            : {}),
        }
      })
      const hits = [...(type === 'dash-db' ? [] : folders), ...(type === 'dash-folder' ? [] : dashboards)]
        .filter((h) => h.title.toLowerCase().includes(q))
        .filter((h) => uids.length === 0 || uids.includes(h.uid))
        .filter((h) => folderUids.length === 0 || folderUids.includes(h.folderUid))
        .sort((a, b) => a.title.localeCompare(b.title))
      return [200, hits.slice(0, limit)]
    },
  }

  function datasourceFrom(body: Body, keep: { id: number; uid: string; version: number }): Datasource {
    const name = typeof body.name === 'string' ? body.name : ''
    if (!name || name.length > 190) throw errutil(400, 'datasource.nameInvalid', 'Invalid datasource name.')
    const url = typeof body.url === 'string' ? body.url : ''
    if (url && !URL.canParse(url) && !URL.canParse(`http://${url}`))
      throw legacy(400, 'Validation error, invalid URL', true)
    return {
      ...keep,
      name,
      url,
      type: String(body.type ?? ''),
      access: String(body.access ?? 'proxy'),
      user: String(body.user ?? ''),
      database: String(body.database ?? ''),
      basicAuth: body.basicAuth === true,
      basicAuthUser: String(body.basicAuthUser ?? ''),
      withCredentials: body.withCredentials === true,
      isDefault: body.isDefault === true,
      jsonData: (body.jsonData ?? {}) as Record<string, unknown>,
    }
  }

  const folderDto = (f: Folder) => ({
    id: f.id,
    uid: f.uid,
    orgId: ORG,
    title: f.title,
    url: `/dashboards/f/${f.uid}/${slugify(f.title)}`,
    hasAcl: false,
    canSave: true,
    canEdit: true,
    canAdmin: true,
    canDelete: true,
    createdBy: 'admin',
    created: now(),
    updatedBy: 'admin',
    updated: now(),
    version: f.version,
    parentUid: '',
  })

  /** `/api/datasources/proxy/uid/<uid>/<route>`: forwarded to the datasource's URL (for Prometheus, GET or an allow-listed route). */
  async function proxy(
    req: IncomingMessage,
    res: ServerResponse,
    identity: Identity,
    uid: string,
    route: string,
    search: string,
    body: Buffer,
  ) {
    if (!uidPattern.test(uid)) throw legacy(400, 'UID is invalid')
    const ds = state.datasources.find((d) => d.uid === uid)
    if (!ds) throw legacy(404, 'Unable to find datasource', true)
    if (!grants[identity.role].some((g) => g === '*' || g === 'datasources:query'))
      throw legacy(403, 'Access denied to datasource', true)
    if (!URL.canParse(ds.url)) throw legacy(400, `Invalid data source URL: "${ds.url}"`)
    if (ds.type === 'prometheus') {
      const method = req.method ?? 'GET'
      // Grafana matches a route by plain prefix of the cleaned path, so api/v1/query covers query_range.
      const path = route.replace(/^\/+/, '')
      const matched = prometheusRoutes.find((r) => r.method === method && path.startsWith(r.path))
      if (matched && roles.indexOf(identity.role) < roles.indexOf(matched.role))
        throw legacy(403, 'plugin proxy route access denied')
      if (!matched && ['DELETE', 'PUT', 'POST'].includes(method)) {
        throw legacy(403, `non allow-listed ${method}s not allowed on proxied Prometheus datasource`)
      }
    }
    const target = `${ds.url.replace(/\/+$/, '')}/${route}${search}`
    let upstream: Response
    try {
      upstream = await fetch(target, {
        method: req.method,
        headers: {
          accept: req.headers.accept ?? '*/*',
          ...(req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {}),
        },
        body: ['GET', 'HEAD'].includes(req.method!) ? undefined : body,
        signal: AbortSignal.timeout(dataproxyTimeoutMs),
      })
    } catch (error) {
      // Grafana's reverse proxy (pkg/util/proxyutil/reverse_proxy.go, errorHandler) writes a status
      // and no body: 504 when talking to the datasource timed out, 502 for any other failure (a
      // name it cannot look up, a refused connection). The body says nothing; only the status does.
      res.writeHead((error as Error).name === 'TimeoutError' ? 504 : 502).end()
      return
    }
    const payload = Buffer.from(await upstream.arrayBuffer())
    res
      .writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
      })
      .end(payload)
  }

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body))
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://standin')
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks)
    const method = req.method ?? 'GET'

    if (url.pathname === '/__standin/violations') return send(res, 200, violations)
    if (url.pathname === '/__standin/logins') return send(res, 200, { failed: failedLogins })
    if (url.pathname === '/api/health' && (method === 'GET' || method === 'HEAD')) {
      return send(res, 200, { database: 'ok', version: VERSION, commit: 'standin' })
    }
    if (!url.pathname.startsWith('/api/')) return send(res, 404, { message: 'Not found' })
    const path = url.pathname.slice('/api'.length)

    const proxied = /^\/datasources\/proxy\/uid\/([^/]*)\/?(.*)$/.exec(path)
    if (proxied) {
      // The spec's route parameter is one segment and covers GET/POST/DELETE only: check those by hand.
      const allowed = methodsOf('/datasources/proxy/uid/{uid}/{datasource_proxy_route}')
      if (!allowed.includes(method)) {
        violations.push({
          method,
          path: url.pathname,
          problems: [`${method} is not an operation of the datasource proxy in the spec`],
        })
        return send(res, 400, { message: 'Bad request data' })
      }
      const identity = authenticate(req)
      return proxy(req, res, identity, decodeURIComponent(proxied[1]!), proxied[2]!, url.search, raw)
    }

    const checked = checkRequest(method, path, url.searchParams, raw.length ? raw.toString('utf8') : undefined)
    if (checked.problems.length) {
      violations.push({ method, path: url.pathname + url.search, problems: checked.problems })
      process.stderr.write(`spec violation: ${method} ${url.pathname}: ${checked.problems.join('; ')}\n`)
      return send(
        res,
        checked.template ? 400 : 404,
        checked.template ? { message: 'Bad request data' } : { message: 'Not found' },
      )
    }
    const identity = authenticate(req)
    const handler = handlers[`${method} ${checked.template}`]
    if (!handler)
      return send(res, 501, { message: `the stand-in does not implement ${method} /api${checked.template}` })
    const body = raw.length ? (JSON.parse(raw.toString('utf8')) as Body) : {}
    const [status, answer] = await handler({ identity, params: checked.params, query: url.searchParams, body })
    send(res, status, answer)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return send(res, error.status, error.body)
      process.stderr.write(`stand-in error: ${(error as Error).stack}\n`)
      send(res, 500, { message: 'Internal Server Error', traceID: '' })
    })
  })
  return { server, violations }
}
