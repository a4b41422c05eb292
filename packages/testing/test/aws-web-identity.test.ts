/**
 * The AWS emulator's web identity side (OIDC issuer, STS AssumeRoleWithWebIdentity, the GitHub
 * Actions token endpoint) against the real AWS SDK v3 (loaded from provider-aws's dependencies,
 * which this package does not declare, through `createRequire`) and plain HTTP.
 */
import { assert, describe, it } from "@effect/vitest"
import { createPublicKey, type JsonWebKey, verify } from "node:crypto"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type * as ProvidersSdk from "../../provider-aws/node_modules/@aws-sdk/credential-providers/dist-types/index.js"
import type * as StsSdk from "../../provider-aws/node_modules/@aws-sdk/client-sts/dist-types/index.js"
import * as AwsEmulator from "../src/AwsEmulator.js"

const requireAws = createRequire(new URL("../../provider-aws/package.json", import.meta.url))
const Sts = requireAws("@aws-sdk/client-sts") as typeof StsSdk
const Providers = requireAws("@aws-sdk/credential-providers") as typeof ProvidersSdk

type Emulator = AwsEmulator.AwsEmulator

const DEPLOYER = "arn:aws:iam::444444444444:role/gha/Deployer"
const PROD = "arn:aws:iam::555555555555:role/ProdDeploy"
const CUSTOM_AUDIENCE = "arn:aws:iam::666666666666:role/CustomAudience"
const MAIN = "repo:acme/app:ref:refs/heads/main"

const options: AwsEmulator.EmulatorOptions = {
  maxSessionDurationSeconds: 7200,
  webIdentityRoles: [
    { roleArn: DEPLOYER, subjects: [MAIN, "repo:acme/app:environment:prod"] },
    { roleArn: PROD, subjects: ["repo:acme/app:environment:*"] }
  ]
}

/** `Client.send`, which the client's declarations lose when resolved from this package. */
interface Sender {
  send(command: unknown): Promise<any>
}

interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

/** An STS client for the emulator; without credentials, as a CI job has none before the exchange. */
const stsClient = (emulator: Emulator, credentials?: Credentials): Sender =>
  new Sts.STSClient({ region: "us-east-1", endpoint: emulator.url, ...(credentials === undefined ? {} : { credentials }) }) as unknown as Sender

const assumeWithToken = (
  emulator: Emulator,
  input: Partial<StsSdk.AssumeRoleWithWebIdentityCommandInput>
): Promise<StsSdk.AssumeRoleWithWebIdentityCommandOutput> =>
  stsClient(emulator).send(
    new Sts.AssumeRoleWithWebIdentityCommand({ RoleArn: DEPLOYER, RoleSessionName: "gha-run", WebIdentityToken: "", ...input })
  )

const callerIdentity = (emulator: Emulator, credentials: Credentials): Promise<StsSdk.GetCallerIdentityCommandOutput> =>
  stsClient(emulator, credentials).send(new Sts.GetCallerIdentityCommand({}))

const credentialsOf = (credentials: StsSdk.Credentials | undefined): Credentials => ({
  accessKeyId: credentials!.AccessKeyId!,
  secretAccessKey: credentials!.SecretAccessKey!,
  sessionToken: credentials!.SessionToken!
})

const withEmulator = async (
  emulatorOptions: AwsEmulator.EmulatorOptions,
  body: (emulator: Emulator) => Promise<void>
): Promise<void> => {
  const emulator = await AwsEmulator.start(emulatorOptions)
  try {
    await body(emulator)
  } finally {
    await emulator.close()
  }
}

type SdkError = Error & { $metadata?: { httpStatusCode?: number }; Code?: string }

/** The rejection of `promise`; fails the test when it resolves. */
const failure = async (promise: Promise<unknown>): Promise<SdkError> => {
  try {
    await promise
  } catch (error) {
    return error as SdkError
  }
  return assert.fail("expected the call to fail")
}

