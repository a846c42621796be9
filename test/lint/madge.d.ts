// The part of madge's API (it ships no types) that the circle check uses.
declare module 'madge' {
  interface MadgeResult {
    /** Each circle as the files on it, relative to the base folder. */
    circular(): string[][]
    /** Files madge could not resolve (npm packages among them). */
    warnings(): { skipped: string[] }
  }
  interface MadgeConfig {
    baseDir?: string
    fileExtensions?: string[]
    tsConfig?: string
    excludeRegExp?: RegExp[]
  }
  export default function madge(path: string | string[], config?: MadgeConfig): Promise<MadgeResult>
}
