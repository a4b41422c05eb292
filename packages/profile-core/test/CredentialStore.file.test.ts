/**
 * The credential-store contract against the file store (`credentials/<profile>/<provider>.json`).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { credentialStoreContract } from "./credentialStoreContract.js"

const file = (home: string, profile: string, provider: string) => path.join(home, "credentials", profile, `${provider}.json`)

credentialStoreContract("file", () => ({
  kind: "file",
  inspect: async (home, profile, provider) =>
    fs.existsSync(file(home, profile, provider)) ? fs.readFileSync(file(home, profile, provider), "utf8") : null,
  plant: async (home, profile, provider, text) => {
    fs.mkdirSync(path.dirname(file(home, profile, provider)), { recursive: true, mode: 0o700 })
    fs.writeFileSync(file(home, profile, provider), text, { mode: 0o600 })
  }
}))
