// The parts of a container's recorded configuration (its stack label), as a recreate reason names
// them: English keeps the record's own keys, which `docker inspect` shows; Chinese says the word.
import { t } from '../output/i18n.ts'

const PARTS: Record<string, () => string> = {
  version: () => t('spec version'),
  image: () => t('image'),
  entrypoint: () => t('entrypoint'),
  args: () => t('args'),
  env: () => t('env'),
  mounts: () => t('mounts'),
  secrets: () => t('secrets'),
  ports: () => t('ports'),
  network: () => t('network'),
  labels: () => t('labels'),
  gpus: () => t('gpus'),
  restart: () => t('restart'),
  user: () => t('user'),
  aliases: () => t('aliases'),
  groups: () => t('groups'),
}

/** The changed parts as one list in the locale's words and punctuation (`mounts, groups`; Chinese joins with its enumeration comma). */
export const changedPartsText = (parts: string[]) => parts.map((part) => PARTS[part]?.() ?? part).join(t(', '))
