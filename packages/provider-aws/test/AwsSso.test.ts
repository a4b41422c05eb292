import * as AwsEmulator from "@alchemy/testing/AwsEmulator"
import { CredentialStore } from "@alchemy/profile-core/CredentialStore"
import { decodeProfileName } from "@alchemy/profile-core/ProfileName"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { SsoFile } from "../src/AwsConfig.js"
import { AwsAuthProvider } from "../src/AwsAuthProvider.js"
import { AwsResolver } from "../src/AwsResolver.js"
import { DevicePolling } from "../src/AwsSso.js"
import { clickThrough } from "@alchemy/testing/Browser"
import { findSecrets, makeSandbox, playBrowser, providerLayer, scripted } from "./fixtures/harness.js"

const accounts = [
  { accountId: "111111111111", accountName: "Dev", roles: ["Admin", "ReadOnly"] },
  { accountId: "222222222222", accountName: "Prod", roles: ["Deployer"] },
  { accountId: "333333333333", accountName: "Sandbox", roles: ["Admin"] }
]

let emulator: AwsEmulator.AwsEmulator
let sandbox: ReturnType<typeof makeSandbox>

beforeAll(async () => {
  sandbox = makeSandbox()
  // Role credentials live 60s (< the 5 minute skew), so every resolution refreshes them; tokens live 2 minutes,
  // so every refresh also renews the access token with the refresh token.
  emulator = await AwsEmulator.start({
    accounts,
    pageSize: 2,
    roleCredentialTtlSeconds: 60,
    accessTokenTtlSeconds: 120,
    devicePendingPolls: 2,
    slowDownOnce: true
  })
  Object.assign(process.env, emulator.env)
})

afterAll(async () => {
  await emulator?.close()
  sandbox?.cleanup()
})

const fastPolling = Layer.succeed(DevicePolling, {
  intervalScale: 0.05,
  slowDownIncrementSeconds: 1,
  timeout: Duration.seconds(30)
})

const ssoValues = (extra: Record<string, string> = {}) => ({
  "sso-start-url": `${emulator.url}/start`,
  "sso-region": "us-east-1",
  region: "eu-west-1",
  ...extra
})

