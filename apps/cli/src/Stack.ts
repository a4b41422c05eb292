/**
 * The stack file format: `alchemy.run.ts` default-exports `defineStack({ ... })`.
 *
 * ```ts
 * import { defineStack, StackContext } from "@alchemy/cli/Stack"
 * import * as Effect from "effect/Effect"
 *
 * export default defineStack({
 *   name: "my-app",
 *   profile: "prod",                 // optional: the app's profile (DESIGN §4 step 2)
 *   providers: ["cloudflare"],
 *   stages: {                        // optional: per stage, its profile and the accounts it must reach
 *     prod: { profile: "prod", accounts: { cloudflare: "<32 hex>", aws: "<12 digits>" } },
 *     staging: { profile: "staging" }
 *   },
 *   run: Effect.gen(function*() {
 *     const { phase, stage } = yield* StackContext
 *     // yield* CloudflareCredentials / AwsCredentials and call the provider APIs
 *   })
 * })
 * ```
 * `run` may also be a function `(ctx) => Promise<unknown>` receiving the same context plus `env`, the provider
 * environment variables (as `alchemy exec` would set them).
 *
 * A file written for the `alchemy` library (0.x), which does its work at import time and exports no stack, is a
 * *script stack*: the CLI tells it apart from its source without running it and runs it as a child process
 * (`node --import tsx alchemy.run.ts --stage <s> [--profile <p>]`, `--destroy` / `--read` / `--dev` by phase).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { providers } from "./ProviderList.js"

/** What the command asked for. */
export type Phase = "deploy" | "destroy" | "dev" | "plan" | "run"

/** Providers a stack may use: the ids of the CLI's provider list (ProviderList.ts). */
export type ProviderName = (typeof providers)[number]["id"]

/** The context every stack program gets. */
export interface StackInfo {
  readonly name: string
  readonly phase: Phase
  /** `--stage`, else `$STAGE`, else `$USER`, else `dev`. */
  readonly stage: string
  /** The profile selected for each provider the stack uses, and why. */
  readonly profiles: Readonly<Partial<Record<ProviderName, { readonly profile: string; readonly explanation: string }>>>
}

/** The Effect service carrying {@link StackInfo} into a stack program. */
export class StackContext extends Context.Tag("@alchemy/cli/StackContext")<StackContext, StackInfo>() {}

/** The context of a Promise-style stack program. */
export interface PromiseContext extends StackInfo {
  /** Provider environment variables (CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID, AWS_*), in clear. */
  readonly env: Readonly<Record<string, string>>
}

/**
 * A stack program: an Effect that may require {@link StackContext} and the providers' credential services
 * (`CloudflareCredentials`, `AwsCredentials`), or a function returning a Promise.
 */
export type StackProgram =
  | Effect.Effect<unknown, unknown, any>
  | ((context: PromiseContext) => Promise<unknown> | unknown)

/**
 * One stage of a stack (`--stage <name>`): the profile it deploys with and the accounts its credentials must reach.
 *
 * @since 0.3.0
 */
export interface StageDefinition {
  /**
   * The profile of this stage: it takes the app's place in DESIGN §4 (step 2), so a resource's own `profile` still
   * wins, and an explicit `--profile` that differs is a usage error unless `--force`.
   */
  readonly profile?: string | undefined
  /**
   * Accounts the credentials must reach, checked before the program runs (Cloudflare: the resolved account id,
   * 32 hex; AWS: the `GetCallerIdentity` account, 12 digits). A mismatch stops the command with exit code 1.
   */
  readonly accounts?: Readonly<Partial<Record<ProviderName, string>>> | undefined
  /**
   * How to get each provider's credentials when the home has no such profile (a CI runner has no ~/.alchemy):
   * names of environment variables, or AWS web identity. Nothing is written to disk; a profile of that name in the
   * home, configured for the provider, wins (a developer's own sign-in).
   */
  readonly credentials?: DeclaredCredentials | undefined
}

/**
 * Credentials a stage declares instead of a stored profile (the stack file is committed: never a secret here, only
 * where to find one at run time).
 *
 * @since 0.3.0
 */
export interface DeclaredCredentials {
  readonly cloudflare?:
    | {
      readonly method: "api-token"
      /** The variable holding the API token (a CI secret mapped to it). */
      readonly tokenVariable: string
      readonly accountId?: string | undefined
    }
    | {
      readonly method: "api-key"
      readonly keyVariable: string
      readonly email: string
      readonly accountId?: string | undefined
    }
    | undefined
  readonly aws?:
    | {
      readonly method: "access-keys"
      readonly accessKeyIdVariable: string
      readonly secretAccessKeyVariable: string
      readonly sessionTokenVariable?: string | undefined
      readonly region?: string | undefined
    }
    | {
      /**
       * `AssumeRoleWithWebIdentity` with a token from `AWS_WEB_IDENTITY_TOKEN_FILE`, else from GitHub Actions'
       * OIDC endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL` + `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, audience
       * `sts.amazonaws.com`); the session is kept in memory only.
       */
      readonly method: "web-identity"
      readonly roleArn: string
      readonly region?: string | undefined
      readonly sessionName?: string | undefined
      readonly audience?: string | undefined
      readonly durationSeconds?: number | undefined
    }
    | undefined
}

export interface StackDefinition {
  readonly name: string
  /** The app's profile: used for every provider unless a resource names its own. */
  readonly profile?: string | undefined
  readonly providers: ReadonlyArray<ProviderName>
  /** Stages by name (`--stage prod`), with their profile and pinned accounts. */
  readonly stages?: Readonly<Record<string, StageDefinition>> | undefined
  readonly run: StackProgram
}

/** Marks a value as a stack (survives the bundle/source split: a global symbol). */
export const StackTypeId: unique symbol = Symbol.for("@alchemy/cli/Stack") as any
export type StackTypeId = typeof StackTypeId

export interface Stack extends StackDefinition {
  readonly [StackTypeId]: StackTypeId
}

/** Declare a stack: the default export of `alchemy.run.ts`. */
export const defineStack = (definition: StackDefinition): Stack => ({ ...definition, [StackTypeId]: StackTypeId })

/** Is this value a stack made by {@link defineStack}? */
export const isStack = (u: unknown): u is Stack =>
  typeof u === "object" && u !== null && (u as any)[StackTypeId] === StackTypeId
