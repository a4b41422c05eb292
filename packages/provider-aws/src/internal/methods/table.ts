/**
 * The AWS methods as a table: one module per method, one row here; `AwsAuthProvider` (configure, login, describe)
 * and `AwsResolver` (resolve) dispatch through it. Adding a method is its module (implementing `Method`) and its
 * row, plus its entry in `AwsDescriptor.methods` (the picker, the flags) and its settings in `AwsConfig`.
 *
 * @internal
 */
import type { AwsMethod } from "../../AwsConfig.js"
import { accessKeys } from "./accessKeys.js"
import { assumeRole } from "./assumeRole.js"
import { awsProfile } from "./awsProfile.js"
import type { Method } from "./method.js"
import { sso } from "./sso.js"
import { webIdentity } from "./webIdentity.js"

/**
 * Every method, by id. The order matters only when inputs of several methods are given without `--method`: the
 * first row whose own inputs are given is the method they imply (web-identity's before access-keys').
 *
 * @internal
 */
export const table: Readonly<Record<AwsMethod, Method>> = {
  "web-identity": webIdentity,
  "access-keys": accessKeys,
  sso,
  "assume-role": assumeRole,
  "aws-profile": awsProfile
}

/** The method of an id, `undefined` for an id no row has. @internal */
export const methodOf = (id: string): Method | undefined =>
  Object.prototype.hasOwnProperty.call(table, id) ? table[id as AwsMethod] : undefined
