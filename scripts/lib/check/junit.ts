// The checklist as JUnit XML, the format GitHub Classroom and CI servers grade: one testsuite per
// tutorial step, one testcase per check; ✖ is a failure with its cause and fix, "not reached" is
// skipped, ⚠ passes and keeps its lesson in system-out.
import { type Check, STEP_TITLES } from './checklist.ts'

const xmlText = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // Control characters other than tab and newline are not allowed in XML 1.0 at all.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')

function testcase(c: Check): string {
  const open = `    <testcase classname="check.step${c.step}" name="${xmlText(`${c.id}: ${c.title}`)}">`
  const detail = c.fix ? `${c.message}\n→ ${c.fix}` : c.message
  if (c.status === 'fail')
    return `${open}\n      <failure message="${xmlText(c.message)}">${xmlText(detail)}</failure>\n    </testcase>`
  if (c.status === 'skip') return `${open}\n      <skipped message="${xmlText(c.message)}"/>\n    </testcase>`
  return `${open}\n      <system-out>${xmlText(`${c.status === 'warn' ? '⚠ ' : '✔ '}${detail}`)}</system-out>\n    </testcase>`
}

export function junitXml(checks: Check[]): string {
  const steps = [...new Set(checks.map((c) => c.step))]
  const suites = steps.map((step) => {
    const cases = checks.filter((c) => c.step === step)
    const count = (status: Check['status']) => cases.filter((c) => c.status === status).length
    const name = xmlText(`${step}. ${STEP_TITLES[step]!()}`)
    return (
      `  <testsuite name="${name}" tests="${cases.length}" failures="${count('fail')}" errors="0" skipped="${count('skip')}">\n` +
      `${cases.map(testcase).join('\n')}\n  </testsuite>`
    )
  })
  const failures = checks.filter((c) => c.status === 'fail').length
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="make check" tests="${checks.length}" failures="${failures}">\n${suites.join('\n')}\n</testsuites>\n`
  )
}
