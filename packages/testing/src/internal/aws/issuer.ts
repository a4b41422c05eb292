/**
 * The emulator's OpenID Connect token issuer, a stand-in for `token.actions.githubusercontent.com`:
 * one RS256 key pair made at start, its discovery document and JWKS (`GET /oidc/...`), and JWT
 * minting and verification written by hand on node:crypto, so the emulator needs no JOSE library.
 *
 * @internal
 */
import type { JsonWebKey, KeyObject } from "node:crypto"
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto"
import type { ServerResponse } from "node:http"
import { sendJson } from "./http.js"
import type { EmulatorState } from "./state.js"

/** Seconds a token's `nbf` / `iat` may lie in the future (clocks of issuer and STS differ). */
export const CLOCK_SKEW_SECONDS = 60

/** The claims of a token, decoded but not necessarily verified. */
export type Claims = Readonly<Record<string, unknown>>

/** What STS makes of a token before looking at the role: its claims, or the error to answer. */
export type Verification =
  | { readonly _tag: "Valid"; readonly claims: Claims; readonly subject: string }
  | {
    readonly _tag: "Invalid"
    readonly code: "InvalidIdentityToken" | "ExpiredTokenException"
    readonly message: string
  }

const newKeyPair = () => generateKeyPairSync("rsa", { modulusLength: 2048 })

const base64urlJson = (value: unknown): string => Buffer.from(JSON.stringify(value), "utf8").toString("base64url")

const BASE64URL = /^[A-Za-z0-9_-]+$/

const decodeJsonObject = (part: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"))
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** Header and claims of a compact JWS with three base64url parts, or `undefined` when malformed. */
const decode = (
  token: string
): { readonly header: Record<string, unknown>; readonly claims: Record<string, unknown>; readonly signature: Buffer } | undefined => {
  const parts = token.split(".")
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) return undefined
  const [headerPart = "", claimsPart = "", signaturePart = ""] = parts
  const header = decodeJsonObject(headerPart)
  const claims = decodeJsonObject(claimsPart)
  if (header === undefined || claims === undefined) return undefined
  return { header, claims, signature: Buffer.from(signaturePart, "base64url") }
}

/** The `sub` of a token without verifying it, for the request log (never the token itself). */
export const peekSubject = (token: string | undefined): string | undefined => {
  const sub = token === undefined ? undefined : decode(token)?.claims.sub
  return typeof sub === "string" ? sub : undefined
}

/** The `aud` claim as a list (a JWT may carry one audience as a string or several as an array). */
export const audiences = (claims: Claims): ReadonlyArray<string> => {
  const aud = claims.aud
  if (typeof aud === "string") return [aud]
  return Array.isArray(aud) ? aud.filter((item): item is string => typeof item === "string") : []
}

const invalid = (message: string): Verification => ({ _tag: "Invalid", code: "InvalidIdentityToken", message })

/** The signing key, its public JWK and the verification every STS call runs. */
export class TokenIssuer {
  private readonly privateKey: KeyObject
  /** Made on first use only: a second key pair costs as much as the first. */
  private foreignKey: KeyObject | undefined
  /** RFC 7638 thumbprint of the public key, so a new key pair always gets a new `kid`. */
  readonly kid: string
  readonly jwk: JsonWebKey

  constructor() {
    const { privateKey, publicKey } = newKeyPair()
    this.privateKey = privateKey
    const { e = "", n = "" } = publicKey.export({ format: "jwk" })
    this.kid = createHash("sha256").update(JSON.stringify({ e, kty: "RSA", n })).digest("base64url")
    this.jwk = { kty: "RSA", alg: "RS256", use: "sig", kid: this.kid, n, e }
  }

  /** The JWKS document served at `/oidc/jwks`. */
  jwks(): { readonly keys: ReadonlyArray<JsonWebKey> } {
    return { keys: [this.jwk] }
  }

  /**
   * A signed JWT with these claims. `foreign` signs with another key under the same `kid`, so the
   * token looks right and only the signature check can catch it.
   */
  mint(claims: Claims, foreign = false): string {
    const input = `${base64urlJson({ alg: "RS256", typ: "JWT", kid: this.kid })}.${base64urlJson(claims)}`
    const key = foreign ? (this.foreignKey ??= newKeyPair().privateKey) : this.privateKey
    return `${input}.${sign("sha256", Buffer.from(input, "utf8"), key).toString("base64url")}`
  }

  /**
   * Checks a token the way STS checks an OIDC provider's token, in its order: structure, issuer
   * (STS looks the provider up by `iss` before fetching its keys), key and signature, then time.
   * Audience and subject depend on the role, so the caller checks those.
   */
  verify(token: string, issuer: string, nowSeconds: number): Verification {
    const decoded = decode(token)
    if (decoded === undefined) return invalid("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
    const { claims, header, signature } = decoded
    if (claims.iss !== issuer) {
      return invalid(`No OpenIDConnect provider found in your account for ${String(claims.iss)}`)
    }
    const jwk = this.jwks().keys.find((key) => key.kid === header.kid)
    if (header.alg !== "RS256" || jwk === undefined) {
      return invalid(
        "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements"
      )
    }
    const [headerPart, claimsPart] = token.split(".")
    const signed = Buffer.from(`${headerPart}.${claimsPart}`, "utf8")
    if (!verify("sha256", signed, createPublicKey({ key: jwk, format: "jwk" }), signature)) {
      return invalid("The signature of the web identity token could not be verified")
    }
    const { exp, iat, nbf, sub } = claims
    if (typeof exp !== "number") return invalid("The web identity token has no expiration (exp)")
    if (exp <= nowSeconds) {
      return {
        _tag: "Invalid",
        code: "ExpiredTokenException",
        message: `Token expired: current date/time ${nowSeconds} must be before the expiration date/time ${exp}`
      }
    }
    const future = (time: unknown) => typeof time === "number" && time > nowSeconds + CLOCK_SKEW_SECONDS
    if (future(nbf)) return invalid("The web identity token is not valid yet (nbf)")
    if (future(iat)) return invalid("The web identity token was issued in the future (iat)")
    if (typeof sub !== "string" || sub === "") return invalid("The web identity token has no subject (sub)")
    return { _tag: "Valid", claims, subject: sub }
  }
}

/** `GET /oidc/.well-known/openid-configuration`, shaped like GitHub Actions' discovery document. */
export const openIdConfiguration = (state: EmulatorState, response: ServerResponse): void =>
  sendJson(response, 200, {
    issuer: state.issuerUrl,
    jwks_uri: `${state.issuerUrl}/jwks`,
    subject_types_supported: ["public", "pairwise"],
    response_types_supported: ["id_token"],
    claims_supported: ["sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "repository", "repository_owner", "environment"],
    id_token_signing_alg_values_supported: ["RS256"],
    scopes_supported: ["openid"]
  })

/** `GET /oidc/jwks` */
export const jwks = (state: EmulatorState, response: ServerResponse): void => sendJson(response, 200, state.issuer.jwks())
