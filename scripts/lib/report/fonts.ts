// The report's fonts, apart from the charts: the page needs them at start, the chart library
// (vega, loaded only when a chart is drawn) does not come with them.
/** CSS font stacks shared by the page and the charts: system fonts, then CJK ones, then any sans-serif. */
const FONT_LATIN = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial'
const FONT_CJK = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei"'
export const fontStack = (chinese: boolean) =>
  chinese ? `${FONT_CJK}, ${FONT_LATIN}, sans-serif` : `${FONT_LATIN}, ${FONT_CJK}, sans-serif`
