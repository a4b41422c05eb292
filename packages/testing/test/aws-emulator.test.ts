/**
 * The AWS emulator against the real AWS SDK v3 clients (loaded from provider-aws's
 * dependencies, which this package does not declare, through `createRequire`).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { chromium } from "playwright-core"
import type * as OidcSdk from "../../provider-aws/node_modules/@aws-sdk/client-sso-oidc/dist-types/index.js"
import type * as SsoSdk from "../../provider-aws/node_modules/@aws-sdk/client-sso/dist-types/index.js"
import type * as StsSdk from "../../provider-aws/node_modules/@aws-sdk/client-sts/dist-types/index.js"
import * as AwsEmulator from "../src/AwsEmulator.js"

const requireAws = createRequire(new URL("../../provider-aws/package.json", import.meta.url))
const Oidc = requireAws("@aws-sdk/client-sso-oidc") as typeof OidcSdk
const Sso = requireAws("@aws-sdk/client-sso") as typeof SsoSdk
const Sts = requireAws("@aws-sdk/client-sts") as typeof StsSdk

const DUMMY = { accessKeyId: "AKIDUMMYDUMMYDUMMY00", secretAccessKey: "dummy-secret" }
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"

interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

interface OidcOperations {
  RegisterClient: [OidcSdk.RegisterClientCommandInput, OidcSdk.RegisterClientCommandOutput]
  StartDeviceAuthorization: [OidcSdk.StartDeviceAuthorizationCommandInput, OidcSdk.StartDeviceAuthorizationCommandOutput]
  CreateToken: [OidcSdk.CreateTokenCommandInput, OidcSdk.CreateTokenCommandOutput]
}
interface SsoOperations {
  ListAccounts: [SsoSdk.ListAccountsCommandInput, SsoSdk.ListAccountsCommandOutput]
  ListAccountRoles: [SsoSdk.ListAccountRolesCommandInput, SsoSdk.ListAccountRolesCommandOutput]
  GetRoleCredentials: [SsoSdk.GetRoleCredentialsCommandInput, SsoSdk.GetRoleCredentialsCommandOutput]
  Logout: [SsoSdk.LogoutCommandInput, SsoSdk.LogoutCommandOutput]
}
interface StsOperations {
  GetCallerIdentity: [StsSdk.GetCallerIdentityCommandInput, StsSdk.GetCallerIdentityCommandOutput]
  AssumeRole: [StsSdk.AssumeRoleCommandInput, StsSdk.AssumeRoleCommandOutput]
}

/** The three services as the tests call them, by operation name. */
interface Sdk {
  oidc<K extends keyof OidcOperations>(name: K, input: OidcOperations[K][0]): Promise<OidcOperations[K][1]>
  sso<K extends keyof SsoOperations>(name: K, input: SsoOperations[K][0]): Promise<SsoOperations[K][1]>
  sts<K extends keyof StsOperations>(name: K, input: StsOperations[K][0], credentials: Credentials): Promise<StsOperations[K][1]>
  /** Every account, through the SDK's own `paginateListAccounts`. */
  allAccounts(accessToken: string): Promise<Array<SsoSdk.AccountInfo>>
}

type AnyModule = Record<string, any>

/** `Client.send`, which the clients' declarations lose when resolved from this package. */
interface Sender {
  send(command: unknown): Promise<any>
  destroy(): void
}
const sender = (client: unknown): Sender => client as Sender

/**
 * The real SDK clients (`new SSOOIDCClient(...).send(new CreateTokenCommand(...))`), pointed
 * at `url`, with dummy credentials for the unsigned services.
 */
