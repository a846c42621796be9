// Types for the asciichart package (it ships none): only what the project calls.
declare module 'asciichart' {
  export interface PlotConfig {
    height?: number
    min?: number
    max?: number
    offset?: number
    padding?: string
    format?: (value: number, index: number) => string
  }
  export function plot(series: number[] | number[][], config?: PlotConfig): string
}