describe("sso", () => {
  it.live("device code: pending and slow_down replies, account and role pickers, credentials STS accepts", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("device")
      const person = scripted({
        select: (message, values) => message.startsWith("AWS account") ? "222222222222" : values[0]
      })
      const before = { ...emulator.counters }
      const description = yield* Effect.gen(function*() {
        const provider = yield* AwsAuthProvider
        return yield* provider.configure({ profile, method: "sso", values: ssoValues(), secrets: {}, switches: { "use-device-code": true }, references: {} })
      }).pipe(Effect.provide(Layer.merge(providerLayer(sandbox.home, person.interaction), fastPolling)))

      // the account picker offered all accounts (ListAccounts is paginated by 2), then the single role was taken
      assert.deepStrictEqual(person.asked.map((q) => q.flag), ["--sso-account-id"])
      assert.isAtLeast(emulator.counters.listAccounts - before.listAccounts, 2)
      // the user code was shown, the verification page opened; polling saw pending + slow_down before success
      assert.isTrue(person.shown.some((line) => line.includes("confirm the code")))
      assert.strictEqual(person.opened.length, 1)
      assert.isAtLeast(emulator.counters.createToken - before.createToken, 4)
      assert.strictEqual(description.method, "sso")
      assert.strictEqual(description.json.accountId, "222222222222")

      // the stored role credentials work with the real STS client against the emulator
      const file = yield* Effect.flatMap(CredentialStore, (s) => s.read(profile, "aws", SsoFile)).pipe(
        Effect.provide(providerLayer(sandbox.home, person.interaction))
      )
      assert.isTrue(file._tag === "Some")
      const role = file._tag === "Some" ? file.value.roleCredentials! : undefined!
      const { STSClient, GetCallerIdentityCommand } = yield* Effect.promise(() => import("@aws-sdk/client-sts"))
      const sts = new STSClient({
        region: "us-east-1",
        credentials: {
          accessKeyId: role.accessKeyId,
          secretAccessKey: Redacted.value(role.secretAccessKey),
          sessionToken: Redacted.value(role.sessionToken)
        }
      })
      const identity = yield* Effect.promise(() => sts.send(new GetCallerIdentityCommand({})))
      assert.strictEqual(identity.Account, "222222222222")
      assert.include(identity.Arn ?? "", "Deployer")

      // config.json holds no secret
      const config = Fs.readFileSync(Path.join(sandbox.home, "config.json"), "utf8")
      const secrets = [
        Redacted.value(file._tag === "Some" ? file.value.accessToken : Redacted.make("")),
        Redacted.value(role.secretAccessKey),
        Redacted.value(role.sessionToken)
      ]
      assert.deepStrictEqual(findSecrets([config, ...person.shown, JSON.stringify(description)], secrets), [])

      // `login` signs in again with the cached client registration (no new RegisterClient) and keeps the choice
      const registrations = emulator.counters.registerClient
      const again = yield* Effect.gen(function*() {
        const provider = yield* AwsAuthProvider
        return yield* provider.login({ profile, values: {}, secrets: {}, switches: { "use-device-code": true }, references: {} })
      }).pipe(Effect.provide(Layer.merge(providerLayer(sandbox.home, scripted().interaction), fastPolling)))
      assert.strictEqual(emulator.counters.registerClient, registrations)
      assert.strictEqual(again.json.accountId, "222222222222")
    }))

  it.live("an expired SSO session without a refresh token is a NeedsLogin; nothing is called", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("expired")
      const layer = Layer.merge(providerLayer(sandbox.home, scripted().interaction), fastPolling)
      yield* Effect.gen(function*() {
        const provider = yield* AwsAuthProvider
        yield* provider.configure({
          profile,
          method: "sso",
          values: ssoValues({ "sso-account-id": "333333333333" }),
          secrets: {},
          switches: { "use-device-code": true },
          references: {}
        })
        const store = yield* CredentialStore
        const file = Option.getOrThrow(yield* store.read(profile, "aws", SsoFile))
        const { refreshToken: _r, roleCredentials: _c, ...rest } = file
        yield* store.write(profile, "aws", SsoFile, { ...rest, expiresAt: Date.now() - 1000 })
      }).pipe(Effect.provide(layer))
      const before = emulator.counters.getRoleCredentials
      const error = yield* Effect.flip(
        Effect.flatMap(AwsResolver, (r) => r.resolve(profile)).pipe(
          Effect.provide(providerLayer(sandbox.home, scripted().interaction))
        )
      )
      assert.strictEqual(error._tag, "NeedsLogin")
      assert.include(error.message, "session expired")
      assert.include(error.message, "alchemy login --profile expired")
      assert.strictEqual(emulator.counters.getRoleCredentials, before)
    }))

  it.live("PKCE authorization code through headless Chromium clicking Allow; refresh; logout", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("pkce")
      const browser = playBrowser("Allow")
      const person = scripted({ openUrl: browser.open })
      const layer = providerLayer(sandbox.home, person.interaction)
      const before = { ...emulator.counters }
      yield* Effect.gen(function*() {
        const provider = yield* AwsAuthProvider
        yield* provider.configure({
          profile,
          method: "sso",
          values: ssoValues({ "sso-account-id": "111111111111", "sso-role-name": "ReadOnly" }),
          secrets: {}, switches: {}, references: {}
        })
      }).pipe(Effect.provide(layer))
      const opened = yield* Effect.promise(() => Promise.all(browser.runs))
      assert.strictEqual(opened[0]?.code, 0, opened[0]?.stderr)
      assert.strictEqual(person.asked.length, 0)
      assert.strictEqual(emulator.counters.authorize - before.authorize, 1)
      assert.strictEqual(emulator.counters.startDeviceAuthorization - before.startDeviceAuthorization, 0)
      const authorize = new URL(person.opened[0]!)
      assert.strictEqual(authorize.searchParams.get("code_challenge_method"), "S256")
      assert.match(authorize.searchParams.get("redirect_uri") ?? "", /^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/)

      // A new process (new layer): role credentials are near expiry, so the token is refreshed and reused.
      const refreshesBefore = emulator.counters.createTokenRefresh
      const resolved = yield* Effect.flatMap(AwsResolver, (r) => r.resolve(profile)).pipe(
        Effect.provide(providerLayer(sandbox.home, scripted().interaction))
      )
      assert.strictEqual(resolved.method, "sso")
      assert.strictEqual(resolved.region, "eu-west-1")
      assert.strictEqual(resolved.accountId, "111111111111")
      assert.isAbove(emulator.counters.createTokenRefresh, refreshesBefore)

      // Logout calls Logout and removes the session; the profile stays configured and now needs a login.
      const logoutsBefore = emulator.counters.logout
      const { description, exit } = yield* Effect.gen(function*() {
        const provider = yield* AwsAuthProvider
        yield* provider.logout(profile)
        assert.isTrue(yield* provider.isConfigured(profile))
        const exit = yield* Effect.exit(Effect.flatMap(AwsResolver, (r) => r.resolve(profile)))
        // `profile show` still describes the profile, as logged out, with what to run next.
        return { description: yield* provider.describe(profile), exit }
      }).pipe(Effect.provide(providerLayer(sandbox.home, scripted().interaction)))
      assert.strictEqual(emulator.counters.logout - logoutsBefore, 1)
      assert.isTrue(Exit.isFailure(exit))
      assert.include(String(Exit.isFailure(exit) ? exit.cause : ""), "NeedsLogin")
      assert.strictEqual(description.json.loggedIn, false)
      assert.deepStrictEqual(description.lines[0], {
        label: "status",
        value: "not logged in (run `alchemy login --profile " + profile + "`)"
      })
      assert.include(description.lines.map((l) => l.value), "eu-west-1")
    }))

  it.live("Deny in the browser ends the sign-in with a readable error and saves nothing", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("denied")
      const browser = playBrowser("Deny")
      const person = scripted({ openUrl: browser.open })
      const error = yield* Effect.flip(Effect.gen(function*() {
        const provider = yield* AwsAuthProvider
        return yield* provider.configure({ profile, method: "sso", values: ssoValues(), secrets: {}, switches: {}, references: {} })
      }).pipe(Effect.provide(providerLayer(sandbox.home, person.interaction))))
      yield* Effect.promise(() => Promise.all(browser.runs))
      assert.include(String((error as { message?: string }).message), "the sign-in was denied (access_denied")
      const configured = yield* Effect.flatMap(AwsAuthProvider, (p) => p.isConfigured(profile)).pipe(
        Effect.provide(providerLayer(sandbox.home, person.interaction))
      )
      assert.isFalse(configured)
      assert.isFalse(Fs.existsSync(Path.join(sandbox.home, "credentials", "denied")))
    }))

  it.live("--no-browser: the URL is printed and the pasted redirect URL completes the PKCE sign-in", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("headless")
      let printed: string | undefined
      const person = scripted({
        // the person opens the printed URL elsewhere, clicks Allow, and pastes the address they land on
        text: () => clickThrough(printed!, "Allow").then((landed) => landed.url)
      })
      const interaction = {
        ...person.interaction,
        info: (message: string) =>
          Effect.sync(() => {
            printed = /https?:\/\/\S+\/authorize\S*/.exec(message)?.[0] ?? printed
          }).pipe(Effect.zipRight(person.interaction.info(message)))
      }
      const description = yield* Effect.gen(function*() {
        const provider = yield* AwsAuthProvider
        return yield* provider.configure({
          profile,
          method: "sso",
          values: ssoValues({ "sso-account-id": "111111111111", "sso-role-name": "Admin" }),
          secrets: {},
          switches: { "no-browser": true },
          references: {}
        })
      }).pipe(Effect.provide(providerLayer(sandbox.home, interaction)))
      assert.strictEqual(person.opened.length, 0)
      assert.deepStrictEqual(person.asked.map((q) => q.kind), ["text"])
      assert.strictEqual(description.json.accountId, "111111111111")
    }))

  it.live("--no-browser: a pasted redirect URL from another sign-in (wrong state) is refused; no token asked, nothing saved", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("pasted-wrong")
      const person = scripted({
        text: () => "http://127.0.0.1:9/oauth/callback?code=stolen-code&state=someone-elses-state"
      })
      const before = { ...emulator.counters }
      const error = yield* Effect.flip(Effect.gen(function*() {
        const provider = yield* AwsAuthProvider
        return yield* provider.configure({
          profile,
          method: "sso",
          values: ssoValues({ "sso-account-id": "111111111111", "sso-role-name": "Admin" }),
          secrets: {},
          switches: { "no-browser": true },
          references: {}
        })
      }).pipe(Effect.provide(providerLayer(sandbox.home, person.interaction))))
      const message = String((error as { message?: string }).message)
      assert.include(message, "state mismatch")
      assert.include(message, "alchemy login --profile pasted-wrong")
      assert.notInclude(message, "stolen-code")
      assert.strictEqual(emulator.counters.createToken - before.createToken, 0)
      assert.strictEqual(person.opened.length, 0)
      const configured = yield* Effect.flatMap(AwsAuthProvider, (p) => p.isConfigured(profile)).pipe(
        Effect.provide(providerLayer(sandbox.home, scripted().interaction))
      )
      assert.isFalse(configured)
      assert.isFalse(Fs.existsSync(Path.join(sandbox.home, "credentials", "pasted-wrong")))
    }))

  it.live("an account the sign-in cannot reach is refused, listing the reachable ones and what to run; nothing saved", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("no-such-account")
      const error = yield* Effect.flip(Effect.gen(function*() {
        const provider = yield* AwsAuthProvider
        return yield* provider.configure({
          profile,
          method: "sso",
          values: ssoValues({ "sso-account-id": "999999999999" }),
          secrets: {},
          switches: { "use-device-code": true },
          references: {}
        })
      }).pipe(Effect.provide(Layer.merge(providerLayer(sandbox.home, scripted().interaction), fastPolling))))
      const message = String((error as { message?: string }).message)
      assert.include(message, "account 999999999999 is not available to this sign-in")
      assert.include(message, "Dev: 111111111111")
      assert.include(message, "alchemy configure --profile no-such-account --provider aws")
      assert.isFalse(Fs.existsSync(Path.join(sandbox.home, "credentials", "no-such-account")))
    }))

  it.live("a revoked / expired SSO session is a NeedsLogin naming `alchemy login --profile <p>`", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("revoked")
      const layer = Layer.merge(providerLayer(sandbox.home, scripted().interaction), fastPolling)
      yield* Effect.gen(function*() {
        const provider = yield* AwsAuthProvider
        yield* provider.configure({
          profile,
          method: "sso",
          values: ssoValues({ "sso-account-id": "333333333333" }),
          secrets: {},
          switches: { "use-device-code": true },
          references: {}
        })
      }).pipe(Effect.provide(layer))
      emulator.revokeAll()
      const error = yield* Effect.flip(
        Effect.flatMap(AwsResolver, (r) => r.resolve(profile)).pipe(
          Effect.provide(providerLayer(sandbox.home, scripted().interaction))
        )
      )
      assert.strictEqual(error._tag, "NeedsLogin")
      assert.include(error.message, "alchemy login --profile revoked")
    }))
})
