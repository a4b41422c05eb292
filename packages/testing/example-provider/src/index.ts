/**
 * Example Cloud: a test-only provider, the smallest complete implementation of profile-core's provider port.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as ExampleCredentials from "./ExampleCredentials.js"
/** @since 0.1.0 */
export * as ExampleDescriptor from "./ExampleDescriptor.js"
/** @since 0.1.0 */
export * as ExamplePort from "./ExamplePort.js"
/** @since 0.1.0 */
export * as ExampleServer from "./ExampleServer.js"