const clientSdk = (url: string): Sdk => {
  const config = { region: "us-east-1", endpoint: url, credentials: DUMMY }
  const oidc = sender(new Oidc.SSOOIDCClient(config))
  const sso = sender(new Sso.SSOClient(config))
  const send = (client: Sender, module: AnyModule, name: string, input: unknown) =>
    client.send(new module[`${name}Command`](input))
  return {
    oidc: (name, input) => send(oidc, Oidc, name, input),
    sso: (name, input) => send(sso, Sso, name, input),
    sts: (name, input, credentials) => send(sender(new Sts.STSClient({ ...config, credentials })), Sts, name, input),
    allAccounts: async (accessToken) => {
      const accounts: Array<SsoSdk.AccountInfo> = []
      const paginate = Sso.paginateListAccounts as (
        config: { client: unknown },
        input: SsoSdk.ListAccountsCommandInput
      ) => AsyncIterable<SsoSdk.ListAccountsCommandOutput>
      for await (const page of paginate({ client: sso }, { accessToken })) accounts.push(...(page.accountList ?? []))
      return accounts
    }
  }
}

const sdkFor = clientSdk

type Emulator = AwsEmulator.AwsEmulator

const withEmulator = async (options: AwsEmulator.EmulatorOptions, body: (emulator: Emulator, sdk: Sdk) => Promise<void>) => {
  const emulator = await AwsEmulator.start(options)
  try {
    await body(emulator, sdkFor(emulator.url))
  } finally {
    await emulator.close()
  }
}

/** The rejection of `promise`; fails the test when it resolves. */
const failure = async (promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> => {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  return assert.fail("expected the call to fail")
}

const register = (sdk: Sdk, extra: Partial<OidcSdk.RegisterClientCommandInput> = {}) =>
  sdk.oidc("RegisterClient", { clientName: "alchemy-test", clientType: "public", scopes: ["sso:account:access"], ...extra })

/** Device login approved by `devicePendingPolls`, returning the client and the tokens. */
const deviceLogin = async (emulator: Emulator, sdk: Sdk) => {
  const { clientId, clientSecret } = await register(sdk)
  const device = await sdk.oidc("StartDeviceAuthorization", { clientId, clientSecret, startUrl: `${emulator.url}/start` })
  for (;;) {
    try {
      const tokens = await sdk.oidc("CreateToken", {
        clientId,
        clientSecret,
        grantType: DEVICE_GRANT,
        deviceCode: device.deviceCode
      })
      return { clientId: clientId!, clientSecret: clientSecret!, tokens }
    } catch (error) {
      if (!(error instanceof Oidc.AuthorizationPendingException)) throw error
    }
  }
}

const pkcePair = () => {
  const verifier = randomBytes(32).toString("base64url")
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") }
}

const authorizeUrl = (emulator: Emulator, clientId: string, redirectUri: string, challenge: string, state: string) =>
  `${emulator.url}/authorize?${new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
    scopes: "sso:account:access"
  })}`

/** What a browser does on the consent page: load it, press a button, stop at the redirect. */
const consent = async (url: string, decision: "allow" | "deny"): Promise<URL> => {
  const html = await (await fetch(url)).text()
  const id = /name="authorization" value="([^"]+)"/.exec(html)?.[1]
  assert.isDefined(id, html)
  const reply = await fetch(new URL("/authorize", url), {
    method: "POST",
    body: new URLSearchParams({ authorization: id!, decision }),
    redirect: "manual"
  })
  assert.strictEqual(reply.status, 302)
  return new URL(reply.headers.get("location")!)
}

const credentialsOf = (credentials: StsSdk.Credentials | undefined): Credentials => ({
  accessKeyId: credentials!.AccessKeyId!,
  secretAccessKey: credentials!.SecretAccessKey!,
  sessionToken: credentials!.SessionToken!
})

