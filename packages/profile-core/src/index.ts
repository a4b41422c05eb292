/**
 * @alchemy/profile-core: named credential profiles, stored safely. See README.md and CONTRACT.md.
 *
 * @since 0.1.0
 */
export * as AlchemyHome from "./AlchemyHome.js"
export * as AuthProvider from "./AuthProvider.js"
export * as ConfigFile from "./ConfigFile.js"
export * as Credentials from "./Credentials.js"
export * as CredentialStore from "./CredentialStore.js"
export * as Environment from "./Environment.js"
export * as Errors from "./Errors.js"
export * as FileLock from "./FileLock.js"
export * as Interaction from "./Interaction.js"
export * as Migration from "./Migration.js"
export * as Permissions from "./Permissions.js"
export * as Printable from "./Printable.js"
export * as ProfileCore from "./ProfileCore.js"
export * as ProfileName from "./ProfileName.js"
export * as ProfileStore from "./ProfileStore.js"
export * as Redaction from "./Redaction.js"
export * as SecretVariable from "./SecretVariable.js"
export * as Selection from "./Selection.js"

export { layer, layerAt } from "./ProfileCore.js"
