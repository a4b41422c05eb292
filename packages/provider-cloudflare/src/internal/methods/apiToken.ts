/**
 * The `api-token` method: a scoped API token created in the Cloudflare dashboard, given on stdin or from a variable
 * (`--api-token-stdin`, `--api-token-env`), asked for on a terminal, or kept by reference (`--api-token-variable`:
 * the profile stores the variable's name). Verified with `/user/tokens/verify` (or the account's endpoint for an
 * account token). Nothing to revoke: the token is the person's.
 *
 * @internal
 */
import { secretFlags } from "@alchemy/profile-core/AuthProvider"
import { Interaction } from "@alchemy/profile-core/Interaction"
import { redactRedacted, registerSecret } from "@alchemy/profile-core/Redaction"
import * as Effect from "effect/Effect"
import { secrets } from "../../CloudflareDescriptor.js"
import type * as Variable from "../variable.js"
import { collected, descriptorOf, type MethodModule, readReferenced, referencedVariable, verifyToken } from "./method.js"

const secret = secrets.find((s) => s.name === "api-token")!

/** @internal */
export const apiToken: MethodModule<"api-token"> = {
  descriptor: descriptorOf("api-token"),
  reference: "api-token",
  collect: ({ input }) =>
    Effect.gen(function*() {
      const accountId = input.values["account-id"]
      const variable = yield* referencedVariable(input, "api-token")
      if (variable !== undefined) {
        const reference: Variable.Reference = { kind: "api-token", variable, email: undefined }
        const token = yield* readReferenced(input, "api-token", variable)
        if (token === undefined) return collected(undefined, reference)
        yield* verifyToken(token, accountId)
        return collected({ type: "api-token", apiToken: token }, reference)
      }
      const interaction = yield* Interaction
      const token = input.secrets["api-token"] ??
        (yield* interaction.secret({ message: secret.title, flag: secretFlags(secret) }))
      registerSecret(token)
      yield* verifyToken(token, accountId)
      return collected({ type: "api-token", apiToken: token }, undefined)
    }),
  verify: (stored, accountId) => verifyToken(stored.apiToken, accountId),
  view: (stored) => ({ lines: [{ label: "apiToken", value: redactRedacted(stored.apiToken), secret: true }], json: {} }),
  entry: () => ({}),
  revoke: undefined
}
