// The release tag, checked as git checks a tag name before anything is sent to GitHub.
import { fail } from '../step/fail.ts'
import { tr } from '../output/i18n.ts'

/**
 * The tag as git accepts it (`git check-ref-format`), checked before anything is sent: GitHub
 * would otherwise create a release for a tag no one can check out.
 */
export function validateTag(tag: string | undefined): string {
  const value = tag?.trim() ?? ''
  const problem =
    value === ''
      ? tr('it is empty', '它是空的')
      : value.length > 255
        ? tr('it is longer than 255 characters', '它超过 255 个字符')
        : /[\x00-\x20\x7f~^:?*[\\]/.test(value)
          ? tr(
              'it contains a space, a control character or one of ~ ^ : ? * [ \\',
              '它包含空格、控制字符或 ~ ^ : ? * [ \\ 之一',
            )
          : /\.\.|@\{|\/\/|^[-/]|[/.]$|(^|\/)\.|\.lock(\/|$)/.test(value) || value === '@'
            ? tr(
                'git refuses it as a tag name (no "..", "@{", "//", leading "-", "/" or ".", trailing "/", "." or ".lock")',
                'git 不接受它作为标签名' +
                  '（不能含 ".."、"@{"、"//"，不能以 "-"、"/"、"." 开头，不能以 "/"、"."、".lock" 结尾）',
              )
            : undefined
  if (problem) {
    throw fail(
      tr(`TAG "${value}" is not a valid tag: ${problem}`, `TAG "${value}" 不是合法的标签：${problem}`),
      tr(
        'pass a tag such as make publish TAG=v1.0.0 (or --tag v1.0.0)',
        '请传入标签，例如 make publish TAG=v1.0.0（或 --tag v1.0.0）',
      ),
      2,
    )
  }
  return value
}
