// Every line a person reads is `t('English with {name}', { name })`, and its Chinese is in
// locales/zh-CN.json under that English. The TypeScript parser reads every t() call of the
// hand-written sources, so each message is checked without running the code that prints it:
// it has a translation with the same {placeholders}, its values object names exactly those, and
// the catalog holds nothing no code uses. A message must therefore be literal text ('…' or
// '…' + '…'): anything else fails here, as does a t() passed around as a value.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { makeTargets } from '../../scripts/lib/output/make-help.ts'
import { repoRoot } from '../helpers/paths.ts'
import { GENERATED, SOURCE_ROOTS } from '../lint/roots.ts'

/** A `{name}` t() fills in (the i18n module's pattern). */
const PLACEHOLDER = /\{([A-Za-z_$][\w$]*)\}/g
const CATALOG = 'locales/zh-CN.json'

const placeholders = (text: string) => [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))].sort()
const quote = (text: string) => JSON.stringify(text)

function typescriptFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : []
  return readdirSync(path).flatMap((entry) => (entry === 'node_modules' ? [] : typescriptFiles(join(path, entry))))
}

/** The hand-written sources outside test/ (but for `make images`), by path relative to the repository. */
function sources(): Record<string, string> {
  return Object.fromEntries(
    // test/ holds tests, but `make images` (test/images) is a target people run and read.
    [...SOURCE_ROOTS.filter((root) => root !== 'test'), 'test/images']
      .flatMap((root) => typescriptFiles(resolve(repoRoot, root)))
      .map((path) => relative(repoRoot, path))
      .filter((file) => !GENERATED.includes(file))
      .map((file) => [file, readFileSync(resolve(repoRoot, file), 'utf8')]),
  )
}

const parse = (file: string, text: string) => ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)

/** The module that exports t and localeIsChinese. */
function i18nModule(files: Record<string, string>): string {
  const found = Object.entries(files)
    .filter(([, text]) => /\bexport function t\(/.test(text) && /\blocaleIsChinese\b/.test(text))
    .map(([file]) => file)
  assert.equal(found.length, 1, `one module exports t and localeIsChinese: ${found.join(', ')}`)
  return found[0]!
}

/** The text of a message made of literals ('…', `…`, '…' + '…'), or undefined. */
function literalText(node: ts.Expression): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text
  if (ts.isParenthesizedExpression(node)) return literalText(node.expression)
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = literalText(node.left)
    const right = literalText(node.right)
    return left === undefined || right === undefined ? undefined : left + right
  }
  return undefined
}

/** The names a values object gives, or why they cannot be read. */
function valueNames(node: ts.Expression | undefined): string[] | string {
  if (!node) return []
  if (!ts.isObjectLiteralExpression(node)) return 'its values are not an object literal'
  const names: string[] = []
  for (const p of node.properties) {
    if (ts.isShorthandPropertyAssignment(p)) names.push(p.name.text)
    else if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)))
      names.push(p.name.text)
    else return `its values have \`${p.getText()}\`, which names no placeholder readably`
  }
  return names
}

interface Use {
  at: string
  message: string
}

/**
 * What is wrong with the messages of `files` (path → text) against the catalog's JSON text:
 * one line each, starting with file:line.
 */
