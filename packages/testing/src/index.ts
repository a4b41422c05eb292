export {}
export * as AwsEmulator from "./AwsEmulator.js"
