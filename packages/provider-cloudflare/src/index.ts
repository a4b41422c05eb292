/**
 * Cloudflare credentials for Alchemy profiles: OAuth, API tokens and global keys; accounts; refresh and revoke;
 * the `CloudflareCredentials` service for consumers.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as AccountId from "./AccountId.js"
/** @since 0.3.0 */
export * as CloudflareAccountPin from "./CloudflareAccountPin.js"
/** @since 0.1.0 */
export * as CloudflareAccounts from "./CloudflareAccounts.js"
/** @since 0.1.0 */
export * as CloudflareApi from "./CloudflareApi.js"
/** @since 0.1.0 */
export * as CloudflareCredentials from "./CloudflareCredentials.js"
/** @since 0.4.0 */
export * as CloudflareDescriptor from "./CloudflareDescriptor.js"
/** @since 0.1.0 */
export * as CloudflareEndpoints from "./CloudflareEndpoints.js"
/** @since 0.1.0 */
export * as CloudflareErrors from "./CloudflareErrors.js"
/** @since 0.1.0 */
export * as CloudflareOAuth from "./CloudflareOAuth.js"
/** @since 0.4.0 */
export * as CloudflarePort from "./CloudflarePort.js"
/** @since 0.1.0 */
export * as CloudflareProfile from "./CloudflareProfile.js"
/** @since 0.1.0 */
export * as CloudflareProvider from "./CloudflareProvider.js"
/** @since 0.1.0 */
export * as CloudflareSdk from "./CloudflareSdk.js"
