// Checks each request against Grafana's OpenAPI spec (path, method, path/query parameters, JSON
// body), strictly: an unknown query parameter or a body the operation does not take is a problem
// too, so a client bug shows up here rather than as a silent difference from real Grafana.
import { Ajv, type ValidateFunction } from 'ajv'
import formats from 'ajv-formats'
// Imported, not read at run time: `make images` bundles it into the stand-in's image. Same file as grafanaSpecPath.
import spec from '../../reference/grafana/openapi3-subset.json' with { type: 'json' }

type Json = Record<string, unknown>
interface Parameter {
  name: string
  in: string
  required?: boolean
  schema?: Json
}
interface Operation {
  parameters?: (Parameter | { $ref: string })[]
  requestBody?: Json
}

interface Route {
  template: string
  pattern: RegExp
  names: string[]
  pointer: string
  item: Record<string, unknown>
}

const root = spec as unknown as Json
const ajv = new Ajv({ strict: false, allErrors: true })
// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module.
;(formats as unknown as { default: (ajv: Ajv) => Ajv }).default(ajv)
ajv.addSchema(root, 'spec')

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1')

const routes: Route[] = Object.entries(root.paths as Record<string, Record<string, unknown>>).map(
  ([template, item]) => {
    const names: string[] = []
    const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, name: string) => {
      names.push(name)
      return '([^/]+)'
    })
    return { template, pattern: new RegExp(`^${source}$`), names, pointer: `#/paths/${escapePointer(template)}`, item }
  },
)
// Literal segments win over parameters (`/serviceaccounts/search` before `/serviceaccounts/{id}`).
routes.sort((a, b) => a.names.length - b.names.length)

/** Follows `$ref`s, returning the object and its JSON pointer (so ajv resolves nested refs). */
function deref(node: Json, pointer: string): { node: Json; pointer: string } {
  let current = { node, pointer }
  while (typeof current.node.$ref === 'string') {
    const ref = current.node.$ref
    const target = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((n, key) => (n as Json)[key.replace(/~1/g, '/').replace(/~0/g, '~')], root)
    current = { node: target as Json, pointer: ref }
  }
  return current
}

const validators = new Map<string, ValidateFunction>()
function validatorAt(pointer: string): ValidateFunction {
  const cached = validators.get(pointer)
  if (cached) return cached
  const validate = ajv.compile({ $ref: `spec${pointer}` })
  validators.set(pointer, validate)
  return validate
}

function coerce(raw: string[], schema: Json): unknown {
  if (schema.type === 'array') return raw.map((v) => coerce([v], (schema.items ?? {}) as Json))
  const value = raw[raw.length - 1]!
  if (schema.type === 'integer' || schema.type === 'number')
    return value.trim() === '' ? value : Number.isNaN(Number(value)) ? value : Number(value)
  if (schema.type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value
  return value
}

function schemaErrors(validate: ValidateFunction, value: unknown, where: string): string[] {
  if (validate(value)) return []
  return (validate.errors ?? []).map((e) => `${where}${e.instancePath} ${e.message}`)
}

export interface Checked {
  /** The spec's path template, e.g. `/serviceaccounts/{serviceAccountId}`; undefined when unknown. */
  template?: string
  params: Record<string, string>
  problems: string[]
}

/** Validates a request whose path is relative to `/api`. `body` is the raw text (undefined if none). */
export function checkRequest(method: string, path: string, query: URLSearchParams, body: string | undefined): Checked {
  const verb = method.toLowerCase()
  const route = routes.find((r) => r.pattern.test(path))
  if (!route) return { params: {}, problems: [`${method} /api${path}: no such path in the spec`] }
  const match = route.pattern.exec(path)!
  const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]))
  const operation = route.item[verb] as Operation | undefined
  if (!operation)
    return { template: route.template, params, problems: [`${method} is not an operation of /api${route.template}`] }

  const problems: string[] = []
  const opPointer = `${route.pointer}/${verb}`
  const declared = (operation.parameters ?? []).map((p, i) => deref(p as Json, `${opPointer}/parameters/${i}`))
  const seen = new Set<string>()
  for (const { node, pointer } of declared) {
    const p = node as unknown as Parameter
    if (p.in !== 'path' && p.in !== 'query') continue
    const raw = p.in === 'path' ? (params[p.name] !== undefined ? [params[p.name]!] : []) : query.getAll(p.name)
    seen.add(p.name)
    if (raw.length === 0) {
      if (p.required) problems.push(`${p.in} parameter ${p.name} is required`)
      continue
    }
    if (p.schema)
      problems.push(
        ...schemaErrors(validatorAt(`${pointer}/schema`), coerce(raw, p.schema), `${p.in} parameter ${p.name}`),
      )
  }
  for (const name of new Set(query.keys())) {
    if (!seen.has(name)) problems.push(`query parameter ${name} is not in the spec for ${method} /api${route.template}`)
  }

  const hasBody = body !== undefined && body.length > 0
  if (!operation.requestBody) {
    if (hasBody) problems.push(`${method} /api${route.template} takes no request body`)
  } else {
    const { node: requestBody, pointer } = deref(operation.requestBody, `${opPointer}/requestBody`)
    const media = (requestBody.content as Record<string, Json> | undefined)?.['application/json']
    if (!hasBody) {
      if (requestBody.required) problems.push('request body is required')
    } else if (media?.schema) {
      let parsed: unknown
      try {
        parsed = JSON.parse(body)
      } catch {
        problems.push('request body is not JSON')
      }
      if (parsed !== undefined)
        problems.push(...schemaErrors(validatorAt(`${pointer}/content/application~1json/schema`), parsed, 'body'))
    }
  }
  return { template: route.template, params, problems }
}

/** Methods the spec lists for a path template (the datasource proxy is matched by prefix). */
export function methodsOf(template: string): string[] {
  const item = routes.find((r) => r.template === template)?.item ?? {}
  return Object.keys(item)
    .filter((k) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(k))
    .map((k) => k.toUpperCase())
}
