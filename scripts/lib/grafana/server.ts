// Grafana as the grafana/grafana image runs it: where it listens and keeps its data inside the
// container, and the admin login it has when nothing sets one.
/** Grafana's HTTP port inside its container (GF_SERVER_HTTP_PORT); the host port is GRAFANA_PORT. */
export const GRAFANA_CONTAINER_PORT = 3000
/** Where the image keeps grafana.db (GF_PATHS_DATA): the data volume's mount point. */
export const GRAFANA_DATA_DIR = '/var/lib/grafana'
export const ADMIN_USER = 'admin'
/** What the admin password is when nothing sets it: public, so never one to run with. */
export const GRAFANA_DEFAULT_PASSWORD = 'admin'
