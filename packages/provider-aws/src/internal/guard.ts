/**
 * The recursion guard for `aws-profile`: while alchemy resolves an AWS CLI profile (whose `credential_process`
 * may call `alchemy aws credential-process` again), the environment inherited by that child names the alchemy
 * profiles already being resolved. A child asked for one of them fails at once with a clear error instead of
 * spawning itself forever.
 *
 * This module reads and writes `process.env` itself, not profile-core's `Environment`, on purpose: the chain must
 * reach the child processes the AWS SDK starts (`credential_process`), and those inherit the real process
 * environment, whatever `Environment` a caller provided. What it reads is likewise what this process inherited from
 * its parent alchemy (plus what `around` set), which only `process.env` holds.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { AwsError } from "../AwsError.js"

/** Alchemy profiles being resolved by ancestor processes, comma separated. @internal */
export const chainVariable = "ALCHEMY_CREDENTIAL_PROCESS_CHAIN"
/** How many alchemy processes deep this one is. @internal */
export const depthVariable = "ALCHEMY_CREDENTIAL_PROCESS_DEPTH"
/** Hard stop whatever the chain says. @internal */
export const maxDepth = 5

const inherited = () => {
  const chain = (process.env[chainVariable] ?? "").split(",").filter((name) => name !== "")
  const depth = Number(process.env[depthVariable] ?? "0")
  return { chain, depth: Number.isFinite(depth) ? depth : 0 }
}

/** Fail when this process is already too deep in nested credential processes. @internal */
export const checkDepth = (profile: string): Effect.Effect<void, AwsError> =>
  Effect.suspend(() => {
    const { depth } = inherited()
    return depth >= maxDepth
      ? Effect.fail(
        new AwsError({
          reason: "CredentialProcessLoop",
          profile,
          detail: `${depth} nested alchemy credential processes (${depthVariable}); giving up`
        })
      )
      : Effect.void
  })

/** Fail when `profile` is already being resolved by an ancestor process, or the chain is too deep. @internal */
export const check = (profile: string): Effect.Effect<void, AwsError> =>
  Effect.suspend(() => {
    if (process.env[chainVariable] === undefined && process.env[depthVariable] === undefined) return Effect.void
    const { chain } = inherited()
    if (chain.includes(profile)) {
      return Effect.fail(
        new AwsError({
          reason: "CredentialProcessLoop",
          profile,
          detail: `${[...chain, profile].join(" -> credential_process -> ")} (${chainVariable})`
        })
      )
    }
    return checkDepth(profile)
  })

/**
 * Run `run` with `profiles` (the profile and the profiles of this process that led to it) added to the chain
 * inherited by child processes, then restore the environment. @internal
 */
export const around = <A>(profiles: ReadonlyArray<string>, run: () => Promise<A>): Effect.Effect<A, string> =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const saved = { chain: process.env[chainVariable], depth: process.env[depthVariable] }
      const { chain, depth } = inherited()
      process.env[chainVariable] = [...chain, ...profiles.filter((p) => !chain.includes(p))].join(",")
      process.env[depthVariable] = String(depth + 1)
      return saved
    }),
    () =>
      Effect.tryPromise({
        try: run,
        catch: (error) => {
          const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
          return text.slice(0, 600)
        }
      }),
    (saved) =>
      Effect.sync(() => {
        if (saved.chain === undefined) delete process.env[chainVariable]
        else process.env[chainVariable] = saved.chain
        if (saved.depth === undefined) delete process.env[depthVariable]
        else process.env[depthVariable] = saved.depth
      })
  )
