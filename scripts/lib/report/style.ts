// The report page's stylesheet: one file that loads nothing, readable on a screen and in print; the
// load card and the grids fall to one column below 1000 px so no figure is cut off.
import { fontStack } from './font.ts'

export const reportStyle = (chinese: boolean) => `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f8fa; color: #24292f; font: 14px/1.5 ${fontStack(chinese)}; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
h2 { font-size: 18px; margin: 0 0 12px; border-bottom: 1px solid #d0d7de; padding-bottom: 6px; }
h3 { font-size: 15px; margin: 18px 0 8px; }
section { background: white; border: 1px solid #d0d7de; border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
table { border-collapse: collapse; width: 100%; margin: 4px 0; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid #eaeef2; overflow-wrap: anywhere; }
th { font-weight: 600; color: #57606a; font-size: 12px; text-transform: uppercase; }
table.facts td:first-child { color: #57606a; white-space: nowrap; width: 1%; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 12px; }
code.cmd { display: block; white-space: pre-wrap; word-break: break-all; color: #57606a; }
.dim { color: #57606a; font-size: 12px; }
.ok { color: #1a7f37; } .fail { color: #cf222e; } .warn { color: #9a6700; }
.note { background: #fff8c5; border: 1px solid #d4a72c66; border-radius: 6px; padding: 8px 12px; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 16px 0; }
.tile { background: white; border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 14px; flex: 1 0 auto; }
.tile .value { font-size: 20px; font-weight: 600; white-space: nowrap; }
.tile .label { color: #57606a; font-size: 12px; }
.tile.good .value { color: #1a7f37; } .tile.bad .value { color: #cf222e; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 12px; }
.split { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.2fr); gap: 16px; align-items: start; }
.split > *, .grid > * { min-width: 0; }
table.replicas td:not(:first-child) { white-space: nowrap; text-align: right; }
table.replicas th:not(:first-child) { text-align: right; }
figure.chart { margin: 0; border: 1px solid #eaeef2; border-radius: 6px; padding: 6px; background: white; }
figure.chart svg { display: block; width: 100%; height: auto; }
.pair { display: inline-block; margin-right: 10px; }
footer { color: #57606a; font-size: 12px; text-align: center; margin: 24px 0; }
@media (max-width: 1000px) { .grid, .split { grid-template-columns: 1fr; } }
@media print { body { background: white; } section { break-inside: avoid; border: none; } }
`