/** Asserts the awsQuery error code (the SDK's `name` for unmodeled errors), HTTP status and message. */
const assertStsError = (error: SdkError, name: string, status: number, message?: string) => {
  assert.strictEqual(error.name, name)
  assert.strictEqual(error.$metadata?.httpStatusCode, status)
  if (message !== undefined) assert.include(error.message, message)
}

const claimsOf = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>
const headerOf = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split(".")[0]!, "base64url").toString("utf8")) as Record<string, unknown>

/** A form-encoded STS call over plain `fetch`: no SDK, no signature, no `Authorization` header. */
const rawSts = async (emulator: Emulator, params: Record<string, string>) => {
  const response = await fetch(emulator.url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ Version: "2011-06-15", ...params }).toString()
  })
  return { status: response.status, text: await response.text() }
}

const xmlCode = (text: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(text)?.[1]

/** The Actions endpoint with the request token unless `bearer` says otherwise. */
const fetchActionsToken = (emulator: Emulator, url: string, bearer: string | null = emulator.actions.requestToken) =>
  fetch(url, bearer === null ? {} : { headers: { authorization: `Bearer ${bearer}` } })

describe("AssumeRoleWithWebIdentity (real SDK client)", () => {
  it("exchanges a token, unsigned, for credentials GetCallerIdentity accepts", () =>
    withEmulator(options, async (emulator) => {
      const token = emulator.mintWebIdentityToken()
      const result = await assumeWithToken(emulator, { WebIdentityToken: token, DurationSeconds: 900 })
      assert.match(result.Credentials!.AccessKeyId!, /^ASIA[A-Z2-7]{16}$/)
      assert.instanceOf(result.Credentials!.Expiration, Date)
      assert.isAbove(result.Credentials!.Expiration!.getTime(), Date.now() + 890_000)
      assert.isAtMost(result.Credentials!.Expiration!.getTime(), Date.now() + 900_000)
      assert.strictEqual(result.SubjectFromWebIdentityToken, MAIN)
      assert.strictEqual(result.AssumedRoleUser!.Arn, "arn:aws:sts::444444444444:assumed-role/Deployer/gha-run")
      assert.match(result.AssumedRoleUser!.AssumedRoleId!, /^AROA[A-Z2-7]{17}:gha-run$/)
      assert.strictEqual(result.Provider, emulator.issuer)
      assert.strictEqual(result.Provider, `${emulator.url}/oidc`)
      assert.strictEqual(result.Audience, "sts.amazonaws.com")

      const identity = await callerIdentity(emulator, credentialsOf(result.Credentials))
      assert.strictEqual(identity.Account, "444444444444")
      assert.strictEqual(identity.Arn, "arn:aws:sts::444444444444:assumed-role/Deployer/gha-run")
      assert.strictEqual(identity.UserId, result.AssumedRoleUser!.AssumedRoleId)

      assert.strictEqual(emulator.counters.assumeRoleWithWebIdentity, 1)
      assert.strictEqual(emulator.counters.assumeRole, 0)
      const recorded = emulator.requests.find((request) => request.operation === "AssumeRoleWithWebIdentity")
      assert.deepStrictEqual(recorded!.input, {
        roleArn: DEPLOYER,
        roleSessionName: "gha-run",
        durationSeconds: 900,
        providerId: undefined,
        tokenSubject: MAIN,
        signed: false
      })
      assert.notInclude(JSON.stringify(emulator.requests), token, "the request log holds no token")

      emulator.expireCredentials(result.Credentials!.AccessKeyId!)
      assertStsError(await failure(callerIdentity(emulator, credentialsOf(result.Credentials))), "ExpiredToken", 400)
    }))

  it("answers the real XML shape to a bare form POST without Authorization", () =>
    withEmulator(options, async (emulator) => {
      const { status, text } = await rawSts(emulator, {
        Action: "AssumeRoleWithWebIdentity",
        RoleArn: PROD,
        RoleSessionName: "raw",
        WebIdentityToken: emulator.mintWebIdentityToken({ sub: "repo:acme/app:environment:prod" }),
        ProviderId: "ignored.example.com"
      })
      assert.strictEqual(status, 200)
      assert.match(
        text,
        /^<AssumeRoleWithWebIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><AssumeRoleWithWebIdentityResult>/
      )
      for (
        const element of [
          "<Credentials><AccessKeyId>ASIA",
          "<SecretAccessKey>",
          "<SessionToken>",
          "<Expiration>",
          "<SubjectFromWebIdentityToken>repo:acme/app:environment:prod</SubjectFromWebIdentityToken>",
          "<AssumedRoleUser><AssumedRoleId>AROA",
          "<Arn>arn:aws:sts::555555555555:assumed-role/ProdDeploy/raw</Arn>",
          `<Provider>${emulator.issuer}</Provider>`,
          "<Audience>sts.amazonaws.com</Audience>",
          "</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>"
        ]
      ) assert.include(text, element)
      // Expiration is the default hour.
      const expiration = Date.parse(/<Expiration>([^<]+)<\/Expiration>/.exec(text)![1]!)
      assert.approximately(expiration, Date.now() + 3_600_000, 10_000)
    }))

  it("fromTokenFile with AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN and AWS_ENDPOINT_URL_STS", () =>
    withEmulator(options, async (emulator) => {
      const directory = await mkdtemp(join(tmpdir(), "web-identity-"))
      const tokenFile = join(directory, "token")
      await writeFile(tokenFile, emulator.mintWebIdentityToken())
      const saved = { ...process.env }
      Object.assign(process.env, {
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: DEPLOYER,
        AWS_ROLE_SESSION_NAME: "from-token-file",
        AWS_ENDPOINT_URL_STS: emulator.url,
        AWS_REGION: "us-east-1",
        AWS_CONFIG_FILE: join(directory, "none"),
        AWS_SHARED_CREDENTIALS_FILE: join(directory, "none")
      })
      try {
        const credentials = await Providers.fromTokenFile()()
        assert.match(credentials.accessKeyId, /^ASIA/)
        assert.isString(credentials.sessionToken)
        assert.instanceOf(credentials.expiration, Date)
        const identity = await callerIdentity(emulator, credentials)
        assert.strictEqual(identity.Account, "444444444444")
        assert.strictEqual(identity.Arn, "arn:aws:sts::444444444444:assumed-role/Deployer/from-token-file")
        assert.strictEqual(emulator.counters.assumeRoleWithWebIdentity, 1)
      } finally {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
        Object.assign(process.env, saved)
        await rm(directory, { recursive: true, force: true })
      }
    }))

  it("StringLike subjects, audience arrays and a role's own audience", () =>
    withEmulator(options, async (emulator) => {
      emulator.addWebIdentityRole({ roleArn: CUSTOM_AUDIENCE, subjects: ["repo:acme/*"], audience: "acme-deploy" })
      const assume = (RoleArn: string, claims: AwsEmulator.WebIdentityTokenClaims) =>
        assumeWithToken(emulator, { RoleArn, WebIdentityToken: emulator.mintWebIdentityToken(claims) })
      const staging = await assume(PROD, { sub: "repo:acme/app:environment:staging" })
      assert.strictEqual(staging.SubjectFromWebIdentityToken, "repo:acme/app:environment:staging")
      assertStsError(await failure(assume(PROD, { sub: "repo:acme/app-fork:environment:prod" })), "AccessDenied", 403)
      assertStsError(await failure(assume(PROD, { sub: MAIN })), "AccessDenied", 403)
      const many = await assume(DEPLOYER, { aud: ["https://github.com/acme", "sts.amazonaws.com"] })
      assert.strictEqual(many.Audience, "sts.amazonaws.com")
      const custom = await assume(CUSTOM_AUDIENCE, { aud: "acme-deploy", sub: "repo:acme/other:pull_request" })
      assert.strictEqual(custom.Audience, "acme-deploy")
      assertStsError(await failure(assume(CUSTOM_AUDIENCE, {})), "AccessDenied", 403)
      assert.throws(() => emulator.addWebIdentityRole({ roleArn: "Deployer", subjects: ["*"] }), /Not an IAM role ARN/)
    }))

  it("a wrong audience is AccessDenied", () =>
    withEmulator(options, async (emulator) => {
      const error = await failure(
        assumeWithToken(emulator, { WebIdentityToken: emulator.mintWebIdentityToken({ aud: "https://github.com/acme" }) })
      )
      assertStsError(error, "AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
    }))

  it("a subject the role does not trust is AccessDenied", () =>
    withEmulator(options, async (emulator) => {
      const token = emulator.mintWebIdentityToken({ sub: "repo:acme/app:ref:refs/heads/feature" })
      assertStsError(
        await failure(assumeWithToken(emulator, { WebIdentityToken: token })),
        "AccessDenied",
        403,
        "Not authorized to perform sts:AssumeRoleWithWebIdentity"
      )
    }))

  it("an unknown role is AccessDenied", () =>
    withEmulator(options, async (emulator) => {
      const error = await failure(
        assumeWithToken(emulator, {
          RoleArn: "arn:aws:iam::444444444444:role/Unknown",
          WebIdentityToken: emulator.mintWebIdentityToken()
        })
      )
      assertStsError(error, "AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
    }))

  it("an expired token is ExpiredTokenException", () =>
    withEmulator(options, async (emulator) => {
      const error = await failure(
        assumeWithToken(emulator, { WebIdentityToken: emulator.mintWebIdentityToken({ expiresInSeconds: -5 }) })
      )
      assert.instanceOf(error, Sts.ExpiredTokenException)
      assertStsError(error, "ExpiredTokenException", 400, "Token expired")
    }))

  it("a token signed by another key, from another issuer or malformed is InvalidIdentityToken", () =>
    withEmulator(options, async (emulator) => {
      const foreign = emulator.mintWebIdentityToken({ signWithForeignKey: true })
      assert.strictEqual(headerOf(foreign).kid, headerOf(emulator.mintWebIdentityToken()).kid, "only the signature differs")
      const signature = await failure(assumeWithToken(emulator, { WebIdentityToken: foreign }))
      assert.instanceOf(signature, Sts.InvalidIdentityTokenException)
      assertStsError(signature, "InvalidIdentityTokenException", 400, "signature")

      const other = await AwsEmulator.start(options)
      try {
        const issuer = await failure(assumeWithToken(emulator, { WebIdentityToken: other.mintWebIdentityToken() }))
        assertStsError(issuer, "InvalidIdentityTokenException", 400, `No OpenIDConnect provider found in your account for ${other.issuer}`)
      } finally {
        await other.close()
      }
      const forged = emulator.mintWebIdentityToken({ extra: { iss: "https://token.actions.githubusercontent.com" } })
      assertStsError(await failure(assumeWithToken(emulator, { WebIdentityToken: forged })), "InvalidIdentityTokenException", 400)
      const early = emulator.mintWebIdentityToken({ extra: { nbf: Math.floor(Date.now() / 1000) + 600 } })
      assertStsError(await failure(assumeWithToken(emulator, { WebIdentityToken: early })), "InvalidIdentityTokenException", 400)
      const skewed = emulator.mintWebIdentityToken({ extra: { iat: Math.floor(Date.now() / 1000) + 30 } })
      assert.isString((await assumeWithToken(emulator, { WebIdentityToken: skewed })).Credentials!.AccessKeyId)
      for (const malformed of ["not-a-jwt", "a.b.c", `${foreign.split(".").slice(0, 2).join(".")}`]) {
        const error = await failure(assumeWithToken(emulator, { WebIdentityToken: malformed }))
        assertStsError(error, "InvalidIdentityTokenException", 400, "not a valid JWT")
      }
      const { status, text } = await rawSts(emulator, {
        Action: "AssumeRoleWithWebIdentity",
        RoleArn: DEPLOYER,
        RoleSessionName: "raw",
        WebIdentityToken: foreign
      })
      assert.strictEqual(status, 400)
      assert.strictEqual(xmlCode(text), "InvalidIdentityToken")
    }))

  it("missing parameters and a DurationSeconds outside 900..max are ValidationError", () =>
    withEmulator(options, async (emulator) => {
      const token = emulator.mintWebIdentityToken()
      const call = (params: Record<string, string>) =>
        rawSts(emulator, { Action: "AssumeRoleWithWebIdentity", RoleArn: DEPLOYER, RoleSessionName: "validation", ...params })
      for (
        const params of [
          {},
          { WebIdentityToken: token, RoleArn: "" },
          { WebIdentityToken: token, RoleSessionName: "" },
          { WebIdentityToken: token, DurationSeconds: "899" },
          { WebIdentityToken: token, DurationSeconds: "7201" },
          { WebIdentityToken: token, DurationSeconds: "soon" }
        ]
      ) {
        const { status, text } = await call(params)
        assert.strictEqual(status, 400, JSON.stringify(params))
        assert.strictEqual(xmlCode(text), "ValidationError", JSON.stringify(params))
      }
      assert.strictEqual((await call({ WebIdentityToken: token, DurationSeconds: "7200" })).status, 200)
      assert.strictEqual(emulator.counters.assumeRoleWithWebIdentity, 7)
    }))
})

describe("GitHub Actions token endpoint", () => {
  it("wants the request token as bearer", () =>
    withEmulator(options, async (emulator) => {
      assert.match(emulator.actions.url, /^http:\/\/127\.0\.0\.1:\d+\/actions\/token\?api-version=2\.0$/)
      assert.strictEqual((await fetchActionsToken(emulator, emulator.actions.url, null)).status, 401)
      assert.strictEqual((await fetchActionsToken(emulator, emulator.actions.url, "wrong")).status, 401)
      assert.strictEqual((await fetchActionsToken(emulator, emulator.actions.url, `${emulator.actions.requestToken}x`)).status, 401)
      assert.strictEqual((await fetchActionsToken(emulator, emulator.actions.url)).status, 200)
      assert.strictEqual(emulator.counters.actionsToken, 4)
      assert.notInclude(JSON.stringify(emulator.requests), emulator.actions.requestToken)
    }))

  it("mints a token for the audience asked, which AssumeRoleWithWebIdentity accepts", () =>
    withEmulator(options, async (emulator) => {
      const response = await fetchActionsToken(emulator, `${emulator.actions.url}&audience=sts.amazonaws.com`)
      assert.strictEqual(response.status, 200)
      const body = (await response.json()) as Record<string, unknown>
      assert.deepStrictEqual(Object.keys(body), ["value"])
      const token = body.value as string
      const claims = claimsOf(token)
      assert.strictEqual(claims.aud, "sts.amazonaws.com")
      assert.strictEqual(claims.sub, MAIN)
      assert.strictEqual(claims.iss, emulator.issuer)
      assert.strictEqual(claims.repository, "acme/app")
      assert.strictEqual(claims.ref, "refs/heads/main")
      assert.strictEqual((claims.exp as number) - (claims.iat as number), 300)
      assert.approximately(claims.iat as number, Date.now() / 1000, 5)
      assert.strictEqual(headerOf(token).alg, "RS256")

      const result = await assumeWithToken(emulator, { WebIdentityToken: token, RoleSessionName: "actions" })
      assert.strictEqual(result.SubjectFromWebIdentityToken, MAIN)
      const identity = await callerIdentity(emulator, credentialsOf(result.Credentials))
      assert.strictEqual(identity.Arn, "arn:aws:sts::444444444444:assumed-role/Deployer/actions")
    }))

  it("defaults the audience to the owner's URL and also takes `?audience=` alone", () =>
    withEmulator(options, async (emulator) => {
      const plain = (await (await fetchActionsToken(emulator, emulator.actions.url)).json()) as { value: string }
      assert.strictEqual(claimsOf(plain.value).aud, "https://github.com/acme")
      assertStsError(await failure(assumeWithToken(emulator, { WebIdentityToken: plain.value })), "AccessDenied", 403)
      const bare = (await (await fetchActionsToken(emulator, `${emulator.url}/actions/token?audience=sts.amazonaws.com`)).json()) as {
        value: string
      }
      assert.strictEqual(claimsOf(bare.value).aud, "sts.amazonaws.com")
    }))

  it("setSubject changes `sub`, and the role's trust follows it", () =>
    withEmulator(options, async (emulator) => {
      const mint = async () => {
        const response = await fetchActionsToken(emulator, `${emulator.actions.url}&audience=sts.amazonaws.com`)
        return ((await response.json()) as { value: string }).value
      }
      emulator.actions.setSubject("repo:acme/app:environment:prod")
      const prod = await mint()
      assert.strictEqual(claimsOf(prod).sub, "repo:acme/app:environment:prod")
      assert.strictEqual(claimsOf(prod).environment, "prod")
      assert.strictEqual((await assumeWithToken(emulator, { RoleArn: PROD, WebIdentityToken: prod })).AssumedRoleUser!.Arn, "arn:aws:sts::555555555555:assumed-role/ProdDeploy/gha-run")
      emulator.actions.setSubject("repo:evil/app:ref:refs/heads/main")
      const evil = await mint()
      assert.strictEqual(claimsOf(evil).repository, "evil/app")
      assertStsError(await failure(assumeWithToken(emulator, { WebIdentityToken: evil })), "AccessDenied", 403)
    }))

  it("actionsSubject and a negative actionsTokenTtlSeconds give an expired token for that subject", () =>
    withEmulator({ ...options, actionsSubject: "repo:acme/app:environment:prod", actionsTokenTtlSeconds: -30 }, async (emulator) => {
      const response = await fetchActionsToken(emulator, `${emulator.actions.url}&audience=sts.amazonaws.com`)
      const token = ((await response.json()) as { value: string }).value
      assert.strictEqual(claimsOf(token).sub, "repo:acme/app:environment:prod")
      const error = await failure(assumeWithToken(emulator, { WebIdentityToken: token }))
      assert.instanceOf(error, Sts.ExpiredTokenException)
    }))

  it("setDown makes it answer 503, setDown(false) brings it back", () =>
    withEmulator(options, async (emulator) => {
      emulator.actions.setDown(true)
      assert.strictEqual((await fetchActionsToken(emulator, emulator.actions.url)).status, 503)
      assert.strictEqual((await fetchActionsToken(emulator, emulator.actions.url, null)).status, 503)
      emulator.actions.setDown(false)
      assert.strictEqual((await fetchActionsToken(emulator, emulator.actions.url)).status, 200)
    }))
})

describe("OIDC issuer documents", () => {
  it("discovery names the issuer and the JWKS, whose key verifies the emulator's tokens only", () =>
    withEmulator(options, async (emulator) => {
      const discovery = (await (await fetch(`${emulator.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
      assert.strictEqual(discovery.issuer, emulator.issuer)
      assert.strictEqual(discovery.jwks_uri, `${emulator.url}/oidc/jwks`)
      assert.deepStrictEqual(discovery.id_token_signing_alg_values_supported, ["RS256"])
      const { keys } = (await (await fetch(discovery.jwks_uri as string)).json()) as { keys: Array<JsonWebKey> }
      assert.strictEqual(keys.length, 1)
      const [jwk] = keys
      assert.strictEqual(jwk!.kty, "RSA")
      assert.strictEqual(jwk!.alg, "RS256")
      assert.strictEqual(jwk!.e, "AQAB")
      assert.strictEqual(Buffer.from(jwk!.n!, "base64url").length, 256, "2048-bit modulus")
      assert.isUndefined(jwk!.d, "no private part")
      const publicKey = createPublicKey({ key: jwk!, format: "jwk" })
      const verifies = (token: string) => {
        const [header, payload, signature] = token.split(".")
        return verify("sha256", Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature!, "base64url"))
      }
      const token = emulator.mintWebIdentityToken()
      assert.strictEqual(headerOf(token).kid, jwk!.kid)
      assert.isTrue(verifies(token))
      assert.isFalse(verifies(emulator.mintWebIdentityToken({ signWithForeignKey: true })))
    }))
})
