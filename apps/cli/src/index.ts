/**
 * `@alchemy/cli`: the stack file API (`defineStack`, `StackContext`) for `alchemy.run.ts`.
 *
 * @since 0.1.0
 */
export * from "./Stack.js"
