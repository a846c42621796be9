// Step 7: the exported dashboard imported into its folder with overwrite, pointing at the fixed
// datasource uid; kept untouched when Grafana already holds the same model.
import { step } from './lib/step/cli.ts'
import { fail } from './lib/step/fail.ts'
import { tr } from './lib/output/i18n.ts'
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
    summary: tr('import the Triton dashboard into Grafana', '把 Triton 仪表盘导入 Grafana'),
    replaces:
      'curl -X POST http://localhost:3000/api/dashboards/db -H "Authorization: Bearer glsa_****" ' +
      '-H "Content-Type: application/json" -d @dashboard.json',
    env: {
      DATASOURCE_UID: tr(
        'datasource uid the panels use (triton-prometheus)',
        '面板使用的数据源 uid（triton-prometheus）',
      ),
    },
    flags: {
      file: {
        type: 'string',
        help: tr('dashboard model (JSON) to import', '要导入的仪表盘模型（JSON）'),
        default: DASHBOARD_FILE,
      },
      folder: { type: 'string', help: tr('folder title', '文件夹标题'), default: 'Triton' },
      'folder-uid': { type: 'string', help: tr('folder uid', '文件夹 uid'), default: 'triton' },
    },
  },
  async (flags) => {
    const folderUid = flags['folder-uid']
    // Grafana's own rule, before any call: it would refuse a folder uid outside it with a 400.
    if (!isGrafanaUid(folderUid)) {
      throw fail(
        tr(`--folder-uid "${folderUid}" is not a Grafana uid`, `--folder-uid "${folderUid}" 不是合法的 Grafana uid`),
        tr(
          'use up to 40 letters, digits, "_" or "-", e.g. --folder-uid triton',
          '最多 40 个字母、数字、"_" 或 "-"，例如 --folder-uid triton',
        ),
        2,
      )
    }
    const { config, base, api } = tokenSession()
    const model = withDatasourceUid(readDashboard(flags.file), config.datasourceUid)
    await ensureFolder(api, folderUid, flags.folder)
    const what = tr(`import the dashboard ${model.uid}`, `导入仪表盘 ${model.uid}`)

    const stored = await api.GET('/dashboards/uid/{uid}', { params: { path: { uid: model.uid } } })
    if (stored.response.ok && stored.data?.meta?.folderUid === folderUid && sameModel(stored.data.dashboard, model)) {
      log.ok(
        tr(
          `dashboard "${model.title}" is up to date (version ${stored.data.meta.version}), kept`,
          `仪表盘 "${model.title}" 已是最新（版本 ${stored.data.meta.version}），保留`,
        ),
      )
      log.ok(tr(`open ${base}${stored.data.meta.url}`, `打开 ${base}${stored.data.meta.url}`))
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
        412: tr(
          `another dashboard titled "${model.title}" is in folder ${flags.folder} (older Grafana wants unique titles): ` +
            'delete or rename it, or pass --folder-uid <other folder>',
          `文件夹 ${flags.folder} 中已有另一个标题为 "${model.title}" 的仪表盘（旧版 Grafana 要求标题唯一）：` +
            '删除或重命名它，或传入 --folder-uid <其他文件夹>',
        ),
        409: tr(
          `Grafana refused to overwrite dashboard ${model.uid}: delete it in Grafana and run \`make dashboard\` again`,
          `Grafana 拒绝覆盖仪表盘 ${model.uid}：请在 Grafana 中删除后重新运行 \`make dashboard\``,
        ),
      },
    })
    log.change(
      tr(
        `dashboard "${model.title}" imported into folder ${flags.folder} (version ${result.version})`,
        `已把仪表盘 "${model.title}" 导入文件夹 ${flags.folder}（版本 ${result.version}）`,
      ),
    )
    log.ok(tr(`open ${base}${result.url}`, `打开 ${base}${result.url}`))
  },
)

async function ensureFolder(api: Grafana, uid: string, title: string): Promise<void> {
  const what = tr(`create the folder ${title}`, `创建文件夹 ${title}`)
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
        what: tr(`rename the folder ${uid} to "${title}"`, `把文件夹 ${uid} 重命名为 "${title}"`),
        fixes: {
          409: tr(
            `another folder is already titled "${title}", or someone changed folder ${uid} meanwhile: ` +
              'pass --folder <other title>, or run `make dashboard` again',
            `已有另一个标题为 "${title}" 的文件夹，或有人同时修改了文件夹 ${uid}：传入 --folder <其他标题>，或重新运行 \`make dashboard\``,
          ),
        },
      },
    )
    log.change(
      tr(
        `folder ${uid} renamed from "${found.data?.title}" to "${title}"`,
        `已把文件夹 ${uid} 从 "${found.data?.title}" 重命名为 "${title}"`,
      ),
    )
    return
  }
  if (found.response.status !== 404) ok(found, { what })
  try {
    ok(await api.POST('/folders', { body: { uid, title } }), {
      what,
      fixes: {
        409: tr(
          `a folder or dashboard already uses uid ${uid} or title "${title}": pass --folder-uid/--folder with other values`,
          `已有文件夹或仪表盘使用 uid ${uid} 或标题 "${title}"：用 --folder-uid/--folder 指定其他值`,
        ),
      },
    })
    log.change(tr(`folder ${title} created (uid ${uid})`, `已创建文件夹 ${title}（uid ${uid}）`))
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
