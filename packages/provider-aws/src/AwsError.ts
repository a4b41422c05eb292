/**
 * The AWS provider's typed error. The `message` says what happened and what to do next; it never carries a
 * secret (nor a web identity token) (details are built from error names and AWS messages, which hold no credentials). The detail holds text from
 * AWS (messages, account and role names): it is printed on one line, control characters escaped.
 *
 * @since 0.1.0
 */
import { printable } from "@alchemy/profile-core/Printable"
import * as Schema from "effect/Schema"

/** @since 0.1.0 */
export const AwsErrorReason = Schema.Literal(
  "InvalidCredentials",
  "AccessDenied",
  "SsoFailed",
  "AssumeRoleFailed",
  "AwsProfileFailed",
  "CredentialProcessLoop",
  "MissingSetting",
  "InvalidSetting",
  "Timeout",
  "WebIdentityToken",
  "WebIdentityFailed"
)
/** @since 0.1.0 */
export type AwsErrorReason = typeof AwsErrorReason.Type

/**
 * @since 0.1.0
 */
export class AwsError extends Schema.TaggedError<AwsError>("@alchemy/provider-aws/AwsError")("AwsError", {
  reason: AwsErrorReason,
  profile: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    const p = this.profile
    const detail = printable(this.detail)
    switch (this.reason) {
      case "InvalidCredentials":
        return `AWS rejected the credentials of profile ${p}: ${detail}. Check the access key and secret, then run \`alchemy configure --profile ${p} --provider aws\`.`
      case "AccessDenied":
        return `AWS denied access for profile ${p}: ${detail}. Check that the account and role are assigned to you and allow this, then run \`alchemy login --profile ${p}\` (or \`alchemy configure --profile ${p} --provider aws\` to pick another account or role).`
      case "SsoFailed":
        return `IAM Identity Center sign-in for profile ${p} failed: ${detail}. Run \`alchemy login --profile ${p}\` to try again.`
      case "AssumeRoleFailed":
        return `Assuming the role of profile ${p} failed: ${detail}. Check the role ARN, external id and MFA code, then run \`alchemy login --profile ${p}\`.`
      case "AwsProfileFailed":
        return `Resolving the AWS CLI profile used by alchemy profile ${p} failed: ${detail}. Check ~/.aws/config (or AWS_CONFIG_FILE) and try \`aws sts get-caller-identity --profile <name>\`.`
      case "CredentialProcessLoop":
        return `Credential loop for profile ${p}: ${detail}. An aws-profile's credential_process calls back into alchemy for a profile that is already being resolved; point it at a different profile or method.`
      case "MissingSetting":
        return `Profile ${p} is missing an AWS setting: ${detail}. Run \`alchemy configure --profile ${p} --provider aws\`.`
      case "InvalidSetting":
        return `Invalid AWS setting for profile ${p}: ${detail}.`
      case "Timeout":
        return `Timed out for profile ${p}: ${detail}. Run \`alchemy login --profile ${p}\` to try again.`
      case "WebIdentityToken":
        return `Profile ${p} could not get a web identity token: ${detail}.`
      case "WebIdentityFailed":
        return `Assuming the role of web identity profile ${p} failed: ${detail}.`
    }
  }
}
