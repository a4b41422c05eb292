/**
 * @alchemy/provider-aws: AWS credentials in alchemy profiles (IAM Identity Center, access keys, assume-role with
 * cached MFA sessions, AWS CLI profiles), consumer layers, an SDK v3 credential provider and AWS-tool interop.
 *
 * @since 0.1.0
 */

/** @since 0.3.0 */
export * as AwsAccountPin from "./AwsAccountPin.js"
/** @since 0.1.0 */
export * as AwsAuthProvider from "./AwsAuthProvider.js"
/** @since 0.1.0 */
export * as AwsConfig from "./AwsConfig.js"
/** @since 0.1.0 */
export * as AwsCredentials from "./AwsCredentials.js"
/** @since 0.3.0 */
export * as AwsEphemeral from "./AwsEphemeral.js"
/** @since 0.4.0 */
export * as AwsDescriptor from "./AwsDescriptor.js"
/** @since 0.1.0 */
export * as AwsError from "./AwsError.js"
/** @since 0.1.0 */
export * as AwsLive from "./AwsLive.js"
/** @since 0.4.0 */
export * as AwsPort from "./AwsPort.js"
/** @since 0.1.0 */
export * as AwsResolver from "./AwsResolver.js"
/** @since 0.1.0 */
export * as AwsSso from "./AwsSso.js"
/** @since 0.1.0 */
export * as CredentialProcess from "./CredentialProcess.js"
