// The release tag, checked as git checks a tag name before anything is sent to GitHub.
import { fail } from '../step/fail.ts'
import { t } from '../output/i18n.ts'

/**
 * The tag as git accepts it (`git check-ref-format`), checked before anything is sent: GitHub
 * would otherwise create a release for a tag no one can check out.
 */
export function validateTag(tag: string | undefined): string {
  const value = tag?.trim() ?? ''
  const problem =
    value === ''
      ? t('it is empty')
      : value.length > 255
        ? t('it is longer than 255 characters')
        : /[\x00-\x20\x7f~^:?*[\\]/.test(value)
          ? t('it contains a space, a control character or one of ~ ^ : ? * [ \\')
          : /\.\.|@\{|\/\/|^[-/]|[/.]$|(^|\/)\.|\.lock(\/|$)/.test(value) || value === '@'
            ? t(
                'git refuses it as a tag name (no "..", "@{", "//", leading "-", "/" or ".", ' +
                  'trailing "/", "." or ".lock")',
              )
            : undefined
  if (problem) {
    throw fail(
      t('TAG "{value}" is not a valid tag: {problem}', { value, problem }),
      t('pass a tag such as make publish TAG=v1.0.0 (or --tag v1.0.0)'),
      2,
    )
  }
  return value
}
