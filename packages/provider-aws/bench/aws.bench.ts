/**
 * Benchmark (a script, not a test): `node --import tsx bench/aws.bench.ts`. Prints a markdown table.
 *
 * - `node -e 0` start-up median, for scale on this machine.
 * - Importing `@alchemy/provider-aws` (the SDK is loaded lazily) vs. importing it and the three SDK clients.
 * - Cached role credentials (an assume-role session on disk, emulator on 127.0.0.1) resolved in a warm process:
 *   through the `AwsResolver` effect, and through the SDK-facing `AwsCredentialIdentityProvider`. Target p50 < 50 µs.
 * - A cached web identity session (`web-identity` from a token file) resolved the same way through `AwsResolver`.
 */
import * as AwsEmulator from "@alchemy/testing/AwsEmulator"
import { decodeProfileName } from "@alchemy/profile-core/ProfileName"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { AwsAuthProvider } from "../src/AwsAuthProvider.js"
import * as AwsCredentials from "../src/AwsCredentials.js"
import { AwsResolver } from "../src/AwsResolver.js"
import { makeSandbox, providerLayer, scripted } from "../test/fixtures/harness.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))

const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

const timeChild = (args: ReadonlyArray<string>, runs: number) => {
  const times: Array<number> = []
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint()
    const result = spawnSync(process.execPath, args, { cwd: packageDir, stdio: "ignore" })
    if (result.status !== 0) throw new Error(`child failed: ${args.join(" ")}`)
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  return percentile(times, 50)
}

const ms = (value: number) => `${value.toFixed(1)} ms`
const us = (value: number) => `${value.toFixed(1)} µs`

const main = async () => {
  const rows: Array<[string, string]> = []
  rows.push(["`node -e 0` start-up, median of 10", ms(timeChild(["-e", "0"], 10))])
  // In one fresh child: time importing the package, then time loading the SDK modules it defers.
  const script = [
    "const t0 = performance.now(); await import('./src/index.ts'); const t1 = performance.now();",
    "await Promise.all(['@aws-sdk/client-sso-oidc','@aws-sdk/client-sso','@aws-sdk/client-sts','@aws-sdk/credential-providers'].map((m) => import(m)));",
    "const t2 = performance.now(); console.log(JSON.stringify({ pkg: t1 - t0, sdk: t2 - t1 }))"
  ].join(" ")
  const imports: Array<{ pkg: number; sdk: number }> = []
  for (let i = 0; i < 5; i++) {
    const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: packageDir,
      encoding: "utf8"
    })
    if (result.status !== 0) throw new Error(result.stderr)
    imports.push(JSON.parse(result.stdout.trim().split("\n").pop()!))
  }
  rows.push(["import `@alchemy/provider-aws` in a fresh process (tsx), median of 5", ms(percentile(imports.map((x) => x.pkg), 50))])
  rows.push(["SDK modules it defers (sso-oidc, sso, sts, credential-providers), loaded afterwards, median of 5", ms(percentile(imports.map((x) => x.sdk), 50))])

  const sandbox = makeSandbox()
  const webIdentityRole = "arn:aws:iam::444444444444:role/gha/Deployer"
  const emulator = await AwsEmulator.start({
    webIdentityRoles: [{ roleArn: webIdentityRole, subjects: ["repo:acme/app:ref:refs/heads/main"] }]
  })
  Object.assign(process.env, emulator.env)
  try {
    const key = emulator.addAccessKey({ account: "111111111111" })
    const profile = await Effect.runPromise(decodeProfileName("bench"))
    const webProfile = await Effect.runPromise(decodeProfileName("bench-web"))
    const tokenFile = Path.join(sandbox.root, "web-identity-token")
    Fs.writeFileSync(tokenFile, emulator.mintWebIdentityToken({ sub: "repo:acme/app:ref:refs/heads/main" }))
    const layer = providerLayer(sandbox.home, scripted().interaction)
    const result = await Effect.runPromise(
      Effect.gen(function*() {
        const provider = yield* AwsAuthProvider
        yield* provider.configure({
          profile,
          method: "assume-role",
          values: { "role-arn": "arn:aws:iam::222222222222:role/Deployer", "aws-access-key-id": key.accessKeyId },
          secrets: { "aws-secret-access-key": Redacted.make(key.secretAccessKey) }, switches: {}, references: {}
        })
        yield* provider.configure({
          profile: webProfile,
          method: "web-identity",
          values: { "role-arn": webIdentityRole, "web-identity-token-file": tokenFile },
          secrets: {}, switches: {}, references: {}
        })
        const resolver = yield* AwsResolver
        const credentials = yield* AwsCredentials.credentialIdentityProvider.pipe(
          Effect.provide(AwsCredentials.fromProfile("bench").pipe(Layer.provide(Layer.succeed(AwsResolver, resolver))))
        )
        return { resolver, credentials }
      }).pipe(Effect.provide(layer))
    )
    const resolve = result.resolver.resolve(profile)
    const resolveWeb = result.resolver.resolve(webProfile)
    const assumesBefore = emulator.counters.assumeRole
    const webAssumesBefore = emulator.counters.assumeRoleWithWebIdentity
    const iterations = 20_000
    const sample = async (run: () => Promise<unknown>) => {
      for (let i = 0; i < 2_000; i++) await run()
      const times: Array<number> = []
      for (let i = 0; i < iterations; i++) {
        const start = process.hrtime.bigint()
        await run()
        times.push(Number(process.hrtime.bigint() - start) / 1e3)
      }
      return times
    }
    const viaEffect = await sample(() => Effect.runPromise(resolve))
    const viaSdk = await sample(() => result.credentials())
    const viaWeb = await sample(() => Effect.runPromise(resolveWeb))
    rows.push([`cached role credentials, \`AwsResolver.resolve\` (Effect.runPromise), p50 of ${iterations}`, us(percentile(viaEffect, 50))])
    rows.push([`same, p99`, us(percentile(viaEffect, 99))])
    rows.push([`cached role credentials, SDK \`AwsCredentialIdentityProvider()\`, p50 of ${iterations}`, us(percentile(viaSdk, 50))])
    rows.push([`same, p99`, us(percentile(viaSdk, 99))])
    rows.push(["AssumeRole calls during the timed loops", String(emulator.counters.assumeRole - assumesBefore)])
    rows.push([`cached web identity session, \`AwsResolver.resolve\` (Effect.runPromise), p50 of ${iterations}`, us(percentile(viaWeb, 50))])
    rows.push([`same, p99`, us(percentile(viaWeb, 99))])
    rows.push([
      "AssumeRoleWithWebIdentity calls during the timed loops",
      String(emulator.counters.assumeRoleWithWebIdentity - webAssumesBefore)
    ])
  } finally {
    await emulator.close()
    sandbox.cleanup()
  }

  process.stdout.write(`## provider-aws benchmark (${Os.cpus().length} CPUs, Node ${process.version})\n\n`)
  process.stdout.write("| measurement | value |\n|---|---|\n")
  for (const [name, value] of rows) process.stdout.write(`| ${name} | ${value} |\n`)
}

main().then(() => process.exit(0), (error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`)
  process.exit(1)
})
