/** Build the bundle once before the end-to-end tests (turbo also runs `build` before `test`). */
import { execFileSync } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export default function setup() {
  if (process.env.ALCHEMY_CLI_SKIP_BUILD === "1") return
  const appDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
  execFileSync(process.execPath, [path.join(appDir, "scripts", "build.mjs")], { stdio: "inherit" })
}
