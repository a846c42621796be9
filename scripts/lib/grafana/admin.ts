// The admin password when the state folder and Grafana's database disagree (a lost state folder,
// a password changed in the UI): Grafana applies GF_SECURITY_ADMIN_PASSWORD only to an empty
// database, so it is set the documented way, `grafana cli admin reset-admin-password`, run in the
// container. Whoever runs the steps has the engine anyway; the password goes on the CLI's stdin
// (`--password-from-stdin`), never into argv, and no login is spent finding out.
import { execIn } from '../engine/cli.ts'
import { fail } from '../step/fail.ts'
import { t } from '../output/i18n.ts'
import { GRAFANA_CLI } from './server.ts'

/** Grafana's own word for success (reset_password_command.go); anything else is a failure. */
const CHANGED = /Admin password changed successfully/

/** Sets the admin's password (user id 1) in the running Grafana `container` to `password`. */
export async function resetAdminPassword(container: string, password: string): Promise<void> {
  const args = [...GRAFANA_CLI, 'admin', 'reset-admin-password', '--password-from-stdin']
  const { exitCode, output } = await execIn(container, args, `${password}\n`)
  if (exitCode === 0 && CHANGED.test(output)) return
  // The CLI prints `Error: ✗ <why>` and exits 1 (pkg/cmd/grafana/main.go).
  const why = output.match(/Error:\s*✗\s*(.+)/)?.[1] ?? (output.split('\n').pop() || `exit code ${exitCode}`)
  throw fail(
    t('`grafana cli admin reset-admin-password` in {container} failed: {why}', { container, why }),
    t("read `docker logs {container}`; Grafana's data volume must be the one it " + 'runs with (GRAFANA_VOLUME)', {
      container,
    }),
  )
}