describe(`SSO-OIDC (real SDK clients)`, () => {
  it("registers a public client whose secret works until the registration expires", () =>
    withEmulator({}, async (emulator, sdk) => {
      const registration = await register(sdk)
      assert.isString(registration.clientId)
      assert.isString(registration.clientSecret)
      assert.isAbove(registration.clientSecretExpiresAt!, Date.now() / 1000 + 80 * 24 * 3600)
      const invalid = await failure(sdk.oidc("RegisterClient", { clientName: "x", clientType: "confidential" }))
      assert.instanceOf(invalid, Oidc.InvalidClientMetadataException)
      assert.strictEqual(emulator.counters.registerClient, 2)
      const start = () =>
        sdk.oidc("StartDeviceAuthorization", {
          clientId: registration.clientId,
          clientSecret: registration.clientSecret,
          startUrl: `${emulator.url}/start`
        })
      assert.isString((await start()).deviceCode)
      emulator.expireClientRegistrations()
      assert.instanceOf(await failure(start()), Oidc.InvalidClientException, "an expired registration is refused")
    }))

  it("device flow answers slow_down once, authorization_pending N times, then tokens", () =>
    withEmulator({ devicePendingPolls: 2, slowDownOnce: true }, async (emulator, sdk) => {
      const { clientId, clientSecret } = await register(sdk)
      const device = await sdk.oidc("StartDeviceAuthorization", { clientId, clientSecret, startUrl: `${emulator.url}/start` })
      assert.match(device.userCode!, /^[A-Z2-7]{4}-[A-Z2-7]{4}$/)
      assert.strictEqual(device.verificationUriComplete, `${emulator.url}/device?user_code=${device.userCode}`)
      assert.strictEqual(device.interval, 1)
      const poll = () =>
        sdk.oidc("CreateToken", { clientId, clientSecret, grantType: DEVICE_GRANT, deviceCode: device.deviceCode })
      const slow = await failure(poll())
      assert.instanceOf(slow, Oidc.SlowDownException)
      assert.strictEqual((slow as OidcSdk.SlowDownException).error, "slow_down")
      assert.strictEqual(slow.$metadata?.httpStatusCode, 400)
      for (let i = 0; i < 2; i++) {
        const pending = await failure(poll())
        assert.instanceOf(pending, Oidc.AuthorizationPendingException)
        assert.strictEqual((pending as OidcSdk.AuthorizationPendingException).error, "authorization_pending")
      }
      const tokens = await poll()
      assert.isString(tokens.accessToken)
      assert.isString(tokens.refreshToken)
      assert.strictEqual(tokens.tokenType, "Bearer")
      assert.strictEqual(tokens.expiresIn, 28_800)
      assert.instanceOf(await failure(poll()), Oidc.InvalidGrantException, "a device code is redeemed once")
      assert.strictEqual(emulator.counters.createToken, 5)
      assert.strictEqual(emulator.counters.startDeviceAuthorization, 1)
    }))

  it("device flow waits for the verification page's Allow (or Deny) when not auto-approving", () =>
    withEmulator({}, async (emulator, sdk) => {
      const { clientId, clientSecret } = await register(sdk)
      const start = () => sdk.oidc("StartDeviceAuthorization", { clientId, clientSecret, startUrl: `${emulator.url}/start` })
      const poll = (deviceCode: string | undefined) =>
        sdk.oidc("CreateToken", { clientId, clientSecret, grantType: DEVICE_GRANT, deviceCode })

      const allowed = await start()
      for (let i = 0; i < 3; i++) {
        assert.instanceOf(await failure(poll(allowed.deviceCode)), Oidc.AuthorizationPendingException)
      }
      const page = await (await fetch(allowed.verificationUriComplete!)).text()
      assert.include(page, allowed.userCode!)
      assert.include(page, "id=\"allow\"")
      const approval = await fetch(`${emulator.url}/device`, {
        method: "POST",
        body: new URLSearchParams({ user_code: allowed.userCode!, decision: "allow" })
      })
      assert.strictEqual(approval.status, 200)
      assert.isString((await poll(allowed.deviceCode)).accessToken)

      const denied = await start()
      emulator.denyDevice(denied.userCode)
      assert.instanceOf(await failure(poll(denied.deviceCode)), Oidc.AccessDeniedException)

      const approvedByTest = await start()
      emulator.approveDevice()
      assert.isString((await poll(approvedByTest.deviceCode)).accessToken)
      const wrongSecret = await failure(
        sdk.oidc("CreateToken", { clientId, clientSecret: "wrong", grantType: DEVICE_GRANT, deviceCode: "x" })
      )
      assert.instanceOf(wrongSecret, Oidc.InvalidClientException)
      assert.strictEqual(wrongSecret.$metadata?.httpStatusCode, 401)
    }))

  it("authorization code with PKCE: S256 and redirect URI checked, code single use, Deny redirects an error", () =>
    withEmulator({}, async (emulator, sdk) => {
      const { clientId, clientSecret } = await register(sdk, {
        grantTypes: ["authorization_code", "refresh_token"],
        redirectUris: ["http://127.0.0.1/oauth/callback"]
      })
      const redirectUri = "http://127.0.0.1:49152/oauth/callback"
      const exchange = (code: string | null, codeVerifier: string, uri = redirectUri) =>
        sdk.oidc("CreateToken", {
          clientId,
          clientSecret,
          grantType: "authorization_code",
          code: code ?? undefined,
          redirectUri: uri,
          codeVerifier
        })
      const codeFor = async (challenge: string, state: string) =>
        (await consent(authorizeUrl(emulator, clientId!, redirectUri, challenge, state), "allow")).searchParams.get("code")

      const first = pkcePair()
      const callback = await consent(authorizeUrl(emulator, clientId!, redirectUri, first.challenge, "state-1"), "allow")
      assert.strictEqual(`${callback.origin}${callback.pathname}`, redirectUri)
      assert.strictEqual(callback.searchParams.get("state"), "state-1")
      assert.instanceOf(
        await failure(exchange(callback.searchParams.get("code"), pkcePair().verifier)),
        Oidc.InvalidGrantException,
        "wrong code_verifier"
      )

      const second = pkcePair()
      const code2 = await codeFor(second.challenge, "s2")
      const tokens = await exchange(code2, second.verifier)
      assert.isString(tokens.accessToken)
      assert.isString(tokens.refreshToken)
      assert.instanceOf(await failure(exchange(code2, second.verifier)), Oidc.InvalidGrantException, "code reuse")

      const third = pkcePair()
      const code3 = await codeFor(third.challenge, "s3")
      assert.instanceOf(
        await failure(exchange(code3, third.verifier, "http://127.0.0.1:1/elsewhere")),
        Oidc.InvalidGrantException,
        "redirect URI mismatch"
      )

      const denied = await consent(authorizeUrl(emulator, clientId!, redirectUri, pkcePair().challenge, "s4"), "deny")
      assert.strictEqual(denied.searchParams.get("error"), "access_denied")
      assert.strictEqual(denied.searchParams.get("state"), "s4")
      assert.isNull(denied.searchParams.get("code"))

      const unregistered = await fetch(authorizeUrl(emulator, clientId!, "http://evil.example/cb", first.challenge, "s5"), {
        redirect: "manual"
      })
      assert.strictEqual(unregistered.status, 400, "no redirect to an unregistered URI")
      assert.strictEqual(emulator.counters.authorize, 5)
    }))

  it("a headless browser clicks Allow and the loopback receives the code", () =>
    withEmulator({}, async (emulator, sdk) => {
      const loopback = createServer()
      const received = new Promise<URL>((resolve) => {
        loopback.on("request", (request, response) => {
          response.end("signed in")
          resolve(new URL(request.url!, "http://127.0.0.1"))
        })
      })
      await new Promise<void>((resolve) => loopback.listen(0, "127.0.0.1", resolve))
      const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true })
      try {
        const redirectUri = `http://127.0.0.1:${(loopback.address() as AddressInfo).port}/oauth/callback`
        const { clientId, clientSecret } = await register(sdk, {
          grantTypes: ["authorization_code"],
          redirectUris: ["http://127.0.0.1/oauth/callback"]
        })
        const { verifier, challenge } = pkcePair()
        const page = await browser.newPage()
        await page.goto(authorizeUrl(emulator, clientId!, redirectUri, challenge, "browser-state"))
        await page.click("#allow")
        const callback = await received
        assert.strictEqual(callback.searchParams.get("state"), "browser-state")
        const tokens = await sdk.oidc("CreateToken", {
          clientId,
          clientSecret,
          grantType: "authorization_code",
          code: callback.searchParams.get("code")!,
          redirectUri,
          codeVerifier: verifier
        })
        assert.isString(tokens.accessToken)
      } finally {
        await browser.close()
        loopback.closeAllConnections()
        await new Promise((resolve) => loopback.close(resolve))
      }
    }))

  it("refresh rotates: new tokens, the used refresh token is refused, the new one works", () =>
    withEmulator({ devicePendingPolls: 0 }, async (emulator, sdk) => {
      const { clientId, clientSecret, tokens } = await deviceLogin(emulator, sdk)
      const refresh = (refreshToken: string | undefined) =>
        sdk.oidc("CreateToken", { clientId, clientSecret, grantType: "refresh_token", refreshToken })
      emulator.expireAccessToken(tokens.accessToken!)
      assert.instanceOf(
        await failure(sdk.sso("ListAccounts", { accessToken: tokens.accessToken })),
        Sso.UnauthorizedException
      )
      const second = await refresh(tokens.refreshToken)
      assert.notStrictEqual(second.accessToken, tokens.accessToken)
      assert.notStrictEqual(second.refreshToken, tokens.refreshToken)
      assert.instanceOf(await failure(refresh(tokens.refreshToken)), Oidc.InvalidGrantException)
      const third = await refresh(second.refreshToken)
      assert.strictEqual((await sdk.sso("ListAccounts", { accessToken: third.accessToken })).accountList!.length, 2)
      assert.strictEqual(emulator.counters.createTokenRefresh, 3)
    }))
})

