// Holds the GitHub stand-in to GitHub's own description of its REST API (npm @octokit/openapi,
// api.github.com.json): each request must name an operation of the spec, arrive on the host the
// operation lives on (uploads have their own), and carry path, query and body values the spec
// accepts; each answer the stand-in gives must match the spec's schema for that status.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Ajv, type ValidateFunction } from 'ajv'
import formats from 'ajv-formats'

type Json = Record<string, unknown>
type Host = 'api' | 'uploads'

interface SpecParameter {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  schema?: Json
}
interface SpecOperation {
  operationId: string
  servers?: { url: string }[]
  parameters?: Json[]
  requestBody?: Json
  responses: Record<string, Json>
}

// The package's index.js would load every variant of the spec (~400 MB); read just the one.
const specPath = join(
  dirname(createRequire(import.meta.url).resolve('@octokit/openapi/package.json')),
  'generated/api.github.com.json',
)
const spec = JSON.parse(readFileSync(specPath, 'utf8')) as { paths: Record<string, Record<string, SpecOperation>> }

const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false })
;(formats as unknown as { default: (ajv: Ajv) => Ajv }).default(ajv)
// OpenAPI's own formats, which JSON Schema does not define: they only say how wide a number is.
for (const name of ['int32', 'int64', 'binary']) ajv.addFormat(name, true)
ajv.addSchema(spec as unknown as Json, 'github')

const pointerPart = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1')

function at(pointer: string): Json {
  return pointer
    .slice(2)
    .split('/')
    .reduce<Json>((node, part) => node[part.replace(/~1/g, '/').replace(/~0/g, '~')] as Json, spec as unknown as Json)
}

/** A node with its `$ref`s followed, and the pointer ajv should compile it from. */
function resolve(node: Json, pointer: string): { node: Json; pointer: string } {
  return typeof node.$ref === 'string' ? resolve(at(node.$ref), node.$ref) : { node, pointer }
}

const compiled = new Map<string, ValidateFunction>()
function validator(pointer: string): ValidateFunction {
  let validate = compiled.get(pointer)
  if (!validate) {
    validate = ajv.compile({ $ref: `github${pointer}` })
    compiled.set(pointer, validate)
  }
  return validate
}

