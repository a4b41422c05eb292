import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import * as CloudflareEmulator from "../src/CloudflareEmulator.js"

const pkce = () => {
  const verifier = randomBytes(32).toString("base64url")
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") }
}

const redirectUri = "http://127.0.0.1:9976/auth/callback"
const scope = "account:read user:read workers:write offline_access"

const authorizeUrl = (
  cf: CloudflareEmulator.CloudflareEmulator,
  challenge: string,
  overrides: Record<string, string | null> = {}
): string => {
  const url = new URL("/oauth2/authorize", cf.oauthUrl)
  const params: Record<string, string | null> = {
    client_id: cf.clientId,
    redirect_uri: redirectUri,
    response_type: "code",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "state-1234567890",
    scope,
    ...overrides
  }
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v)
  return url.toString()
}

/** Walks the consent page by plain HTTP: GET the page, POST the form. Returns the redirect location. */
const consentByFetch = async (
  cf: CloudflareEmulator.CloudflareEmulator,
  url: string,
  decision: "allow" | "deny"
): Promise<URL> => {
  const page = await fetch(url, { redirect: "manual" })
  assert.strictEqual(page.status, 200)
  const html = await page.text()
  const consentId = /name="consent" value="([^"]+)"/.exec(html)?.[1]
  assert.isDefined(consentId)
  const answer = await fetch(`${cf.oauthUrl}/oauth2/consent`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ consent: consentId!, decision })
  })
  assert.strictEqual(answer.status, 302)
  return new URL(answer.headers.get("location")!)
}

const postForm = (url: string, form: Record<string, string>) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form)
  })

const exchange = (cf: CloudflareEmulator.CloudflareEmulator, code: string, verifier: string, extra: Record<string, string> = {}) =>
  postForm(`${cf.oauthUrl}/oauth2/token`, {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
    client_id: cf.clientId,
    ...extra
  })

const refresh = (cf: CloudflareEmulator.CloudflareEmulator, refreshToken: string) =>
  postForm(`${cf.oauthUrl}/oauth2/token`, { grant_type: "refresh_token", refresh_token: refreshToken, client_id: cf.clientId })

const apiGet = (cf: CloudflareEmulator.CloudflareEmulator, path: string, headers: Record<string, string> = {}) =>
  fetch(`${cf.apiBaseUrl}${path}`, { headers })

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** Code flow by fetch up to a code. */
const codeFor = async (cf: CloudflareEmulator.CloudflareEmulator) => {
  const { challenge, verifier } = pkce()
  const location = await consentByFetch(cf, authorizeUrl(cf, challenge), "allow")
  return { code: location.searchParams.get("code")!, verifier }
}

