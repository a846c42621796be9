// Validates dashboard JSON against Grafana's own schemas (test/reference/grafana/dashboard-schema/, from
// grafana-foundation-sdk): the dashboard model, then each panel's plugin options and field config
// by panel type, and each Prometheus target. The files are OpenAPI 3.0 components; the few
// OpenAPI-only spellings are rewritten to JSON Schema so ajv checks them strictly.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import formats from 'ajv-formats'
import { dashboardSchemaDir } from './paths.ts'

const files = ['common', 'dashboard', 'timeseries', 'stat', 'gauge', 'prometheus'] as const
type SchemaFile = (typeof files)[number]
/** Panel types whose plugin schema is in the reference folder. */
export const panelSchemas = ['timeseries', 'stat', 'gauge'] as const
/**
 * Panel types the dashboard uses whose plugin schema the reference folder does not hold: the panel
 * itself (type, grid, datasource, targets, field config) is still checked against the dashboard
 * schema and its Prometheus targets against the query schema; only the plugin's own options rest
 * on the foundation SDK's types (the builder that writes them is type-checked). Any other type is
 * refused.
 */
export const panelsWithoutSchema = ['state-timeline'] as const

type Json = Record<string, unknown>

/**
 * OpenAPI 3.0 → JSON Schema draft-07: boolean `exclusiveMinimum/Maximum` become numbers,
 * vendor `x-…` annotations go, duplicate enum values collapse, and component refs point at
 * `definitions`. `nullable` is kept:
 * ajv implements it.
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema)
  if (node === null || typeof node !== 'object') return node
  const source = node as Json
  const out: Json = {}
  for (const [key, value] of Object.entries(source)) {
    if (key.startsWith('x-')) continue
    if (key === 'exclusiveMinimum' && typeof value === 'boolean') {
      if (value) out.exclusiveMinimum = source.minimum
      continue
    }
    if (key === 'exclusiveMaximum' && typeof value === 'boolean') {
      if (value) out.exclusiveMaximum = source.maximum
      continue
    }
    if (
      (key === 'minimum' && source.exclusiveMinimum === true) ||
      (key === 'maximum' && source.exclusiveMaximum === true)
    )
      continue
    // common's ScaleDirection lists [1, 1, -1, -1]; JSON Schema wants distinct values.
    if (key === 'enum' && Array.isArray(value)) {
      out.enum = [...new Map(value.map((v) => [JSON.stringify(v), v])).values()]
      continue
    }
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.replace('#/components/schemas/', '#/definitions/')
      continue
    }
    // Inside `properties`, keys are property names, not keywords: keep every one.
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, toJsonSchema(v)]))
        : toJsonSchema(value)
  }
  return out
}

function loadAjv(): Ajv {
  const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true })
  formats.default(ajv)
  for (const name of files) {
    const spec = JSON.parse(readFileSync(join(dashboardSchemaDir, `${name}.openapi.json`), 'utf8')) as {
      components: { schemas: Json }
    }
    const definitions = Object.fromEntries(
      Object.entries(spec.components.schemas).map(([k, v]) => [k, toJsonSchema(v)]),
    )
    ajv.addSchema({ $id: name, definitions })
  }
  return ajv
}

export interface SchemaProblem {
  where: string
  errors: string[]
}

const describe = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map(
    (e) =>
      `${e.instancePath || '/'} ${e.message ?? ''}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`,
  )

/** Returns a checker; each call lists every problem found (empty when the dashboard is valid). */
export function dashboardValidator(): (dashboard: unknown) => SchemaProblem[] {
  const ajv = loadAjv()
  const cache = new Map<string, ValidateFunction | undefined>()
  const at = (file: SchemaFile, definition: string) => {
    const key = `${file}#/definitions/${definition}`
    if (!cache.has(key)) {
      const exists =
        (ajv.getSchema(file)?.schema as { definitions: Json } | undefined)?.definitions[definition] !== undefined
      cache.set(key, exists ? ajv.compile({ $ref: key }) : undefined)
    }
    return cache.get(key)
  }

  return (dashboard) => {
    const problems: SchemaProblem[] = []
    const check = (where: string, validate: ValidateFunction | undefined, value: unknown) => {
      if (validate && !validate(value)) problems.push({ where, errors: describe(validate.errors) })
    }
    check('dashboard', at('dashboard', 'Dashboard'), dashboard)

    const panels = ((dashboard as Json).panels ?? []) as Json[]
    const all = panels.flatMap((p) => [p, ...((p.panels ?? []) as Json[])])
    for (const panel of all) {
      const where = `panel ${String(panel.id)} "${String(panel.title)}" (${String(panel.type)})`
      if (panel.type === 'row') continue
      const unchecked = (panelsWithoutSchema as readonly string[]).includes(String(panel.type))
      if (!unchecked && !(panelSchemas as readonly string[]).includes(String(panel.type))) {
        problems.push({ where, errors: [`no schema for panel type ${String(panel.type)}`] })
        continue
      }
      if (!unchecked) {
        const type = panel.type as (typeof panelSchemas)[number]
        check(`${where} options`, at(type, 'Options'), panel.options ?? {})
        const custom = ((panel.fieldConfig as Json | undefined)?.defaults as Json | undefined)?.custom
        if (custom !== undefined) {
          const fieldConfig = at(type, 'FieldConfig')
          if (fieldConfig) check(`${where} fieldConfig.defaults.custom`, fieldConfig, custom)
          else problems.push({ where, errors: [`${type} panels take no custom field config`] })
        }
      }
      const targets = (panel.targets ?? []) as Json[]
      targets.forEach((target, i) => {
        const ds = (target.datasource ?? panel.datasource) as Json | undefined
        if (ds?.type === 'prometheus')
          check(`${where} target ${String(target.refId ?? i)}`, at('prometheus', 'Dataquery'), target)
      })
    }
    return problems
  }
}