describe(`SSO portal (real SDK clients)`, () => {
  it("lists accounts and roles across pages", () =>
    withEmulator({ devicePendingPolls: 0 }, async (emulator, sdk) => {
      const { tokens } = await deviceLogin(emulator, sdk)
      const accessToken = tokens.accessToken!
      const accounts = await sdk.allAccounts(accessToken)
      assert.deepStrictEqual(accounts.map((account) => account.accountId), ["111111111111", "222222222222", "333333333333"])
      assert.strictEqual(accounts[0]!.accountName, "Production")
      assert.strictEqual(accounts[0]!.emailAddress, "aws-prod@example.com")
      assert.strictEqual(emulator.counters.listAccounts, 2)

      const roles: Array<string> = []
      let nextToken: string | undefined
      do {
        const page: SsoSdk.ListAccountRolesCommandOutput = await sdk.sso("ListAccountRoles", { accessToken, accountId: "111111111111", nextToken })
        roles.push(...(page.roleList ?? []).map((role) => role.roleName!))
        nextToken = page.nextToken
      } while (nextToken !== undefined)
      assert.deepStrictEqual(roles, ["AdministratorAccess", "ReadOnlyAccess", "Billing"])
      assert.strictEqual(emulator.counters.listAccountRoles, 2)

      const onePerPage = await sdk.sso("ListAccounts", { accessToken, maxResults: 1 })
      assert.strictEqual(onePerPage.accountList!.length, 1)
      assert.isString(onePerPage.nextToken)
      assert.instanceOf(
        await failure(sdk.sso("ListAccountRoles", { accessToken, accountId: "999999999999" })),
        Sso.ResourceNotFoundException
      )
      const unauthorized = await failure(sdk.sso("ListAccounts", { accessToken: "not-a-token" }))
      assert.instanceOf(unauthorized, Sso.UnauthorizedException)
      assert.strictEqual(unauthorized.$metadata?.httpStatusCode, 401)
    }))

  it("role credentials from GetRoleCredentials are accepted by STS GetCallerIdentity", () =>
    withEmulator({ devicePendingPolls: 0, roleCredentialTtlSeconds: 900 }, async (emulator, sdk) => {
      const { tokens } = await deviceLogin(emulator, sdk)
      const { roleCredentials } = await sdk.sso("GetRoleCredentials", {
        accessToken: tokens.accessToken,
        accountId: "222222222222",
        roleName: "Developer"
      })
      assert.match(roleCredentials!.accessKeyId!, /^ASIA/)
      assert.isAbove(roleCredentials!.expiration!, Date.now())
      assert.isAtMost(roleCredentials!.expiration!, Date.now() + 900_000)
      const credentials = {
        accessKeyId: roleCredentials!.accessKeyId!,
        secretAccessKey: roleCredentials!.secretAccessKey!,
        sessionToken: roleCredentials!.sessionToken!
      }
      const identity = await sdk.sts("GetCallerIdentity", {}, credentials)
      assert.strictEqual(identity.Account, "222222222222")
      assert.match(identity.Arn!, /^arn:aws:sts::222222222222:assumed-role\/AWSReservedSSO_Developer_[0-9a-f]{16}\/emulator-user$/)

      const wrongSecret = await failure(sdk.sts("GetCallerIdentity", {}, { ...credentials, secretAccessKey: "wrong" }))
      assert.strictEqual(wrongSecret.name, "SignatureDoesNotMatch")
      const { sessionToken: _, ...withoutToken } = credentials
      assert.strictEqual((await failure(sdk.sts("GetCallerIdentity", {}, withoutToken))).name, "InvalidClientTokenId")
      emulator.expireCredentials(credentials.accessKeyId)
      assert.strictEqual((await failure(sdk.sts("GetCallerIdentity", {}, credentials))).name, "ExpiredToken")

      assert.instanceOf(
        await failure(
          sdk.sso("GetRoleCredentials", { accessToken: tokens.accessToken, accountId: "222222222222", roleName: "Admin" })
        ),
        Sso.ResourceNotFoundException
      )
    }))

  it("Logout invalidates the access token and its refresh token; revokeAll ends every session", () =>
    withEmulator({ devicePendingPolls: 0 }, async (emulator, sdk) => {
      const first = await deviceLogin(emulator, sdk)
      await sdk.sso("Logout", { accessToken: first.tokens.accessToken })
      assert.instanceOf(
        await failure(sdk.sso("ListAccounts", { accessToken: first.tokens.accessToken })),
        Sso.UnauthorizedException
      )
      assert.instanceOf(
        await failure(
          sdk.oidc("CreateToken", {
            clientId: first.clientId,
            clientSecret: first.clientSecret,
            grantType: "refresh_token",
            refreshToken: first.tokens.refreshToken
          })
        ),
        Oidc.InvalidGrantException
      )
      const second = await deviceLogin(emulator, sdk)
      await sdk.sso("ListAccounts", { accessToken: second.tokens.accessToken })
      emulator.revokeAll()
      assert.instanceOf(
        await failure(sdk.sso("ListAccounts", { accessToken: second.tokens.accessToken })),
        Sso.UnauthorizedException
      )
      assert.strictEqual(emulator.counters.logout, 1)
    }))
})

