import { assert, describe, it } from "vitest"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import { fixture, packageDir, run } from "./fixtures/harness.js"

/**
 * Every installed copy of `@aws-sdk/core` reachable from this package's SDK dependencies: each `@aws-sdk/*`
 * dependency is resolved from the package that names it, the way Node will at run time.
 */
const installedCores = () => {
  const cores = new Map<string, Set<string>>()
  const seen = new Set<string>()
  const visit = (from: string, name: string, via: string) => {
    const manifest = Fs.realpathSync(createRequire(from).resolve(`${name}/package.json`))
    if (name === "@aws-sdk/core") {
      const version = JSON.parse(Fs.readFileSync(manifest, "utf8")).version as string
      cores.set(version, (cores.get(version) ?? new Set()).add(via))
    }
    if (seen.has(manifest)) return
    seen.add(manifest)
    const dependencies = Object.keys(JSON.parse(Fs.readFileSync(manifest, "utf8")).dependencies ?? {})
    for (const dependency of dependencies) {
      if (dependency.startsWith("@aws-sdk/")) visit(manifest, dependency, `${via} > ${dependency}`)
    }
  }
  const own = JSON.parse(Fs.readFileSync(Path.join(packageDir, "package.json"), "utf8")).dependencies
  for (const name of Object.keys(own).filter((n) => n.startsWith("@aws-sdk/"))) {
    visit(Path.join(packageDir, "package.json"), name, name)
  }
  return cores
}

// Start-up cost: importing the package must not load the AWS SDK; using it does.
describe("lazy AWS SDK", () => {
  it("importing @alchemy/provider-aws loads no @aws-sdk module; resolving an AWS profile does", async () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "alchemy-aws-lazy-"))
    try {
      const trace = Path.join(dir, "trace")
      const importOnly = await run(
        process.execPath,
        ["--import", "tsx", "--import", fixture("sdk-tracer.mjs"), "-e", "await import('./src/index.ts')"],
        { SDK_TRACE_FILE: trace }
      )
      assert.strictEqual(importOnly.code, 0, importOnly.stderr)
      assert.isFalse(Fs.existsSync(trace), Fs.existsSync(trace) ? Fs.readFileSync(trace, "utf8") : "")

      // the tracer itself works: loading the STS client through the package's lazy loader is seen
      const used = await run(
        process.execPath,
        [
          "--import",
          "tsx",
          "--import",
          fixture("sdk-tracer.mjs"),
          "-e",
          "const m = await import('./src/internal/sdk.ts'); await m.loadSts()"
        ],
        { SDK_TRACE_FILE: trace }
      )
      assert.strictEqual(used.code, 0, used.stderr)
      assert.include(Fs.readFileSync(trace, "utf8"), "@aws-sdk/client-sts")
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it("the installed SDK tree has exactly one @aws-sdk/core (a second one, newer, warns on Node 20)", () => {
    const cores = installedCores()
    const report = [...cores].map(([version, via]) => `${version} via ${[...via][0]}`).join("; ")
    assert.deepStrictEqual([...cores.keys()], ["3.974.7"], report)
  })

  it("a real SDK call on Node 20 prints no NodeVersionSupportWarning (the pinned SDK versions support it)", async () => {
    // Each client the package uses sends one request to a closed loopback port; only its stderr matters here.
    const script = [
      "const m = await import('./src/internal/sdk.ts')",
      "const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'not-a-secret' }",
      "const endpoint = 'http://127.0.0.1:9'",
      "const sts = await m.loadSts()",
      "await new sts.STSClient({ region: 'us-east-1', endpoint, credentials }).send(new sts.GetCallerIdentityCommand({})).catch(() => {})",
      "const sso = await m.loadSso()",
      "await new sso.SSOClient({ region: 'us-east-1', endpoint }).send(new sso.ListAccountsCommand({ accessToken: 'x' })).catch(() => {})",
      "const oidc = await m.loadSsoOidc()",
      "await new oidc.SSOOIDCClient({ region: 'us-east-1', endpoint }).send(new oidc.RegisterClientCommand({ clientName: 'x', clientType: 'public' })).catch(() => {})",
      "console.log('done')"
    ].join("; ")
    const result = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined
    })
    assert.strictEqual(result.code, 0, result.stderr)
    assert.include(result.stdout, "done")
    assert.notInclude(result.stderr, "NodeVersionSupportWarning")
  })
})
