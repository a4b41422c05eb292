export {}
export * as AwsEmulator from "./AwsEmulator.js"
export * as Browser from "./Browser.js"
export * as CloudflareEmulator from "./CloudflareEmulator.js"