describe(`STS (real SDK clients)`, () => {
  const MFA_ROLE = "arn:aws:iam::444444444444:role/Admin"
  const PLAIN_ROLE = "arn:aws:iam::444444444444:role/deploy/Deployer"
  const alice = { accessKeyId: "AKIAEMULATORALICE001", secretAccessKey: "alice-secret" }
  const options: AwsEmulator.EmulatorOptions = {
    mfa: { serial: "arn:aws:iam::111111111111:mfa/alice", code: "123456", roles: [MFA_ROLE] },
    externalIds: { [PLAIN_ROLE]: "ext-42" },
    accessKeys: [{ ...alice, arn: "arn:aws:iam::111111111111:user/alice" }]
  }

  it("GetCallerIdentity knows configured and added keys, refuses unknown ones", () =>
    withEmulator(options, async (emulator, sdk) => {
      const identity = await sdk.sts("GetCallerIdentity", {}, alice)
      assert.strictEqual(identity.Account, "111111111111")
      assert.strictEqual(identity.Arn, "arn:aws:iam::111111111111:user/alice")
      const added = emulator.addAccessKey({ account: "555555555555" })
      assert.strictEqual((await sdk.sts("GetCallerIdentity", {}, added)).Account, "555555555555")
      const unknown = await failure(sdk.sts("GetCallerIdentity", {}, DUMMY))
      assert.strictEqual(unknown.name, "InvalidClientTokenId")
      assert.strictEqual(unknown.$metadata?.httpStatusCode, 403)
      assert.strictEqual(emulator.counters.getCallerIdentity, 3)
    }))

  it("AssumeRole without MFA (external id checked) returns credentials GetCallerIdentity accepts", () =>
    withEmulator(options, async (emulator, sdk) => {
      const assume = (ExternalId: string | undefined) =>
        sdk.sts("AssumeRole", { RoleArn: PLAIN_ROLE, RoleSessionName: "ci-run", ExternalId, DurationSeconds: 900 }, alice)
      assert.strictEqual((await failure(assume(undefined))).name, "AccessDenied")
      assert.strictEqual((await failure(assume("wrong"))).name, "AccessDenied")
      const { Credentials, AssumedRoleUser } = await assume("ext-42")
      assert.instanceOf(Credentials!.Expiration, Date)
      assert.isAbove(Credentials!.Expiration!.getTime(), Date.now())
      assert.isAtMost(Credentials!.Expiration!.getTime(), Date.now() + 900_000)
      assert.strictEqual(AssumedRoleUser!.Arn, "arn:aws:sts::444444444444:assumed-role/Deployer/ci-run")
      const identity = await sdk.sts("GetCallerIdentity", {}, credentialsOf(Credentials))
      assert.strictEqual(identity.Account, "444444444444")
      assert.strictEqual(identity.Arn, "arn:aws:sts::444444444444:assumed-role/Deployer/ci-run")
      assert.match(identity.UserId!, /^AROA[A-Z2-7]{17}:ci-run$/)
      const invalid = await failure(
        sdk.sts("AssumeRole", { RoleArn: PLAIN_ROLE, RoleSessionName: "x", ExternalId: "ext-42" }, alice)
      )
      assert.strictEqual(invalid.name, "ValidationError")
      const recorded = emulator.requests.filter((request) => request.operation === "AssumeRole").at(-2)
      assert.deepInclude(recorded!.input, { roleArn: PLAIN_ROLE, externalId: "ext-42", durationSeconds: 900 })
    }))

  it("AssumeRole of an MFA role needs the right serial and code", () =>
    withEmulator(options, async (emulator, sdk) => {
      const assume = (SerialNumber?: string, TokenCode?: string) =>
        sdk.sts("AssumeRole", { RoleArn: MFA_ROLE, RoleSessionName: "alice", SerialNumber, TokenCode }, alice)
      const missing = await failure(assume())
      assert.strictEqual(missing.name, "AccessDenied")
      assert.strictEqual(missing.$metadata?.httpStatusCode, 403)
      assert.strictEqual((await failure(assume(options.mfa!.serial, "000000"))).name, "AccessDenied")
      assert.strictEqual((await failure(assume("arn:aws:iam::111111111111:mfa/bob", "123456"))).name, "AccessDenied")
      const { Credentials } = await assume(options.mfa!.serial, "123456")
      const identity = await sdk.sts("GetCallerIdentity", {}, credentialsOf(Credentials))
      assert.strictEqual(identity.Arn, "arn:aws:sts::444444444444:assumed-role/Admin/alice")
      assert.strictEqual(emulator.counters.assumeRole, 4)
      assert.notInclude(JSON.stringify(emulator.requests), "123456", "the request log holds no MFA code")
    }))
})

