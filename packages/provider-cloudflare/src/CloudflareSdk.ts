/**
 * The face for code that does not use Effect: `getCloudflareCredentials()` resolves a profile (DESIGN.md §4) and
 * returns plain values, and `cloudflareClientOptions()` returns options for the official `cloudflare` SDK client
 * (`new Cloudflare(await cloudflareClientOptions())`) without this package depending on it.
 *
 * A process keeps one runtime: valid OAuth tokens are served from memory, refreshed (under the cross-process lock)
 * when they come within 5 minutes of expiry, so a long-running process gets a fresh token on every call.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import type * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as CloudflareCredentials from "./CloudflareCredentials.js"
import * as CloudflareEndpoints from "./CloudflareEndpoints.js"
import * as Live from "./internal/live.js"

/**
 * What to resolve. `profile` names a profile explicitly (it wins over environment credentials, with a warning);
 * without it the automatic rules apply (`CLOUDFLARE_PROFILE`, `ALCHEMY_PROFILE`, environment credentials, `default`).
 *
 * @since 0.1.0
 */
export interface GetOptions {
  readonly profile?: string | undefined
  readonly accountId?: string | undefined
}

/**
 * Plain credentials. These are secrets: pass them to a client, never print or log them.
 *
 * @since 0.1.0
 */
export interface PlainCredentials {
  readonly apiToken?: string
  readonly apiKey?: string
  readonly email?: string
  readonly accountId: string
  readonly headers: Readonly<Record<string, string>>
  /** `oauth`, `api-token` or `api-key`. */
  readonly method: string
  /** The profile used; absent when the credentials came from the environment. */
  readonly profile?: string
  readonly warnings: ReadonlyArray<string>
}

let runtime: ManagedRuntime.ManagedRuntime<Live.Services, never> | undefined
const services = new Map<string, Promise<CloudflareCredentials.Service>>()

const getRuntime = () => (runtime ??= ManagedRuntime.make(Live.layer))

/** Run on the process runtime; a failure rejects with the typed error itself (`_tag`, `message`). */
const run = async <A, E>(effect: Effect.Effect<A, E, Live.Services>): Promise<A> => {
  const exit = await getRuntime().runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

const serviceFor = (options: GetOptions): Promise<CloudflareCredentials.Service> => {
  const key = JSON.stringify([options.profile ?? null, options.accountId ?? null])
  let service = services.get(key)
  if (service === undefined) {
    service = run(CloudflareCredentials.make({ resource: options.profile, accountId: options.accountId }))
    service.catch(() => services.delete(key))
    services.set(key, service)
  }
  return service
}

const toPlain = (resolved: CloudflareCredentials.Resolved): PlainCredentials => {
  const credential = resolved.credential
  const secret = credential._tag === "Bearer"
    ? { apiToken: Redacted.value(credential.token) }
    : { apiKey: Redacted.value(credential.key), email: credential.email }
  return {
    ...secret,
    accountId: resolved.accountId,
    headers: resolved.headers,
    method: resolved.method,
    ...(resolved.sources.profile === undefined ? {} : { profile: resolved.sources.profile.profile }),
    warnings: resolved.warnings
  }
}

/**
 * Resolve Cloudflare credentials. Rejects with the typed error (its `message` says what to do, e.g.
 * `alchemy login --profile p`).
 *
 * @since 0.1.0
 */
export const getCloudflareCredentials = async (options: GetOptions = {}): Promise<PlainCredentials> => {
  const service = await serviceFor(options)
  return toPlain(await run(service.get))
}

/**
 * Options for the official `cloudflare` SDK client: `{ apiToken }` or `{ apiKey, apiEmail }`, plus `baseURL`
 * when `CLOUDFLARE_BASE_URL` is set.
 *
 * @since 0.1.0
 */
export const cloudflareClientOptions = async (options: GetOptions = {}): Promise<
  { readonly apiToken: string; readonly baseURL?: string } | {
    readonly apiKey: string
    readonly apiEmail: string
    readonly baseURL?: string
  }
> => {
  const service = await serviceFor(options)
  const resolved = await run(service.get)
  const endpoints = await run(CloudflareEndpoints.current)
  return CloudflareCredentials.sdkOptions(
    resolved,
    endpoints.apiBaseUrl === CloudflareEndpoints.defaultApiBaseUrl ? undefined : endpoints.apiBaseUrl
  )
}

/**
 * Release the process-wide runtime (tests, or a process that wants to re-read everything).
 *
 * @since 0.1.0
 */
export const reset = async (): Promise<void> => {
  services.clear()
  const current = runtime
  runtime = undefined
  if (current !== undefined) await current.dispose()
}
