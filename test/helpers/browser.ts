// A page opened in Debian's Chromium, headless, the way a person opens a report: from a file, with
// every request the page makes written down and refused unless it is the file itself, and every
// console error and page error kept. playwright-core drives the system browser (test/setup/system.sh
// installs it); it never downloads one of its own.
import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'

/** Debian's package; CHROMIUM points elsewhere (e.g. another distribution's chromium-browser). */
export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium'

/** The flags that work on a closed-network machine: no sandbox as root, no GPU, no background calls home. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
]

export interface OpenedFile {
  page: Page
  /** Every URL the page asked for, the file itself included. */
  requests: string[]
  /** Console messages of type error, and uncaught page errors. */
  errors: string[]
  close(): Promise<void>
}

/** Opens `path` in a new headless Chromium (its own temporary profile) and waits for it to load. */
export async function openFile(path: string, viewport = { width: 1200, height: 900 }): Promise<OpenedFile> {
  if (!existsSync(chromiumPath))
    throw new Error(`no Chromium at ${chromiumPath}: run \`make system\` (installs Debian's chromium)`)
  const browser: Browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: FLAGS })
  const url = pathToFileURL(path).href
  const requests: string[] = []
  const errors: string[] = []
  try {
    const page = await browser.newPage({ viewport })
    page.on('request', (request) => requests.push(request.url()))
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()))
    page.on('pageerror', (error) => errors.push(error.message))
    // Anything but the file is refused, so a page that tried to fetch cannot pass by luck of a cache.
    await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()))
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 })
    return { page, requests, errors, close: () => browser.close() }
  } catch (error) {
    await browser.close()
    throw error
  }
}

/** The page's text as a reader sees it: rendered, hidden parts left out (textContent would keep them). */
export function visibleText(page: Page): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point here
  return page.innerText('body')
}
