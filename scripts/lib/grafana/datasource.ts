// A Grafana datasource under a fixed uid, like the Terraform provider's grafana_data_source:
// created when missing, kept when it matches, updated in place (PUT, keeping what someone added in
// the UI) when it does not; a datasource of the same name under another uid is never duplicated.
import { fail } from '../step/fail.ts'
import { tr } from '../output/i18n.ts'
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
  const orRename = hints.otherName ? tr(`, or ${hints.otherName}`, `，或${hints.otherName}`) : ''
  const what = tr(`set up the datasource ${uid}`, `设置数据源 ${uid}`)
  const current = await api.GET('/datasources/uid/{uid}', { params: { path: { uid } } })
  if (current.response.status === 404) {
    const sameName = await api.GET('/datasources/name/{name}', { params: { path: { name: desired.name } } })
    if (sameName.response.ok) {
      const other = sameName.data?.uid
      const deleteCommand = `curl -X DELETE -H "Authorization: Bearer glsa_****" ${base}/api/datasources/uid/${other}`
      throw fail(
        tr(
          `a datasource named "${desired.name}" already exists with uid ${other}, not ${uid}; not creating a second one`,
          `已存在名为 "${desired.name}" 的数据源，其 uid 为 ${other}，而不是 ${uid}；不会再创建一个`,
        ),
        tr(
          `delete it (\`${deleteCommand}\`), set ${hints.uidVariable}=${other} to adopt it${orRename}`,
          `删除它（\`${deleteCommand}\`），或设 ${hints.uidVariable}=${other} 以沿用它${orRename}`,
        ),
      )
    }
    if (sameName.response.status !== 404) ok(sameName, { what })
    ok(await api.POST('/datasources', { body: { ...desired, jsonData: desired.jsonData as Json } }), { what })
    log.change(
      tr(
        `datasource ${desired.name} created (uid ${uid}, ${desired.url})`,
        `已创建数据源 ${desired.name}（uid ${uid}，${desired.url}）`,
      ),
    )
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
    log.ok(
      tr(
        `datasource ${desired.name} (uid ${uid}, ${desired.url}) exists, kept`,
        `数据源 ${desired.name}（uid ${uid}，${desired.url}）已存在，保留`,
      ),
    )
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
        403: tr(
          `this datasource is provisioned from a file (read-only): change it there, or set ${hints.uidVariable} to another uid`,
          `此数据源由文件预置（只读）：请在文件中修改，或把 ${hints.uidVariable} 设为其他 uid`,
        ),
        // Grafana answers 409 for a name another datasource holds, and for an edit that raced ours.
        409: tr(
          `another datasource is already named "${desired.name}", or someone changed this one meanwhile: ` +
            `rename that datasource${orRename}, then run \`make datasource\` again`,
          `已有另一个数据源名为 "${desired.name}"，或有人同时修改了此数据源：` +
            `请重命名那个数据源${orRename}，然后重新运行 \`make datasource\``,
        ),
      },
    },
  )
  log.change(
    tr(
      `datasource ${uid} updated (${changed.join(', ')} differed)`,
      `已更新数据源 ${uid}（${changed.join('、')} 不同）`,
    ),
  )
  return 'updated'
}
