/**
 * A stand-in for the GitHub Actions runtime's OIDC token endpoint, the URL a job sees in
 * `ACTIONS_ID_TOKEN_REQUEST_URL` (`@actions/core`'s `getIDToken` and
 * `aws-actions/configure-aws-credentials` call it): `GET /actions/token?api-version=2.0&audience=...`
 * with `Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN`, answering `{"value":"<jwt>"}`
 * with a token from the emulator's issuer.
 *
 * @internal
 */
import { timingSafeEqual } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { sendJson } from "./http.js"
import type { Claims } from "./issuer.js"
import type { EmulatorState } from "./state.js"

/** Lifetime of the tokens the endpoint mints unless `actionsTokenTtlSeconds` says otherwise (GitHub's is 5 min). */
const DEFAULT_TTL_SECONDS = 300

const SUBJECT = /^repo:([^/:]+)\/([^:]+):(.*)$/

/**
 * The claims GitHub puts beside `sub`, derived from it (`repo:acme/app:ref:refs/heads/main` has
 * repository `acme/app` and ref `refs/heads/main`), so the token looks like a real job's.
 */
const jobClaims = (subject: string): Claims => {
  const match = SUBJECT.exec(subject)
  if (match === null) return {}
  const [, owner = "", name = "", context = ""] = match
  const [kind = "", ...rest] = context.split(":")
  const value = rest.join(":")
  return {
    repository: `${owner}/${name}`,
    repository_owner: owner,
    ...(kind === "ref" ? { ref: value } : {}),
    ...(kind === "environment" ? { environment: value } : {}),
    ...(kind === "pull_request" ? { event_name: "pull_request" } : {}),
    runner_environment: "github-hosted"
  }
}

/** GitHub's default audience: the URL of the repository owner (`https://github.com/acme`). */
const ownerUrl = (subject: string): string => `https://github.com/${SUBJECT.exec(subject)?.[1] ?? "acme"}`

/** Compares the bearer in constant time, as a real token check would. */
const hasRequestToken = (state: EmulatorState, request: IncomingMessage): boolean => {
  const presented = Buffer.from(/^Bearer (\S+)$/.exec(request.headers.authorization ?? "")?.[1] ?? "", "utf8")
  const expected = Buffer.from(state.actionsRequestToken, "utf8")
  return presented.length === expected.length && timingSafeEqual(presented, expected)
}

/**
 * `GET /actions/token`. The query may carry `api-version` (the real URL does) and `audience`
 * (clients append `&audience=...`); a switched-off endpoint answers 503 before looking at the
 * request, a missing or wrong bearer 401.
 */
export const actionsToken = (
  state: EmulatorState,
  request: IncomingMessage,
  query: URLSearchParams,
  response: ServerResponse
): void => {
  state.counters.actionsToken++
  const audience = query.get("audience") ?? undefined
  state.record("ActionsToken", { audience, subject: state.actionsSubject, down: state.actionsDown })
  if (state.actionsDown) return sendJson(response, 503, { message: "Service Unavailable" })
  if (!hasRequestToken(state, request)) return sendJson(response, 401, { message: "Bad credentials" })
  const subject = state.actionsSubject
  const value = state.mintToken({
    sub: subject,
    aud: audience ?? ownerUrl(subject),
    expiresInSeconds: state.options.actionsTokenTtlSeconds ?? DEFAULT_TTL_SECONDS,
    extra: jobClaims(subject)
  })
  sendJson(response, 200, { value })
}
