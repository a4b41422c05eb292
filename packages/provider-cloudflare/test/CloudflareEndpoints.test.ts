import { Environment } from "@alchemy/profile-core/Environment"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as CloudflareApi from "../src/CloudflareApi.js"
import * as CloudflareEndpoints from "../src/CloudflareEndpoints.js"
import * as CloudflareOAuth from "../src/CloudflareOAuth.js"

describe("endpoints", () => {
  it("real endpoints and the real client's fixed callback by default", () => {
    const e = CloudflareEndpoints.fromEnvironment({})
    assert.strictEqual(e.apiBaseUrl, "https://api.cloudflare.com/client/v4")
    assert.strictEqual(e.authorizeUrl, "https://dash.cloudflare.com/oauth2/authorize")
    assert.strictEqual(e.tokenUrl, "https://dash.cloudflare.com/oauth2/token")
    assert.strictEqual(e.revokeUrl, "https://dash.cloudflare.com/oauth2/revoke")
    assert.strictEqual(e.clientId, "6d8c2255-0773-45f6-b376-2914632e6f91")
    assert.deepStrictEqual(e.callback, { _tag: "fixed", port: 9976, redirectUri: "http://localhost:9976/auth/callback" })
    assert.isFalse(e.allowInsecure)
  })

  it("overrides: any free port, http allowed only for loopback origins", () => {
    const e = CloudflareEndpoints.fromEnvironment({
      CLOUDFLARE_BASE_URL: "http://127.0.0.1:8788/client/v4/",
      ALCHEMY_CLOUDFLARE_OAUTH_URL: "http://127.0.0.1:8788/",
      ALCHEMY_CLOUDFLARE_CLIENT_ID: "my-client"
    })
    assert.strictEqual(e.apiBaseUrl, "http://127.0.0.1:8788/client/v4")
    assert.strictEqual(e.tokenUrl, "http://127.0.0.1:8788/oauth2/token")
    assert.strictEqual(e.clientId, "my-client")
    assert.deepStrictEqual(e.callback, { _tag: "loopback" })
    assert.isTrue(e.allowInsecure)
    assert.isTrue(CloudflareEndpoints.fromEnvironment({ ALCHEMY_CLOUDFLARE_OAUTH_URL: "http://[::1]:1" }).allowInsecure)
    assert.isFalse(CloudflareEndpoints.fromEnvironment({ ALCHEMY_CLOUDFLARE_OAUTH_URL: "http://login.example.com" }).allowInsecure)
  })

  it.effect("the environment is profile-core's Environment: the one provided is what the endpoints and the API read", () =>
    Effect.gen(function*() {
      // The same reference (the same key) under both names: providing profile-core's provides the package's.
      assert.strictEqual(CloudflareEndpoints.Environment, Environment)
      const env = {
        CLOUDFLARE_BASE_URL: "http://127.0.0.1:1/from-provided/client/v4",
        ALCHEMY_CLOUDFLARE_CLIENT_ID: "provided-client"
      }
      const endpoints = yield* CloudflareEndpoints.current.pipe(Effect.provideService(Environment, env))
      assert.strictEqual(endpoints.apiBaseUrl, "http://127.0.0.1:1/from-provided/client/v4")
      assert.strictEqual(endpoints.clientId, "provided-client")
      // layerConfig reads CLOUDFLARE_BASE_URL through it too, not through the process's environment.
      const api = yield* CloudflareApi.CloudflareApi.pipe(
        Effect.provide(CloudflareApi.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))),
        Effect.provideService(Environment, env)
      )
      assert.strictEqual(api.baseUrl, "http://127.0.0.1:1/from-provided/client/v4")
      const fallback = yield* CloudflareApi.CloudflareApi.pipe(
        Effect.provide(CloudflareApi.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))),
        Effect.provideService(Environment, {})
      )
      assert.strictEqual(fallback.baseUrl, CloudflareEndpoints.defaultApiBaseUrl)
    }))

  it.live("an http:// OAuth origin that is not loopback is refused before any request", () =>
    Effect.gen(function*() {
      const result = yield* CloudflareOAuth.refresh({
        type: "oauth",
        access: Redacted.make("a"),
        refresh: Redacted.make("r"),
        expires: 0,
        scopes: []
      }).pipe(
        Effect.either,
        Effect.provide(Layer.succeed(CloudflareEndpoints.Environment, { ALCHEMY_CLOUDFLARE_OAUTH_URL: "http://login.example.com" }))
      )
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result) && result.left._tag === "Failed") {
        assert.strictEqual(result.left.error.reason, "Refresh")
        // oauth4webapi's refusal, not a network error from trying.
        assert.match(result.left.error.detail, /only requests to HTTPS are allowed/)
      } else {
        assert.fail("expected a non-grant failure")
      }
    }))

  it.effect("scopes: space or comma separated, validated, offline_access implied", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* CloudflareOAuth.parseScopes("account:read, workers:write  offline_access"), [
        "account:read",
        "workers:write"
      ])
      const bad = yield* Effect.flip(CloudflareOAuth.parseScopes("account:read; rm -rf"))
      assert.strictEqual(bad._tag, "CloudflareInputError")
      assert.include(CloudflareOAuth.scopeCatalogue, "dns_records:edit")
      assert.strictEqual(CloudflareOAuth.defaultScopes.length, 18)
      assert.deepStrictEqual(yield* CloudflareOAuth.parseScopes("default"), CloudflareOAuth.defaultScopes)
      const extended = yield* CloudflareOAuth.parseScopes("default,dns_records:edit")
      assert.strictEqual(extended.length, 19)
      assert.strictEqual(extended[18], "dns_records:edit")
    }))
})

describe("SDK options", () => {
  it("a bearer token becomes { apiToken }, a key { apiKey, apiEmail }, with baseURL when overridden", async () => {
    const { sdkOptions } = await import("../src/CloudflareCredentials.js")
    assert.deepStrictEqual(sdkOptions({ credential: { _tag: "Bearer", token: Redacted.make("t0ken-value") } }), {
      apiToken: "t0ken-value"
    })
    assert.deepStrictEqual(
      sdkOptions({ credential: { _tag: "GlobalKey", key: Redacted.make("k3y"), email: "a@b.c" } }, "http://127.0.0.1:1/client/v4"),
      { apiKey: "k3y", apiEmail: "a@b.c", baseURL: "http://127.0.0.1:1/client/v4" }
    )
  })
})
