// Step 7: the exported dashboard imported into its folder with overwrite, pointing at the fixed
// datasource uid; kept untouched when Grafana already holds the same model.
import { step } from './lib/step/cli.ts'
import { fail } from './lib/step/fail.ts'
import { t } from './lib/output/i18n.ts'
import { log } from './lib/output/log.ts'
import { stableJson } from './lib/state/stable-json.ts'
import { GrafanaError, ok, type Grafana, type Json } from './lib/grafana/client.ts'
import { DASHBOARD_FILE, readDashboard, withDatasourceUid, type DashboardModel } from './lib/grafana/dashboard.ts'
import { isGrafanaUid } from './lib/grafana/server.ts'
import { tokenSession } from './lib/grafana/session.ts'

await step(
  {
    name: '07-dashboard',
    lock: true,
    summary: t('import the Triton dashboard into Grafana'),
    replaces:
      'curl -X POST http://localhost:3000/api/dashboards/db -H "Authorization: Bearer glsa_****" ' +
      '-H "Content-Type: application/json" -d @dashboard.json',
    env: {
      DATASOURCE_UID: t('datasource uid the panels use (triton-prometheus)'),
    },
    flags: {
      file: {
        type: 'string',
        help: t('dashboard model (JSON) to import'),
        default: DASHBOARD_FILE,
      },
      folder: { type: 'string', help: t('folder title'), default: 'Triton' },
      'folder-uid': { type: 'string', help: t('folder uid'), default: 'triton' },
    },
  },
  async (flags) => {
    const folderUid = flags['folder-uid']
    // Grafana's own rule, before any call: it would refuse a folder uid outside it with a 400.
    if (!isGrafanaUid(folderUid)) {
      throw fail(
        t('--folder-uid "{folderUid}" is not a Grafana uid', { folderUid }),
        t('use up to 40 letters, digits, "_" or "-", e.g. --folder-uid triton'),
        2,
      )
    }
    const { config, base, api } = tokenSession()
    const model = withDatasourceUid(readDashboard(flags.file), config.datasourceUid)
    await ensureFolder(api, folderUid, flags.folder)
    const what = t('import the dashboard {uid}', { uid: model.uid })

    const stored = await api.GET('/dashboards/uid/{uid}', { params: { path: { uid: model.uid } } })
    if (stored.response.ok && stored.data?.meta?.folderUid === folderUid && sameModel(stored.data.dashboard, model)) {
      log.ok(
        t('dashboard "{title}" is up to date (version {version}), kept', {
          title: model.title,
          version: String(stored.data.meta.version),
        }),
      )
      log.ok(t('open {base}{url}', { base, url: String(stored.data.meta.url) }))
      return
    }
    if (!stored.response.ok && stored.response.status !== 404) ok(stored, { what })

    const save = (version?: number) =>
      api.POST('/dashboards/db', {
        body: {
          dashboard: { ...model, id: null, ...(version === undefined ? {} : { version }) } as unknown as Json,
          folderUid,
          overwrite: true,
          message: 'triton-monitoring: make dashboard',
        },
      })
    let saved = await save()
    // 412 (Grafana <= 12.0) and 409 (k8s-backed 12.x) both mean "conflict". With overwrite, a
    // version conflict is retried once with the stored version; a title or plugin clash is not ours to settle.
    if (saved.response.status === 409 || saved.response.status === 412) {
      const status = (saved.error as { status?: string } | undefined)?.status
      if (status !== 'name-exists' && status !== 'plugin-dashboard') {
        const current = await api.GET('/dashboards/uid/{uid}', { params: { path: { uid: model.uid } } })
        if (current.response.ok) saved = await save(current.data?.meta?.version)
      }
    }
    const result = ok(saved, {
      what,
      fixes: {
        412: t(
          'another dashboard titled "{title}" is in folder {folder} (older Grafana wants ' +
            'unique titles): delete or rename it, or pass --folder-uid <other folder>',
          { title: model.title, folder: flags.folder },
        ),
        409: t('Grafana refused to overwrite dashboard {uid}: delete it in Grafana and run `make dashboard` again', {
          uid: model.uid,
        }),
      },
    })
    log.change(
      t('dashboard "{title}" imported into folder {folder} (version {version})', {
        title: model.title,
        folder: flags.folder,
        version: result.version,
      }),
    )
    log.ok(t('open {base}{url}', { base, url: result.url }))
  },
)

async function ensureFolder(api: Grafana, uid: string, title: string): Promise<void> {
  const what = t('create the folder {title}', { title })
  const found = await api.GET('/folders/{folder_uid}', { params: { path: { folder_uid: uid } } })
  if (found.response.ok) {
    if (found.data?.title === title) return
    // The folder is found by uid; its title is ours to converge like everything else the flags say.
    ok(
      await api.PUT('/folders/{folder_uid}', {
        params: { path: { folder_uid: uid } },
        body: { title, version: found.data?.version },
      }),
      {
        what: t('rename the folder {uid} to "{title}"', { uid, title }),
        fixes: {
          409: t(
            'another folder is already titled "{title}", or someone changed folder {uid} ' +
              'meanwhile: pass --folder <other title>, or run `make dashboard` again',
            { title, uid },
          ),
        },
      },
    )
    log.change(
      t('folder {uid} renamed from "{title2}" to "{title}"', { uid, title2: String(found.data?.title), title }),
    )
    return
  }
  if (found.response.status !== 404) ok(found, { what })
  try {
    ok(await api.POST('/folders', { body: { uid, title } }), {
      what,
      fixes: {
        409: t(
          'a folder or dashboard already uses uid {uid} or title "{title}": pass ' +
            '--folder-uid/--folder with other values',
          { uid, title },
        ),
      },
    })
    log.change(t('folder {title} created (uid {uid})', { title, uid }))
  } catch (error) {
    // Created by a concurrent run between our look and our create (12.x answers 412 for it).
    const again = await api.GET('/folders/{folder_uid}', { params: { path: { folder_uid: uid } } })
    if (!(error instanceof GrafanaError) || !again.response.ok) throw error
  }
}

/** Same model apart from what Grafana assigns (id, version); key order does not matter. */
function sameModel(stored: unknown, wanted: DashboardModel): boolean {
  const strip = (m: object) => stableJson({ ...m, id: undefined, version: undefined })
  return strip((stored ?? {}) as object) === strip(wanted)
}
