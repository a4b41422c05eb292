/**
 * The `api-key` method (legacy): the account-wide global API key plus the account's email, given on stdin or from a
 * variable (`--api-key-stdin`, `--api-key-env`), asked for on a terminal, or kept by reference
 * (`--api-key-variable`: the profile stores the variable's name and the email). Verified with `/user`. Nothing to
 * revoke: the key is the person's.
 *
 * @internal
 */
import { secretFlags } from "@alchemy/profile-core/AuthProvider"
import { Interaction } from "@alchemy/profile-core/Interaction"
import { printable } from "@alchemy/profile-core/Printable"
import { redactRedacted, registerSecret } from "@alchemy/profile-core/Redaction"
import * as Effect from "effect/Effect"
import { CloudflareApi } from "../../CloudflareApi.js"
import { secrets } from "../../CloudflareDescriptor.js"
import { credentialOf } from "../credential.js"
import type * as Variable from "../variable.js"
import { collected, descriptorOf, type MethodModule, readReferenced, referencedVariable } from "./method.js"

const secret = secrets.find((s) => s.name === "api-key")!

/** @internal */
export const apiKey: MethodModule<"api-key"> = {
  descriptor: descriptorOf("api-key"),
  reference: "api-key",
  collect: ({ input }) =>
    Effect.gen(function*() {
      const interaction = yield* Interaction
      const api = yield* CloudflareApi
      const variable = yield* referencedVariable(input, "api-key")
      const key = variable !== undefined
        ? yield* readReferenced(input, "api-key", variable)
        : input.secrets["api-key"] ??
          (yield* interaction.secret({ message: secret.title, flag: secretFlags(secret) }))
      registerSecret(key)
      const email = (input.values.email ??
        (yield* interaction.text({
          message: "Email address of the Cloudflare account",
          flag: "--email",
          validate: (v) => (/^[^\s@]+@[^\s@]+$/.test(v.trim()) ? undefined : "enter an email address")
        }))).trim()
      const reference: Variable.Reference | undefined = variable === undefined
        ? undefined
        : { kind: "api-key", variable, email }
      if (key === undefined) return collected(undefined, reference)
      yield* api.user({ _tag: "GlobalKey", key, email })
      return collected({ type: "api-key", apiKey: key, email }, reference)
    }),
  verify: (stored) => Effect.flatMap(CloudflareApi, (api) => Effect.asVoid(api.user(credentialOf(stored)))),
  view: (stored) => ({
    lines: [
      { label: "apiKey", value: redactRedacted(stored.apiKey), secret: true },
      { label: "email", value: printable(stored.email) }
    ],
    json: { email: stored.email }
  }),
  entry: () => ({}),
  revoke: undefined
}
