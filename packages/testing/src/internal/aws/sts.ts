/**
 * STS (`@aws-sdk/client-sts`, awsQuery): GetCallerIdentity and AssumeRole, authenticated by
 * a verified SigV4 signature from a known access key, and AssumeRoleWithWebIdentity, which like
 * the real STS is anonymous: the token from the emulator's OIDC issuer is the authentication.
 *
 * @internal
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { sendQueryError, sendQueryResult } from "./http.js"
import { audiences, peekSubject } from "./issuer.js"
import { type AccessKey, DEFAULT_WEB_IDENTITY_AUDIENCE, type EmulatorState, ROLE_ARN } from "./state.js"

const sha256Hex = (data: string): string => createHash("sha256").update(data, "utf8").digest("hex")
const hmac = (key: Buffer | string, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest()

type Authentication =
  | { readonly _tag: "Authenticated"; readonly key: AccessKey }
  | { readonly _tag: "Rejected"; readonly status: number; readonly code: string; readonly message: string }

const AUTHORIZATION = /^AWS4-HMAC-SHA256\s+Credential=([^/\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/

const headerValue = (request: IncomingMessage, name: string): string => {
  const value = request.headers[name]
  return (Array.isArray(value) ? value.join(",") : value ?? "").trim().replace(/\s+/g, " ")
}

/**
 * Checks the SigV4 `Authorization` header: known access key id, matching session token for
 * temporary keys, not expired, and a signature computed with the key's secret.
 */
