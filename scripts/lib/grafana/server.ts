// Grafana as the grafana/grafana image runs it: where it listens and keeps its data inside the
// container, the user it runs as, where its CLI finds its configuration, and the admin login it
// has when nothing sets one.
/** Grafana's HTTP port inside its container (GF_SERVER_HTTP_PORT); the host port is GRAFANA_PORT. */
export const GRAFANA_CONTAINER_PORT = 3000
/** Where the image keeps grafana.db (GF_PATHS_DATA): the data volume's mount point. */
export const GRAFANA_DATA_DIR = '/var/lib/grafana'
/** The image's USER: uid 472, group root (Dockerfile: GF_UID=472, GF_GID=0). */
export const GRAFANA_USER = { uid: 472, gid: 0 } as const
/** GF_PATHS_HOME and GF_PATHS_CONFIG of the image: the CLI reads neither env var, so it is told. */
const GRAFANA_HOME = '/usr/share/grafana'
const GRAFANA_CONFIG = '/etc/grafana/grafana.ini'
/** `grafana cli` with the image's paths, so it opens the same database as the server (docs: cli.md). */
export const GRAFANA_CLI = ['grafana', 'cli', '--homepath', GRAFANA_HOME, '--config', GRAFANA_CONFIG] as const
export const ADMIN_USER = 'admin'
/** What the admin password is when nothing sets it: public, so never one to run with. */
export const GRAFANA_DEFAULT_PASSWORD = 'admin'
/** Grafana's limits on a datasource (pkg/services/datasources/service: maxDatasourceNameLen, maxDatasourceUrlLen). */
export const DATASOURCE_NAME_MAX = 190
export const DATASOURCE_URL_MAX = 255
/** Grafana's rule for a uid of a datasource, folder or dashboard (util.IsValidShortUID, MaxUIDLength). */
export const isGrafanaUid = (value: string) => /^[a-zA-Z0-9_-]{1,40}$/.test(value)