function errorsOf(pointer: string, value: unknown, label: string): string[] {
  const validate = validator(pointer)
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${label}${e.instancePath} ${e.message}`)
}

interface Route {
  template: string
  regex: RegExp
  names: string[]
}

const routes: Route[] = Object.keys(spec.paths)
  .map((template) => {
    const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!)
    const source = template
      .split(/\{[^}]+\}/)
      .map((s) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('([^/]+)')
    return { template, regex: new RegExp(`^${source}$`), names }
  })
  // `/releases/latest` is its own operation, not `/releases/{release_id}` with id "latest".
  .sort((a, b) => a.names.length - b.names.length)

/** The host an operation is served from: uploads are the only ones with their own server. */
const hostOf = (operation: SpecOperation): Host =>
  operation.servers?.some((s) => s.url.includes('uploads.')) ? 'uploads' : 'api'

/** Query and path values arrive as text; the spec types them. */
function typed(raw: string, schema: Json | undefined): unknown {
  if (schema?.type === 'integer' || schema?.type === 'number') return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw
  if (schema?.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw
  return raw
}

export interface CheckedRequest {
  /** `repos/upload-release-asset`, … ; undefined when the spec has no such operation. */
  operationId?: string
  /** JSON pointer of the operation in the spec, for checking the answer. */
  pointer?: string
  params: Record<string, string>
  problems: string[]
}

export interface IncomingCall {
  host: Host
  method: string
  /** Path below the listener's prefix, still percent-encoded. */
  path: string
  query: URLSearchParams
  contentType: string | undefined
  body: Buffer
}

export function checkRequest(call: IncomingCall): CheckedRequest {
  const where = `${call.method} ${call.path}`
  const route = routes.find((r) => r.regex.test(call.path))
  if (!route) return { params: {}, problems: [`${where}: no such path in GitHub's API`] }
  const values = route.regex.exec(call.path)!.slice(1)
  const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(values[i]!)]))
  const method = call.method.toLowerCase()
  const operation = spec.paths[route.template]![method]
  if (!operation?.operationId)
    return { params, problems: [`${where}: ${route.template} has no ${call.method} operation`] }
  const pointer = `#/paths/${pointerPart(route.template)}/${method}`
  const problems: string[] = []
  if (hostOf(operation) !== call.host) {
    problems.push(
      `${where}: ${operation.operationId} is served by the ${hostOf(operation)} host, not the ${call.host} host`,
    )
  }

  const declared = new Set<string>()
  ;(operation.parameters ?? []).forEach((entry, i) => {
    const { node, pointer: paramPointer } = resolve(entry, `${pointer}/parameters/${i}`)
    const param = node as unknown as SpecParameter
    if (param.in !== 'path' && param.in !== 'query') return
    declared.add(param.name)
    const raw = param.in === 'path' ? params[param.name] : (call.query.get(param.name) ?? undefined)
    if (raw === undefined) {
      if (param.required) problems.push(`${where}: ${param.in} parameter ${param.name} is required`)
    } else if (param.schema) {
      problems.push(
        ...errorsOf(
          `${paramPointer}/schema`,
          typed(raw, param.schema),
          `${where}: ${param.in} parameter ${param.name}`,
        ),
      )
    }
  })
  for (const name of new Set(call.query.keys())) {
    if (!declared.has(name)) problems.push(`${where}: query parameter ${name} is not one of ${operation.operationId}`)
  }
  problems.push(...checkBody(call, operation, pointer, where))
  return { operationId: operation.operationId, pointer, params, problems }
}

function checkBody(call: IncomingCall, operation: SpecOperation, pointer: string, where: string): string[] {
  if (!operation.requestBody)
    return call.body.length ? [`${where}: ${operation.operationId} takes no request body`] : []
  const { node: requestBody, pointer: bodyPointer } = resolve(operation.requestBody, `${pointer}/requestBody`)
  const content = (requestBody.content ?? {}) as Record<string, Json>
  if (!call.body.length) return requestBody.required ? [`${where}: the request body is required`] : []
  if (!content['application/json']) {
    // Raw uploads: GitHub stores the declared media type with the asset, so one must be sent.
    return call.contentType ? [] : [`${where}: a raw body needs a Content-Type header`]
  }
  if (!/^application\/json\b/.test(call.contentType ?? ''))
    return [`${where}: the body must be sent as application/json, not ${call.contentType}`]
  let body: unknown
  try {
    body = JSON.parse(call.body.toString('utf8'))
  } catch {
    return [`${where}: the body is not JSON`]
  }
  const schemaPointer = `${bodyPointer}/content/application~1json/schema`
  const problems = errorsOf(schemaPointer, body, `${where}: body`)
  // GitHub ignores fields it does not know, so a misspelt one would fail silently there.
  const known = resolve(at(schemaPointer), schemaPointer).node.properties as Json | undefined
  if (known && body && typeof body === 'object' && !Array.isArray(body)) {
    for (const key of Object.keys(body))
      if (!(key in known)) problems.push(`${where}: body field ${key} is not one of ${operation.operationId}`)
  }
  return problems
}

/** Problems of an answer the stand-in gives, against the spec's schema for that status. */
export function checkResponse(pointer: string, status: number, body: unknown): string[] {
  const operation = at(pointer) as unknown as SpecOperation
  const documented = operation.responses[String(status)]
  if (!documented) return []
  const { node, pointer: responsePointer } = resolve(documented, `${pointer}/responses/${status}`)
  if (!(node.content as Json | undefined)?.['application/json']) return []
  return errorsOf(
    `${responsePointer}/content/application~1json/schema`,
    body,
    `stand-in answer ${status} to ${operation.operationId}`,
  )
}