export function catalogProblems(
  files: Record<string, string>,
  i18n: string,
  catalogText: string,
  /** Messages that live in data files (the Makefile's help), shown through fromCatalog(). */
  data: Use[] = [],
): string[] {
  const problems: string[] = []
  const catalog = JSON.parse(catalogText) as Record<string, string>
  const uses: Use[] = [...data]
  for (const { at, message } of data)
    if (!Object.hasOwn(catalog, message)) problems.push(`${at}: ${quote(message)} has no zh-CN entry in ${CATALOG}`)
  // Each file bound on its own (no imports followed, no lib): enough to tell the imported t from
  // a parameter or variable of the same name.
  const host: ts.CompilerHost = {
    getSourceFile: (file) => (file in files ? parse(file, files[file]!) : undefined),
    fileExists: (file) => file in files,
    readFile: (file) => files[file],
    writeFile: () => {},
    getDefaultLibFileName: () => 'lib.d.ts',
    useCaseSensitiveFileNames: () => true,
    getCanonicalFileName: (file) => file,
    getCurrentDirectory: () => '',
    getNewLine: () => '\n',
  }
  const program = ts.createProgram(Object.keys(files), { noResolve: true, noLib: true, types: [] }, host)
  const checker = program.getTypeChecker()
  for (const file of Object.keys(files)) {
    if (file === i18n) continue
    const sf = program.getSourceFile(file)!
    const at = (node: ts.Node) => `${file}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`
    // t as the file imports it from the i18n module.
    let imported: ts.Identifier | undefined
    for (const st of sf.statements) {
      if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue
      if (join(dirname(file), st.moduleSpecifier.text) !== i18n) continue
      const named = st.importClause?.namedBindings
      if (named && ts.isNamedImports(named))
        imported = named.elements.find((e) => (e.propertyName ?? e.name).text === 't')?.name
    }
    if (!imported) continue
    const symbol = checker.getSymbolAtLocation(imported)
    const isT = (node: ts.Identifier) =>
      node !== imported &&
      (ts.isShorthandPropertyAssignment(node.parent)
        ? checker.getShorthandAssignmentValueSymbol(node.parent)
        : checker.getSymbolAtLocation(node)) === symbol
    const visit = (node: ts.Node) => {
      if (ts.isIdentifier(node) && isT(node)) {
        const call = node.parent
        if (!ts.isCallExpression(call) || call.expression !== node) {
          problems.push(`${at(node)}: t is used as a value, so its messages cannot be checked`)
        } else {
          const [first, values, ...rest] = call.arguments
          const message = first && literalText(first)
          const names = valueNames(values)
          if (message === undefined) problems.push(`${at(call)}: the message is not literal text ('…' or '…' + '…')`)
          else if (rest.length) problems.push(`${at(call)}: t() takes a message and its values, not more`)
          else if (typeof names === 'string') problems.push(`${at(call)}: ${names}`)
          else {
            uses.push({ at: at(call), message })
            const wanted = placeholders(message)
            const missing = wanted.filter((p) => !names.includes(p))
            const extra = names.filter((n) => !wanted.includes(n))
            if (missing.length)
              problems.push(`${at(call)}: ${quote(message)} names {${missing.join('}, {')}}, which its values lack`)
            if (extra.length)
              problems.push(`${at(call)}: ${quote(message)} has no {${extra.join('}, {')}}, which its values give`)
            if (!Object.hasOwn(catalog, message))
              problems.push(`${at(call)}: ${quote(message)} has no zh-CN entry in ${CATALOG}`)
          }
        }
      }
      ts.forEachChild(node, visit)
    }
    visit(sf)
  }
  const lines = catalogText.split('\n')
  const line = (key: string) => {
    const i = lines.findIndex((l) => l.trimStart().startsWith(`${quote(key)}:`))
    return `${CATALOG}:${i + 1}`
  }
  const used = new Set(uses.map((u) => u.message))
  for (const [key, zh] of Object.entries(catalog)) {
    const en = placeholders(key)
    const cn = placeholders(zh)
    if (en.join() !== cn.join())
      problems.push(
        `${line(key)}: ${quote(key)} has {${en.join('}, {')}} but its zh-CN ${quote(zh)} {${cn.join('}, {')}}`,
      )
    if (!used.has(key)) problems.push(`${line(key)}: ${quote(key)} is used by no t() call`)
  }
  return problems
}

/** The Makefile's help texts, which `make help` shows through the catalog. */
const makefileMessages = (): Use[] =>
  makeTargets(readFileSync(resolve(repoRoot, 'Makefile'), 'utf8')).map(({ help, line }) => ({
    at: `Makefile:${line}`,
    message: help,
  }))

