import type { Browser } from "playwright-core"

export declare const chromiumExecutablePath: string
export declare const chromiumArgs: ReadonlyArray<string>
export declare const launchChromium: (options?: {
  readonly executablePath?: string
  readonly args?: ReadonlyArray<string>
  readonly timeoutMs?: number
}) => Promise<Browser>
export declare const clickThrough: (
  url: string,
  action?: string,
  options?: { readonly timeoutMs?: number; readonly browser?: Browser }
) => Promise<{ readonly url: string; readonly text: string }>
