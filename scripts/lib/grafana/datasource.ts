// A Grafana datasource under a fixed uid, like the Terraform provider's grafana_data_source:
// created when missing, kept when it matches, updated in place (PUT, keeping what someone added in
// the UI) when it does not; a datasource of the same name under another uid is never duplicated.
import { fail } from '../step/fail.ts'
import { t } from '../output/i18n.ts'
import { log } from '../output/log.ts'
import { type Grafana, type Json, ok } from './client.ts'

/** What the steps manage of a datasource; everything else on it is left as it is. */
export interface DesiredDatasource {
  uid: string
  name: string
  type: string
  access: 'proxy'
  url: string
  basicAuth: false
  jsonData: Record<string, unknown>
}

export interface DatasourceHints {
  /** The variable that sets the uid, named in fixes (DATASOURCE_UID, ALERTMANAGER_DATASOURCE_UID). */
  uidVariable: string
  /** How to choose another name, when the step can (`pass --name <other name>`). */
  otherName?: string
}

export type DatasourceAction = 'created' | 'kept' | 'updated'

export async function ensureDatasource(
  api: Grafana,
  base: string,
  desired: DesiredDatasource,
  hints: DatasourceHints,
): Promise<DatasourceAction> {
  const { uid } = desired
  const orRename = hints.otherName ? t(', or {otherName}', { otherName: hints.otherName }) : ''
  const what = t('set up the datasource {uid}', { uid })
  const current = await api.GET('/datasources/uid/{uid}', { params: { path: { uid } } })
  if (current.response.status === 404) {
    const sameName = await api.GET('/datasources/name/{name}', { params: { path: { name: desired.name } } })
    if (sameName.response.ok) {
      const other = sameName.data?.uid
      const deleteCommand = `curl -X DELETE -H "Authorization: Bearer glsa_****" ${base}/api/datasources/uid/${other}`
      throw fail(
        t('a datasource named "{name}" already exists with uid {other}, not {uid}; not creating a second one', {
          name: desired.name,
          other: String(other),
          uid,
        }),
        t('delete it (`{deleteCommand}`), set {uidVariable}={other} to adopt it{orRename}', {
          deleteCommand,
          uidVariable: hints.uidVariable,
          other: String(other),
          orRename,
        }),
      )
    }
    if (sameName.response.status !== 404) ok(sameName, { what })
    ok(await api.POST('/datasources', { body: { ...desired, jsonData: desired.jsonData as Json } }), { what })
    log.change(t('datasource {name} created (uid {uid}, {url})', { name: desired.name, uid, url: desired.url }))
    return 'created'
  }
  const existing = ok(current, { what })
  const changed: string[] = (['name', 'type', 'access', 'url', 'basicAuth'] as const).filter(
    (k) => existing[k] !== desired[k],
  )
  // Settings someone added in the UI stay; only ours are enforced.
  const jsonData = { ...(existing.jsonData as Record<string, unknown> | undefined), ...desired.jsonData }
  if (JSON.stringify(jsonData) !== JSON.stringify(existing.jsonData ?? {})) changed.push('jsonData')
  if (changed.length === 0) {
    log.ok(t('datasource {name} (uid {uid}, {url}) exists, kept', { name: desired.name, uid, url: desired.url }))
    return 'kept'
  }
  // PUT replaces the whole object: keep what we do not manage, and send the version we read.
  ok(
    await api.PUT('/datasources/uid/{uid}', {
      params: { path: { uid } },
      body: {
        user: existing.user,
        database: existing.database,
        basicAuthUser: existing.basicAuthUser,
        withCredentials: existing.withCredentials,
        isDefault: existing.isDefault,
        ...desired,
        jsonData: jsonData as Json,
        version: existing.version,
      },
    }),
    {
      what,
      fixes: {
        403: t(
          'this datasource is provisioned from a file (read-only): change it there, or ' +
            'set {uidVariable} to another uid',
          { uidVariable: hints.uidVariable },
        ),
        // Grafana answers 409 for a name another datasource holds, and for an edit that raced ours.
        409: t(
          'another datasource is already named "{name}", or someone changed this one ' +
            'meanwhile: rename that datasource{orRename}, then run `make datasource` again',
          { name: desired.name, orRename },
        ),
      },
    },
  )
  log.change(t('datasource {uid} updated ({changed} differed)', { uid, changed: changed.join(t(', ')) }))
  return 'updated'
}
