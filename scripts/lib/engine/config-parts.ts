// The parts of a container's recorded configuration (its stack label), as a recreate reason names
// them: English keeps the record's own keys, which `docker inspect` shows; Chinese says the word.
import { tr } from '../output/i18n.ts'

const PARTS: Record<string, () => string> = {
  version: () => tr('version', '配置格式版本'),
  image: () => tr('image', '镜像'),
  entrypoint: () => tr('entrypoint', '入口程序'),
  args: () => tr('args', '启动参数'),
  env: () => tr('env', '环境变量'),
  mounts: () => tr('mounts', '挂载'),
  secrets: () => tr('secrets', '密钥文件'),
  ports: () => tr('ports', '端口'),
  network: () => tr('network', '网络'),
  labels: () => tr('labels', '标签'),
  gpus: () => tr('gpus', 'GPU'),
  restart: () => tr('restart', '重启策略'),
  user: () => tr('user', '运行用户'),
  aliases: () => tr('aliases', '网络别名'),
  groups: () => tr('groups', '附加用户组'),
}

/** The changed parts as one list in the locale's words and punctuation: `mounts, groups` / `挂载、附加用户组`. */
export const changedPartsText = (parts: string[]) => parts.map((part) => PARTS[part]?.() ?? part).join(tr(', ', '、'))