test('every message has its zh-CN translation, with the same placeholders its values give', () => {
  const files = sources()
  const catalog = readFileSync(resolve(repoRoot, CATALOG), 'utf8')
  const problems = catalogProblems(files, i18nModule(files), catalog, makefileMessages())
  assert.ok(problems.length === 0, `\n${problems.join('\n')}\n`)
})

test('t() fills in the placeholders its values name and leaves the others', async () => {
  const files = sources()
  const { t } = (await import(resolve(repoRoot, i18nModule(files)))) as {
    t: (en: string, values?: Record<string, string | number | bigint | boolean>) => string
  }
  assert.is(t('{n} of {m} left, {n} done', { n: 2, m: 3n }), '2 of 3 left, 2 done')
  assert.is(t('{a}{b} {c}', { a: true, b: 'x' }), 'truex {c}')
  assert.is(t('{job="triton"} {} {$x}', { x: 1 }), '{job="triton"} {} {$x}')
  assert.is(t('no values {x}'), 'no values {x}')
})

// The check finds what it is for: each kind of mistake, named with its file and line.
const I18N = 'lib/i18n.ts'
const use = (body: string) => `import { chinese, t } from './lib/i18n.ts'\n${body}\n`
const check = (body: string, catalog: Record<string, string>) =>
  catalogProblems({ [I18N]: '', 'a.ts': use(body) }, I18N, `${JSON.stringify(catalog, null, 2)}\n`)

test('a tree in order has no problem', () => {
  const body =
    "t('{n} requests' + ' sent', { n })\nt(`plain`)\nconst x = { t: 1 }.t\nlist.map((t) => t.url)\nfor (const t of x) t()"
  assert.equal(check(body, { '{n} requests sent': '已发送 {n} 个请求', plain: '普通' }), [])
})

test('a message with no zh-CN entry is named', () => {
  assert.equal(check("t('x')\nt('y')", { x: '甲' }), ['a.ts:3: "y" has no zh-CN entry in locales/zh-CN.json'])
})

test('an entry whose placeholders differ from its key is named, with its line in the catalog', () => {
  assert.equal(check("t('{a} and {b}', { a, b })", { '{a} and {b}': '{a} 和 {c}' }), [
    'locales/zh-CN.json:2: "{a} and {b}" has {a}, {b} but its zh-CN "{a} 和 {c}" {a}, {c}',
  ])
})

test('an entry no code uses is named', () => {
  assert.equal(check("t('x')", { x: '甲', gone: '无' }), ['locales/zh-CN.json:3: "gone" is used by no t() call'])
})

test('values that lack a placeholder, or give one the message lacks, are named', () => {
  assert.equal(check("t('{a} {b}', { a })\nt('{a}', { a, c: 1 })", { '{a} {b}': '{a}{b}', '{a}': '{a}' }), [
    'a.ts:2: "{a} {b}" names {b}, which its values lack',
    'a.ts:3: "{a}" has no {c}, which its values give',
  ])
})

test('a message or values that cannot be read statically are named', () => {
  const body = "t(name)\nt(`x ${y}`)\nt('x', values)\nt('x', { ...v })\nconst f = t\nlist.map(t)\nuse({ t })"
  assert.equal(check(body, { x: '甲' }), [
    "a.ts:2: the message is not literal text ('…' or '…' + '…')",
    "a.ts:3: the message is not literal text ('…' or '…' + '…')",
    'a.ts:4: its values are not an object literal',
    'a.ts:5: its values have `...v`, which names no placeholder readably',
    'a.ts:6: t is used as a value, so its messages cannot be checked',
    'a.ts:7: t is used as a value, so its messages cannot be checked',
    'a.ts:8: t is used as a value, so its messages cannot be checked',
    'locales/zh-CN.json:2: "x" is used by no t() call',
  ])
})

test.run()
