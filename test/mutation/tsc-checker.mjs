// A TypeScript checker for Stryker that parses the project once. Stryker's own
// (@stryker-mutator/typescript-checker) runs a watch-mode solution builder: for each mutant it waits
// 250 ms for more changes, then parses all ~650 files of the program again (its source file cache
// lives for one build), 0.7-1 s a mutant, which made the checkers most of a `make mutation` run.
// Here every file is parsed once; a mutant's check parses its one mutated file, builds a program
// that reuses the rest, and asks for the diagnostics of that file and of the files that import it,
// directly or not: no other file can be affected. Most mutants check in 50-200 ms.
// Plain JavaScript: Stryker loads plugins without tsx.
import { resolve } from 'node:path'
import { CheckStatus } from '@stryker-mutator/api/check'
import { commonTokens, declareClassPlugin, PluginKind, tokens } from '@stryker-mutator/api/plugin'
import ts from 'typescript'

const format = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => process.cwd(),
  getNewLine: () => '\n',
}
/** A compiler's diagnostics as one text, as tsc prints them. */
const text = (diagnostics) => ts.formatDiagnostics(diagnostics, format).trim()

export class TscChecker {
  static inject = tokens(commonTokens.options)

  /** @param {{ tsconfigFile: string }} options */
  constructor(options) {
    this.tsconfig = resolve(options.tsconfigFile)
    /** The mutated file of the check under way: its name and its text. */
    this.mutated = undefined
  }

  async init() {
    const config = ts.getParsedCommandLineOfConfigFile(
      this.tsconfig,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(text([d]))
        },
      },
    )
    if (!config) throw new Error(`cannot read ${this.tsconfig}`)
    if (config.errors.length) throw new Error(text(config.errors))
    this.roots = config.fileNames
    this.options = config.options
    const host = ts.createCompilerHost(this.options)
    const parsed = new Map()
    const getSourceFile = host.getSourceFile.bind(host)
    host.getSourceFile = (fileName, languageVersionOrOptions, ...rest) => {
      // Parsed as the host parses (the options carry each file's module format).
      if (this.mutated?.fileName === fileName)
        return ts.createSourceFile(fileName, this.mutated.text, languageVersionOrOptions)
      if (!parsed.has(fileName)) parsed.set(fileName, getSourceFile(fileName, languageVersionOrOptions, ...rest))
      return parsed.get(fileName)
    }
    this.host = host
    this.program = ts.createProgram(this.roots, this.options, host)
    const errors = ts.getPreEmitDiagnostics(this.program)
    if (errors.length) throw new Error(`the project does not type-check without mutants:\n${text(errors)}`)
    this.importers = this.importersOf(
      this.program.getSourceFiles().filter((f) => !f.fileName.includes('/node_modules/')),
    )
  }

  /**
   * For each of the project's files (a mutant is never in a library's), the files that import it,
   * directly or not.
   * @param {readonly ts.SourceFile[]} files
   * @returns {Map<string, Set<string>>}
   */
  importersOf(files) {
    const own = new Set(files.map((f) => f.fileName))
    const imports = new Map(
      files.map((file) => [
        file.fileName,
        ts
          .preProcessFile(file.text, true, true)
          .importedFiles.map(
            ({ fileName }) =>
              ts.resolveModuleName(
                fileName,
                file.fileName,
                this.options,
                ts.sys,
                undefined,
                undefined,
                file.impliedNodeFormat,
              ).resolvedModule?.resolvedFileName,
          )
          .filter((name) => own.has(name)),
      ]),
    )
    const importers = new Map([...own].map((name) => [name, new Set()]))
    for (const name of own) {
      // Walk up from each file to everything that reaches it.
      const todo = [name]
      while (todo.length) {
        const current = todo.pop()
        for (const [importer, imported] of imports) {
          if (imported.includes(current) && !importers.get(name).has(importer) && importer !== name) {
            importers.get(name).add(importer)
            todo.push(importer)
          }
        }
      }
    }
    return importers
  }

  /** Stryker gives one mutant at a time (no `group`): a compile error is that mutant's own. */
  async check(mutants) {
    const result = {}
    for (const mutant of mutants) result[mutant.id] = this.checkOne(mutant)
    return result
  }

  checkOne(mutant) {
    const fileName = ts.sys.useCaseSensitiveFileNames ? mutant.fileName : mutant.fileName.toLowerCase()
    const original = this.program.getSourceFile(fileName.replaceAll('\\', '/'))
    // A file the program does not hold (not TypeScript): nothing to check.
    if (!original) return { status: CheckStatus.Passed }
    const at = (pos) => original.getPositionOfLineAndCharacter(pos.line, pos.column)
    const { start, end } = mutant.location
    this.mutated = {
      fileName: original.fileName,
      text: `${original.text.slice(0, at(start))}${mutant.replacement}${original.text.slice(at(end))}`,
    }
    try {
      const program = ts.createProgram({
        rootNames: this.roots,
        options: this.options,
        host: this.host,
        oldProgram: this.program,
      })
      const affected = [original.fileName, ...(this.importers.get(original.fileName) ?? [])]
      const errors = affected.flatMap((name) => {
        const file = program.getSourceFile(name)
        return file ? [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)] : []
      })
      return errors.length ? { status: CheckStatus.CompileError, reason: text(errors) } : { status: CheckStatus.Passed }
    } finally {
      this.mutated = undefined
    }
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Checker, 'tsc', TscChecker)]
