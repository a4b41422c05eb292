import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/globalSetup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The end-to-end suites spawn many CLIs and a browser: one file at a time on a 2-core machine.
    fileParallelism: false
  }
})