describe("endpoints", () => {
  it("the SDK clients find the emulator through AWS_ENDPOINT_URL_* alone", () =>
    withEmulator({ accessKeys: [{ accessKeyId: "AKIAEMULATORENV00001", secretAccessKey: "env" }] }, async (emulator) => {
      const saved = { ...process.env }
      Object.assign(process.env, emulator.env, { AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent" })
      try {
        const sts = sender(
          new Sts.STSClient({
            region: "us-east-1",
            credentials: { accessKeyId: "AKIAEMULATORENV00001", secretAccessKey: "env" }
          })
        )
        assert.strictEqual((await sts.send(new Sts.GetCallerIdentityCommand({}))).Account, "111111111111")
        const oidc = sender(new Oidc.SSOOIDCClient({ region: "us-east-1" }))
        assert.isString((await oidc.send(new Oidc.RegisterClientCommand({ clientName: "env", clientType: "public" }))).clientId)
        const sso = sender(new Sso.SSOClient({ region: "us-east-1" }))
        assert.instanceOf(await failure(sso.send(new Sso.LogoutCommand({ accessToken: "none" }))), Sso.UnauthorizedException)
        assert.strictEqual(emulator.counters.logout, 1)
      } finally {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
        Object.assign(process.env, saved)
      }
    }))

  it.live("make: the emulator serves within its scope and closes with it", () =>
    Effect.gen(function*() {
      const key = { accessKeyId: "AKIAEMULATORSCOPE001", secretAccessKey: "s" }
      const url = yield* Effect.scoped(
        Effect.gen(function*() {
          const emulator = yield* AwsEmulator.make({ accessKeys: [key] })
          const identity = yield* Effect.promise(() => sdkFor(emulator.url).sts("GetCallerIdentity", {}, key))
          assert.strictEqual(identity.Account, "111111111111")
          assert.strictEqual((yield* Effect.promise(() => fetch(`${emulator.url}/start`))).status, 200)
          return emulator.url
        })
      )
      const refused = yield* Effect.promise(() => fetch(`${url}/start`).then(() => false, () => true))
      assert.isTrue(refused, "the server is closed once the scope ends")
    }))

  it("runs standalone and prints the endpoint variables", async () => {
    const entry = fileURLToPath(new URL("../src/AwsEmulator.ts", import.meta.url))
    const child = spawn(process.execPath, ["--import", "tsx", entry], { stdio: ["ignore", "pipe", "inherit"] })
    const exited = new Promise((resolve) => child.once("exit", resolve))
    try {
      const output = await new Promise<string>((resolve, reject) => {
        let text = ""
        child.stdout.on("data", (chunk: Buffer) => {
          text += chunk.toString()
          if (text.includes("Serving")) resolve(text)
        })
        child.once("exit", (code) => reject(new Error(`exited with ${code}: ${text}`)))
      })
      const url = /AWS_ENDPOINT_URL_STS=(\S+)/.exec(output)?.[1]
      assert.match(url!, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.include(output, `export AWS_ENDPOINT_URL_SSO_OIDC=${url}`)
      assert.include(output, `export AWS_ENDPOINT_URL_SSO=${url}`)
      const unknown = await failure(sdkFor(url!).sts("GetCallerIdentity", {}, DUMMY))
      assert.strictEqual(unknown.name, "InvalidClientTokenId")
    } finally {
      child.kill("SIGINT")
      await exited
    }
  })
})