const authenticate = (state: EmulatorState, request: IncomingMessage, body: string): Authentication => {
  const match = AUTHORIZATION.exec(headerValue(request, "authorization"))
  if (match === null) {
    return {
      _tag: "Rejected",
      status: 403,
      code: "MissingAuthenticationToken",
      message: "Request is missing Authentication Token"
    }
  }
  const [, accessKeyId = "", date = "", region = "", service = "", signedHeaders = "", signature = ""] = match
  const key = state.accessKeys.get(accessKeyId)
  if (key === undefined || (key.sessionToken !== undefined && headerValue(request, "x-amz-security-token") !== key.sessionToken)) {
    return {
      _tag: "Rejected",
      status: 403,
      code: "InvalidClientTokenId",
      message: "The security token included in the request is invalid."
    }
  }
  if (key.expiresAt !== undefined && key.expiresAt <= Date.now()) {
    return { _tag: "Rejected", status: 400, code: "ExpiredToken", message: "The security token included in the request is expired" }
  }
  const amzDate = headerValue(request, "x-amz-date")
  const url = new URL(request.url ?? "/", "http://emulator")
  const canonicalQuery = [...url.searchParams.entries()]
    .map(([name, value]) => [encodeRfc3986(name), encodeRfc3986(value)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&")
  const headerNames = signedHeaders.split(";")
  const canonicalRequest = [
    request.method ?? "POST",
    url.pathname,
    canonicalQuery,
    headerNames.map((name) => `${name}:${headerValue(request, name)}\n`).join(""),
    signedHeaders,
    headerValue(request, "x-amz-content-sha256") === "UNSIGNED-PAYLOAD" ? "UNSIGNED-PAYLOAD" : sha256Hex(body)
  ].join("\n")
  const scope = `${date}/${region}/${service}/aws4_request`
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n")
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${key.secretAccessKey}`, date), region), service), "aws4_request")
  const expected = createHmac("sha256", signingKey).update(stringToSign, "utf8").digest()
  if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) {
    return {
      _tag: "Rejected",
      status: 403,
      code: "SignatureDoesNotMatch",
      message: "The request signature we calculated does not match the signature you provided."
    }
  }
  return { _tag: "Authenticated", key }
}

const encodeRfc3986 = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`)

/** `POST /` with a form body `Action=...&Version=2011-06-15&...` */
export const handleQuery = (
  state: EmulatorState,
  request: IncomingMessage,
  body: string,
  response: ServerResponse
): void => {
  const params = new URLSearchParams(body)
  const action = params.get("Action")
  switch (action) {
    case "GetCallerIdentity":
      return getCallerIdentity(state, request, body, response)
    case "AssumeRole":
      return assumeRole(state, request, body, params, response)
    case "AssumeRoleWithWebIdentity":
      return assumeRoleWithWebIdentity(state, request, params, response)
    default:
      return sendQueryError(response, 400, "InvalidAction", `Could not find operation ${action ?? "(none)"} for version 2011-06-15`)
  }
}

const getCallerIdentity = (state: EmulatorState, request: IncomingMessage, body: string, response: ServerResponse): void => {
  state.counters.getCallerIdentity++
  const authentication = authenticate(state, request, body)
  state.record("GetCallerIdentity", {
    accessKeyId: authentication._tag === "Authenticated" ? authentication.key.accessKeyId : undefined
  })
  if (authentication._tag === "Rejected") {
    return sendQueryError(response, authentication.status, authentication.code, authentication.message)
  }
  const { key } = authentication
  sendQueryResult(response, "GetCallerIdentity", { Arn: key.arn, UserId: key.userId, Account: key.account })
}

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/

/** The role, session and duration of a valid AssumeRole / AssumeRoleWithWebIdentity request. */
interface RoleRequest {
  readonly roleArn: string
  readonly account: string
  readonly roleName: string
  readonly roleSessionName: string
  readonly durationSeconds: number
}

/**
 * The checks AssumeRole and AssumeRoleWithWebIdentity share: a role ARN, a session name and a
 * duration within 900 s and the largest session. Answers `ValidationError` and returns
 * `undefined` when one fails.
 */
const validateRoleRequest = (
  state: EmulatorState,
  params: URLSearchParams,
  response: ServerResponse
): RoleRequest | undefined => {
  const roleArn = params.get("RoleArn") ?? undefined
  const roleSessionName = params.get("RoleSessionName") ?? undefined
  const durationParam = params.get("DurationSeconds")
  const roleMatch = roleArn === undefined ? null : ROLE_ARN.exec(roleArn)
  if (roleArn === undefined || roleMatch === null) {
    sendQueryError(response, 400, "ValidationError", "RoleArn is not a valid IAM role ARN")
    return undefined
  }
  if (roleSessionName === undefined || !SESSION_NAME.test(roleSessionName)) {
    sendQueryError(
      response,
      400,
      "ValidationError",
      "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint"
    )
    return undefined
  }
  const durationSeconds = durationParam === null ? 3600 : Number(durationParam)
  const maxDuration = state.options.maxSessionDurationSeconds ?? 43_200
  if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > maxDuration) {
    sendQueryError(
      response,
      400,
      "ValidationError",
      `The requested DurationSeconds exceeds the MaxSessionDuration set for this role (900 to ${maxDuration}).`
    )
    return undefined
  }
  const [, account = "", roleName = ""] = roleMatch
  return { roleArn, account, roleName, roleSessionName, durationSeconds }
}

const assumeRole = (
  state: EmulatorState,
  request: IncomingMessage,
  body: string,
  params: URLSearchParams,
  response: ServerResponse
): void => {
  state.counters.assumeRole++
  const roleArn = params.get("RoleArn") ?? undefined
  const roleSessionName = params.get("RoleSessionName") ?? undefined
  const externalId = params.get("ExternalId") ?? undefined
  const serialNumber = params.get("SerialNumber") ?? undefined
  const tokenCode = params.get("TokenCode") ?? undefined
  const durationParam = params.get("DurationSeconds")
  const authentication = authenticate(state, request, body)
  state.record("AssumeRole", {
    roleArn,
    roleSessionName,
    externalId,
    serialNumber,
    tokenCodeProvided: tokenCode !== undefined,
    durationSeconds: durationParam === null ? undefined : Number(durationParam),
    callerArn: authentication._tag === "Authenticated" ? authentication.key.arn : undefined
  })
  if (authentication._tag === "Rejected") {
    return sendQueryError(response, authentication.status, authentication.code, authentication.message)
  }
  const caller = authentication.key
  const valid = validateRoleRequest(state, params, response)
  if (valid === undefined) return
  const { account, durationSeconds, roleName } = valid
  const denied = () =>
    sendQueryError(
      response,
      403,
      "AccessDenied",
      `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${valid.roleArn}`
    )
  const requiredExternalId = state.options.externalIds?.[valid.roleArn]
  if (requiredExternalId !== undefined && externalId !== requiredExternalId) return denied()
  const mfa = state.options.mfa
  const mfaRequired = mfa !== undefined &&
    (mfa.roles === undefined || mfa.roles.includes(valid.roleArn) || mfa.roles.includes(roleName))
  if (mfaRequired && (serialNumber === undefined || tokenCode === undefined)) return denied()
  if (serialNumber !== undefined || tokenCode !== undefined) {
    if (mfa === undefined || serialNumber !== mfa.serial || tokenCode !== mfa.code) {
      return sendQueryError(
        response,
        403,
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code."
      )
    }
  }
  const credentials = state.issueRoleCredentials(account, roleName, valid.roleSessionName, durationSeconds)
  sendQueryResult(response, "AssumeRole", {
    Credentials: {
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken ?? "",
      Expiration: new Date(credentials.expiresAt ?? Date.now()).toISOString()
    },
    AssumedRoleUser: { AssumedRoleId: credentials.userId, Arn: credentials.arn },
    PackedPolicySize: 6
  })
}

/**
 * `StringLike` of an IAM condition: `*` matches any run of characters, `?` exactly one, and
 * everything else itself (GitHub subjects hold `:` and `/`, never these two).
 */
const stringLike = (pattern: string, value: string): boolean => {
  const literal = (text: string) => text.replace(/[\\^$.|+()[\]{}]/g, "\\$&")
  const source = pattern.split("*").map((part) => part.split("?").map(literal).join(".")).join(".*")
  return new RegExp(`^${source}$`, "s").test(value)
}

/**
 * Exchanges a token from the emulator's issuer for role credentials. Unsigned like the real
 * operation (the SDK sends it with `noAuth`): an `Authorization` header is neither needed nor
 * checked. The token is verified first (structure, issuer, signature, time), then the role's
 * trust: a registered role, its audience among `aud`, `sub` matching one of its subjects.
 */
const assumeRoleWithWebIdentity = (
  state: EmulatorState,
  request: IncomingMessage,
  params: URLSearchParams,
  response: ServerResponse
): void => {
  state.counters.assumeRoleWithWebIdentity++
  const token = params.get("WebIdentityToken") ?? undefined
  const durationParam = params.get("DurationSeconds")
  state.record("AssumeRoleWithWebIdentity", {
    roleArn: params.get("RoleArn") ?? undefined,
    roleSessionName: params.get("RoleSessionName") ?? undefined,
    durationSeconds: durationParam === null ? undefined : Number(durationParam),
    providerId: params.get("ProviderId") ?? undefined,
    tokenSubject: peekSubject(token),
    signed: request.headers.authorization !== undefined
  })
  if (token === undefined || token.length < 4) {
    return sendQueryError(
      response,
      400,
      "ValidationError",
      "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4"
    )
  }
  const valid = validateRoleRequest(state, params, response)
  if (valid === undefined) return
  const verification = state.issuer.verify(token, state.issuerUrl, Math.floor(Date.now() / 1000))
  if (verification._tag === "Invalid") return sendQueryError(response, 400, verification.code, verification.message)
  const role = state.webIdentityRoles.get(valid.roleArn)
  const audience = role?.audience ?? DEFAULT_WEB_IDENTITY_AUDIENCE
  const trusted = role !== undefined &&
    audiences(verification.claims).includes(audience) &&
    role.subjects.some((pattern) => stringLike(pattern, verification.subject))
  if (!trusted) {
    return sendQueryError(response, 403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
  }
  const credentials = state.issueRoleCredentials(valid.account, valid.roleName, valid.roleSessionName, valid.durationSeconds)
  sendQueryResult(response, "AssumeRoleWithWebIdentity", {
    Credentials: {
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken ?? "",
      Expiration: new Date(credentials.expiresAt ?? Date.now()).toISOString()
    },
    SubjectFromWebIdentityToken: verification.subject,
    AssumedRoleUser: { AssumedRoleId: credentials.userId, Arn: credentials.arn },
    Provider: state.issuerUrl,
    Audience: audience
  })
}