describe("CloudflareEmulator OAuth", () => {
  let cf: CloudflareEmulator.CloudflareEmulator
  beforeAll(async () => {
    cf = await CloudflareEmulator.start()
  })
  afterAll(() => cf.close())
  beforeEach(() => cf.resetCounters())

  it("serves a consent form listing the scopes with Allow and Deny buttons", async () => {
    const { challenge } = pkce()
    const res = await fetch(authorizeUrl(cf, challenge))
    const html = await res.text()
    assert.strictEqual(res.status, 200)
    assert.match(res.headers.get("content-type")!, /text\/html/)
    assert.match(html, /<form method="post" action="\/oauth2\/consent">/)
    assert.match(html, /<button type="submit" name="decision" value="allow">Allow<\/button>/)
    assert.match(html, /<button type="submit" name="decision" value="deny">Deny<\/button>/)
    for (const s of scope.split(" ")) assert.include(html, `<li>${s}</li>`)
    assert.strictEqual(cf.counters.authorize, 1)
  })

  it("also answers on /oauth2/auth", async () => {
    const { challenge } = pkce()
    const res = await fetch(authorizeUrl(cf, challenge).replace("/oauth2/authorize", "/oauth2/auth"))
    assert.strictEqual(res.status, 200)
    assert.include(await res.text(), "Allow")
  })

  it("Allow redirects with a code and the state; the PKCE verifier gets tokens that work on the API", async () => {
    const { challenge, verifier } = pkce()
    const location = await consentByFetch(cf, authorizeUrl(cf, challenge), "allow")
    assert.strictEqual(`${location.origin}${location.pathname}`, redirectUri)
    assert.strictEqual(location.searchParams.get("state"), "state-1234567890")
    const code = location.searchParams.get("code")!
    assert.isString(code)

    const res = await exchange(cf, code, verifier)
    assert.strictEqual(res.status, 200)
    assert.strictEqual(res.headers.get("cache-control"), "no-store")
    const body = await res.json() as Record<string, unknown>
    assert.strictEqual(body.token_type, "bearer")
    assert.strictEqual(body.expires_in, 3600)
    assert.strictEqual(body.scope, scope)
    assert.isString(body.access_token)
    assert.isString(body.refresh_token)

    const verify = await apiGet(cf, "/user/tokens/verify", bearer(body.access_token as string))
    assert.strictEqual(verify.status, 200)
    const envelope = await verify.json() as { success: boolean; result: { status: string; expires_on: string } }
    assert.isTrue(envelope.success)
    assert.strictEqual(envelope.result.status, "active")
    assert.isString(envelope.result.expires_on)
    assert.strictEqual(cf.counters.tokenCode, 1)
    assert.strictEqual(cf.counters.consentAllow, 1)
    assert.strictEqual(cf.counters.api["GET /user/tokens/verify"], 1)
  })

  it("refuses a wrong PKCE verifier, and the code is spent afterwards", async () => {
    const { code, verifier } = await codeFor(cf)
    const bad = await exchange(cf, code, pkce().verifier)
    assert.strictEqual(bad.status, 400)
    assert.deepStrictEqual(await bad.json(), {
      error: "invalid_grant",
      error_description: "PKCE verification failed: code_verifier does not match"
    })
    const good = await exchange(cf, code, verifier)
    assert.strictEqual(good.status, 400)
    assert.strictEqual((await good.json() as { error: string }).error, "invalid_grant")
  })

  it("refuses a reused code and revokes the tokens issued from it", async () => {
    const { code, verifier } = await codeFor(cf)
    const first = await exchange(cf, code, verifier)
    assert.strictEqual(first.status, 200)
    const { access_token } = await first.json() as { access_token: string }
    const again = await exchange(cf, code, verifier)
    assert.strictEqual(again.status, 400)
    assert.deepStrictEqual(await again.json(), {
      error: "invalid_grant",
      error_description: "the authorization code was already used"
    })
    assert.strictEqual(cf.accessTokenStatus(access_token), "revoked")
    assert.strictEqual((await apiGet(cf, "/user/tokens/verify", bearer(access_token))).status, 401)
  })

  it("refuses a redirect_uri or client_id that differs from the authorization request", async () => {
    const a = await codeFor(cf)
    const wrongRedirect = await exchange(cf, a.code, a.verifier, { redirect_uri: "http://127.0.0.1:1/other" })
    assert.strictEqual(wrongRedirect.status, 400)
    assert.strictEqual((await wrongRedirect.json() as { error: string }).error, "invalid_grant")
    const b = await codeFor(cf)
    const wrongClient = await exchange(cf, b.code, b.verifier, { client_id: "someone-else" })
    assert.strictEqual(wrongClient.status, 401)
    assert.strictEqual((await wrongClient.json() as { error: string }).error, "invalid_client")
  })

  it("refuses a token request that is not form-encoded", async () => {
    const res = await fetch(`${cf.oauthUrl}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "refresh_token" })
    })
    assert.strictEqual(res.status, 400)
    assert.strictEqual((await res.json() as { error: string }).error, "invalid_request")
  })

  it("Deny redirects with error=access_denied and the state, and issues no code", async () => {
    const { challenge } = pkce()
    const location = await consentByFetch(cf, authorizeUrl(cf, challenge), "deny")
    assert.strictEqual(location.searchParams.get("error"), "access_denied")
    assert.strictEqual(location.searchParams.get("state"), "state-1234567890")
    assert.isNull(location.searchParams.get("code"))
    assert.strictEqual(cf.counters.consentDeny, 1)
  })

  it("shows an error page, without redirecting, for an unknown client or a non-loopback redirect_uri", async () => {
    const { challenge } = pkce()
    for (const overrides of [
      { client_id: "54d11594-84e4-41aa-b438-e81b8fa78ee7" },
      { redirect_uri: "https://evil.example/callback" },
      { redirect_uri: "http://192.168.1.2:9976/auth/callback" },
      { redirect_uri: null }
    ]) {
      const res = await fetch(authorizeUrl(cf, challenge, overrides), { redirect: "manual" })
      assert.strictEqual(res.status, 400, JSON.stringify(overrides))
      assert.isNull(res.headers.get("location"))
    }
  })

  it("accepts localhost and [::1] loopback redirect URIs on any port", async () => {
    const { challenge } = pkce()
    for (const uri of ["http://localhost:9976/auth/callback", "http://[::1]:41234/cb"]) {
      const res = await fetch(authorizeUrl(cf, challenge, { redirect_uri: uri }), { redirect: "manual" })
      assert.strictEqual(res.status, 200, uri)
    }
  })

  it("sends protocol errors back to the redirect_uri with the state", async () => {
    const { challenge } = pkce()
    const cases: Array<[Record<string, string | null>, string]> = [
      [{ code_challenge_method: "plain" }, "invalid_request"],
      [{ code_challenge_method: null }, "invalid_request"],
      [{ code_challenge: "short" }, "invalid_request"],
      [{ response_type: "token" }, "unsupported_response_type"],
      [{ scope: "account:read user:read" }, "invalid_scope"],
      [{ scope: "account:read offline_access not:a-scope" }, "invalid_scope"]
    ]
    for (const [overrides, error] of cases) {
      const res = await fetch(authorizeUrl(cf, challenge, overrides), { redirect: "manual" })
      assert.strictEqual(res.status, 302, JSON.stringify(overrides))
      const location = new URL(res.headers.get("location")!)
      assert.strictEqual(location.searchParams.get("error"), error, JSON.stringify(overrides))
      assert.strictEqual(location.searchParams.get("state"), "state-1234567890")
    }
    const noState = await fetch(authorizeUrl(cf, challenge, { state: null }), { redirect: "manual" })
    assert.strictEqual(new URL(noState.headers.get("location")!).searchParams.get("error"), "invalid_request")
  })

  it("answers a consent form only once", async () => {
    const { challenge } = pkce()
    const html = await (await fetch(authorizeUrl(cf, challenge))).text()
    const consent = /name="consent" value="([^"]+)"/.exec(html)![1]!
    const post = () => postForm(`${cf.oauthUrl}/oauth2/consent`, { consent, decision: "allow" })
    assert.strictEqual((await fetch(`${cf.oauthUrl}/oauth2/consent`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ consent, decision: "allow" })
    })).status, 302)
    assert.strictEqual((await post()).status, 400)
  })

  it("rotates refresh tokens: the new one works, the old one is refused with invalid_grant", async () => {
    const issued = cf.issueOAuthTokens()
    const first = await refresh(cf, issued.refresh)
    assert.strictEqual(first.status, 200)
    const rotated = await first.json() as { access_token: string; refresh_token: string; expires_in: number }
    assert.notStrictEqual(rotated.refresh_token, issued.refresh)
    assert.notStrictEqual(rotated.access_token, issued.access)
    assert.strictEqual(rotated.expires_in, 3600)
    assert.strictEqual(cf.refreshTokenStatus(issued.refresh), "used")

    const old = await refresh(cf, issued.refresh)
    assert.strictEqual(old.status, 400)
    assert.strictEqual((await old.json() as { error: string }).error, "invalid_grant")

    const next = await refresh(cf, rotated.refresh_token)
    assert.strictEqual(next.status, 200)
    assert.strictEqual((await apiGet(cf, "/user/tokens/verify", bearer(rotated.access_token))).status, 200)
    assert.strictEqual(cf.counters.tokenRefresh, 3)
  })

  it("without rotation, replies with no refresh token and the old one stays valid", async () => {
    cf.setRotateRefreshTokens(false)
    try {
      const issued = cf.issueOAuthTokens()
      for (let i = 0; i < 2; i++) {
        const res = await refresh(cf, issued.refresh)
        assert.strictEqual(res.status, 200)
        const body = await res.json() as Record<string, unknown>
        assert.isUndefined(body.refresh_token)
        assert.isString(body.access_token)
      }
    } finally {
      cf.setRotateRefreshTokens(true)
    }
  })

  it("revokes a refresh token (RFC 7009): refresh refused, the grant's access token dead, unknown tokens 200", async () => {
    const issued = cf.issueOAuthTokens()
    const res = await postForm(`${cf.oauthUrl}/oauth2/revoke`, {
      token: issued.refresh,
      token_type_hint: "refresh_token",
      client_id: cf.clientId
    })
    assert.strictEqual(res.status, 200)
    assert.strictEqual(cf.refreshTokenStatus(issued.refresh), "revoked")
    const after = await refresh(cf, issued.refresh)
    assert.strictEqual(after.status, 400)
    assert.strictEqual((await after.json() as { error: string }).error, "invalid_grant")
    const verify = await apiGet(cf, "/user/tokens/verify", bearer(issued.access))
    assert.strictEqual(verify.status, 401)

    const unknown = await postForm(`${cf.oauthUrl}/oauth2/revoke`, { token: "nope", client_id: cf.clientId })
    assert.strictEqual(unknown.status, 200)
    const noClient = await postForm(`${cf.oauthUrl}/oauth2/revoke`, { token: "nope" })
    assert.strictEqual(noClient.status, 401)
    assert.strictEqual(cf.counters.revoke, 3)
  })

  it("revokeRefreshToken makes the next refresh fail as a user removing the app would", async () => {
    const issued = cf.issueOAuthTokens()
    cf.revokeRefreshToken(issued.refresh)
    const res = await refresh(cf, issued.refresh)
    assert.deepStrictEqual(await res.json(), { error: "invalid_grant", error_description: "the refresh token was revoked" })
  })

  it("fails the next token request on demand, then recovers", async () => {
    const issued = cf.issueOAuthTokens()
    cf.failNext("/oauth2/token", 503, [{ code: 503, message: "maintenance" }])
    const failed = await refresh(cf, issued.refresh)
    assert.strictEqual(failed.status, 503)
    assert.strictEqual((await failed.json() as { error: string }).error, "temporarily_unavailable")
    cf.failNext("/oauth2/token", 400, [{ code: 0, message: "invalid_grant" }])
    const grant = await refresh(cf, issued.refresh)
    assert.strictEqual((await grant.json() as { error: string }).error, "invalid_grant")
    assert.strictEqual((await refresh(cf, issued.refresh)).status, 200)
    assert.strictEqual(cf.counters.tokenRefresh, 3)
  })
})

describe("CloudflareEmulator options", () => {
  it("access-token lifetime is configurable; an expired token is refused by the API", async () => {
    const cf = await CloudflareEmulator.start({ accessTokenTtlSeconds: 0, autoApprove: true })
    try {
      const { challenge, verifier } = pkce()
      const res = await fetch(authorizeUrl(cf, challenge), { redirect: "manual" })
      assert.strictEqual(res.status, 302, "autoApprove skips the page")
      const code = new URL(res.headers.get("location")!).searchParams.get("code")!
      const tokens = await (await exchange(cf, code, verifier)).json() as { access_token: string; expires_in: number }
      assert.strictEqual(tokens.expires_in, 0)
      const verify = await apiGet(cf, "/user/tokens/verify", bearer(tokens.access_token))
      assert.strictEqual(verify.status, 401)
      assert.deepStrictEqual((await verify.json() as { errors: unknown }).errors, [{ code: 1000, message: "Invalid API Token" }])
      const user = await apiGet(cf, "/user", bearer(tokens.access_token))
      assert.strictEqual(user.status, 401)
      assert.strictEqual((await user.json() as { errors: Array<{ code: number }> }).errors[0]!.code, 10000)
      const longer = cf.issueOAuthTokens({ accessTtlSeconds: 120 })
      assert.strictEqual(longer.expiresIn, 120)
      assert.strictEqual(cf.accessTokenStatus(longer.access), "active")
    } finally {
      await cf.close()
    }
  })

  it("accepts only the configured client id and exact redirect URIs", async () => {
    const cf = await CloudflareEmulator.start({ clientId: "my-client", redirectUris: [redirectUri] })
    try {
      const { challenge } = pkce()
      assert.strictEqual((await fetch(authorizeUrl(cf, challenge))).status, 200)
      const other = await fetch(authorizeUrl(cf, challenge, { redirect_uri: "http://127.0.0.1:9977/auth/callback" }))
      assert.strictEqual(other.status, 400)
      const alchemy = await fetch(authorizeUrl(cf, challenge, { client_id: CloudflareEmulator.alchemyClientId }))
      assert.strictEqual(alchemy.status, 400)
    } finally {
      await cf.close()
    }
  })
})

describe("CloudflareEmulator API v4", () => {
  let cf: CloudflareEmulator.CloudflareEmulator
  beforeAll(async () => {
    cf = await CloudflareEmulator.start()
  })
  afterAll(() => cf.close())

  it("verifies API tokens and refuses unknown ones, in the envelope", async () => {
    const token = cf.addApiToken()
    const ok = await apiGet(cf, "/user/tokens/verify", bearer(token))
    const body = await ok.json() as Record<string, unknown>
    assert.strictEqual(ok.status, 200)
    assert.deepStrictEqual(Object.keys(body).sort(), ["errors", "messages", "result", "success"])
    assert.strictEqual(body.success, true)
    assert.strictEqual((body.result as { status: string }).status, "active")
    assert.notInclude(JSON.stringify(body), token)

    const bad = await apiGet(cf, "/user/tokens/verify", bearer("not-a-token"))
    assert.strictEqual(bad.status, 401)
    assert.deepStrictEqual(await bad.json(), {
      success: false,
      errors: [{ code: 1000, message: "Invalid API Token" }],
      messages: [],
      result: null
    })
  })

  it("verifies account API tokens on /accounts/:id/tokens/verify only", async () => {
    const account = cf.accounts[0]!
    const token = cf.addAccountApiToken(account.id)
    assert.strictEqual((await apiGet(cf, `/accounts/${account.id}/tokens/verify`, bearer(token))).status, 200)
    assert.strictEqual((await apiGet(cf, "/user/tokens/verify", bearer(token))).status, 401)
    assert.strictEqual(cf.counters.api["GET /accounts/:account_id/tokens/verify"], 1)
  })

  it("GET /user takes a bearer token or a global key; a wrong key is 403 code 9103; none is 400 code 9106", async () => {
    const token = cf.addApiToken()
    const viaToken = await (await apiGet(cf, "/user", bearer(token))).json() as { result: { email: string; id: string } }
    assert.strictEqual(viaToken.result.email, "user@example.com")
    assert.match(viaToken.result.id, /^[0-9a-f]{32}$/)

    const key = cf.addGlobalKey("Dev@Example.com")
    assert.match(key, /^[0-9a-f]{37}$/)
    const viaKey = await apiGet(cf, "/user", { "x-auth-key": key, "x-auth-email": "dev@example.com" })
    assert.strictEqual(viaKey.status, 200)
    assert.strictEqual((await viaKey.json() as { result: { email: string } }).result.email, "dev@example.com")

    const wrong = await apiGet(cf, "/user", { "x-auth-key": "0".repeat(37), "x-auth-email": "dev@example.com" })
    assert.strictEqual(wrong.status, 403)
    assert.deepStrictEqual((await wrong.json() as { errors: unknown }).errors, [
      { code: 9103, message: "Unknown X-Auth-Key or X-Auth-Email" }
    ])
    const none = await apiGet(cf, "/user")
    assert.strictEqual(none.status, 400)
    assert.strictEqual((await none.json() as { errors: Array<{ code: number }> }).errors[0]!.code, 9106)
  })

  it("lists the default account with a 32-hex id on /accounts and /memberships", async () => {
    const token = cf.addApiToken()
    const accounts = await (await apiGet(cf, "/accounts", bearer(token))).json() as {
      result: Array<{ id: string; name: string }>
      result_info: Record<string, number>
    }
    assert.strictEqual(accounts.result.length, 1)
    assert.match(accounts.result[0]!.id, /^[0-9a-f]{32}$/)
    assert.deepStrictEqual(accounts.result_info, { page: 1, per_page: 20, count: 1, total_count: 1, total_pages: 1 })
    const memberships = await (await apiGet(cf, "/memberships?status=accepted", bearer(token))).json() as {
      result: Array<{ status: string; account: { id: string } }>
    }
    assert.deepStrictEqual(memberships.result.map((m) => [m.status, m.account.id]), [["accepted", accounts.result[0]!.id]])
  })

  it("paginates 120 accounts to the end with page/per_page and total_pages", async () => {
    const many = CloudflareEmulator.makeAccounts(120)
    cf.setAccounts(many)
    try {
      const token = cf.addApiToken()
      for (const [path, pick] of [
        ["/accounts", (r: any) => r.id],
        ["/memberships?status=accepted", (r: any) => r.account.id]
      ] as const) {
        const seen: Array<string> = []
        let page = 1
        let totalPages = Infinity
        while (page <= totalPages) {
          const sep = path.includes("?") ? "&" : "?"
          const body = await (await apiGet(cf, `${path}${sep}page=${page}&per_page=50`, bearer(token))).json() as {
            result: Array<unknown>
            result_info: { page: number; per_page: number; total_pages: number; total_count: number; count: number }
          }
          assert.strictEqual(body.result_info.page, page)
          assert.strictEqual(body.result_info.total_count, 120)
          assert.strictEqual(body.result_info.count, body.result.length)
          totalPages = body.result_info.total_pages
          seen.push(...body.result.map(pick))
          page++
        }
        assert.strictEqual(totalPages, 3, path)
        assert.deepStrictEqual(seen, many.map((a) => a.id), path)
      }
      const capped = await (await apiGet(cf, "/accounts?per_page=500", bearer(token))).json() as {
        result: Array<unknown>
        result_info: { per_page: number; total_pages: number }
      }
      assert.strictEqual(capped.result.length, 50)
      assert.deepStrictEqual([capped.result_info.per_page, capped.result_info.total_pages], [50, 3])
      const byDefault = await (await apiGet(cf, "/accounts", bearer(token))).json() as { result_info: { total_pages: number } }
      assert.strictEqual(byDefault.result_info.total_pages, 6)
      const beyond = await (await apiGet(cf, "/accounts?page=7", bearer(token))).json() as { result: Array<unknown> }
      assert.deepStrictEqual(beyond.result, [])
    } finally {
      cf.setAccounts(CloudflareEmulator.makeAccounts(1, "Example"))
    }
  })

  it("lists pending memberships only without the accepted filter, never in /accounts", async () => {
    cf.setAccounts([
      { id: "a".repeat(32), name: "Mine" },
      { id: "b".repeat(32), name: "Invited", status: "pending" }
    ])
    const token = cf.addApiToken()
    const ids = async (path: string, pick: (r: any) => string) =>
      ((await (await apiGet(cf, path, bearer(token))).json()) as { result: Array<unknown> }).result.map(pick)
    assert.deepStrictEqual(await ids("/accounts", (r) => r.id), ["a".repeat(32)])
    assert.deepStrictEqual(await ids("/memberships?status=accepted", (r) => r.account.id), ["a".repeat(32)])
    assert.deepStrictEqual(await ids("/memberships", (r) => r.account.id), ["a".repeat(32), "b".repeat(32)])
  })

  it("an OAuth token without account:read is refused on /accounts", async () => {
    const { access } = cf.issueOAuthTokens({ scopes: ["user:read"] })
    const res = await apiGet(cf, "/accounts", bearer(access))
    assert.strictEqual(res.status, 403)
    assert.strictEqual((await res.json() as { errors: Array<{ code: number }> }).errors[0]!.code, 10000)
    assert.strictEqual((await apiGet(cf, "/user", bearer(access))).status, 200)
  })

  it("replies with queued errors in the envelope, then recovers; counts every request", async () => {
    cf.resetCounters()
    const token = cf.addApiToken()
    cf.failNext("GET /accounts", 429, [{ code: 10429, message: "Too many requests" }], 2)
    for (let i = 0; i < 2; i++) {
      const res = await apiGet(cf, "/accounts", bearer(token))
      assert.strictEqual(res.status, 429)
      assert.strictEqual(res.headers.get("retry-after"), "1")
      assert.deepStrictEqual(await res.json(), {
        success: false,
        errors: [{ code: 10429, message: "Too many requests" }],
        messages: [],
        result: null
      })
    }
    assert.strictEqual((await apiGet(cf, "/accounts", bearer(token))).status, 200)
    cf.failNext("/client/v4/user/tokens/verify", 500, [{ code: 10001, message: "internal" }])
    assert.strictEqual((await apiGet(cf, "/user/tokens/verify", bearer(token))).status, 500)
    assert.strictEqual(cf.counters.api["GET /accounts"], 3)
    assert.strictEqual(cf.counters.api["GET /user/tokens/verify"], 1)
  })

  it("answers unknown paths with 404 in the envelope", async () => {
    for (const url of [`${cf.apiBaseUrl}/zones`, `${cf.url}/nothing-here`]) {
      const res = await fetch(url)
      assert.strictEqual(res.status, 404, url)
      const body = await res.json() as { success: boolean; errors: Array<{ code: number }> }
      assert.strictEqual(body.success, false)
      assert.strictEqual(body.errors[0]!.code, 7000)
    }
    const token = cf.addApiToken()
    const unknownAccount = await apiGet(cf, `/accounts/${"f".repeat(32)}`, bearer(token))
    assert.strictEqual(unknownAccount.status, 404)
    assert.strictEqual((await unknownAccount.json() as { errors: Array<{ code: number }> }).errors[0]!.code, 7003)
  })
})

describe("CloudflareEmulator standalone", () => {
  it("prints the URLs and env vars, serves, and stops on SIGINT", async () => {
    const entry = fileURLToPath(new URL("../src/CloudflareEmulator.ts", import.meta.url))
    const child = spawn(process.execPath, ["--import", "tsx", entry, "--port", "0", "--accounts", "2"], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    try {
      let out = ""
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString()
          if (out.includes("Ctrl-C")) resolve()
        })
        child.once("exit", (code) => reject(new Error(`exited early (${code}): ${out}`)))
      })
      const base = /export CLOUDFLARE_BASE_URL=(\S+)/.exec(out)?.[1]
      assert.match(out, /export ALCHEMY_CLOUDFLARE_OAUTH_URL=http:\/\/127\.0\.0\.1:\d+\n/)
      assert.isDefined(base)
      const token = /API token: +(\S+)/.exec(out)![1]!
      const accounts = await (await fetch(`${base}/accounts`, { headers: bearer(token) })).json() as { result: Array<unknown> }
      assert.strictEqual(accounts.result.length, 2)
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
      child.kill("SIGINT")
      assert.strictEqual(await exited, 0)
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL")
    }
  })
})
