// pnpm hooks (https://pnpm.io/pnpmfile).
//
// beforePacking: the packed @alchemy/provider-aws lists, next to its AWS SDK clients, every @aws-sdk/* package of
// their tree at the exact version pnpm-workspace.yaml's `overrides` pin. npm cannot take overrides from a dependency;
// with these pins as the package's own dependencies, npm places them at the top of a consumer's node_modules, where
// the clients' ^ranges are satisfied by them, and the tree keeps one @aws-sdk/core (3.974.7, no
// NodeVersionSupportWarning on Node 20). apps/cli/test/packaging.test.ts installs the tarball and checks both.
const fs = require("node:fs")
const path = require("node:path")

const awsSdkPins = () => {
  const text = fs.readFileSync(path.join(__dirname, "pnpm-workspace.yaml"), "utf8")
  const block = /^overrides:\n((?:[ \t]+.*\n?|\n)*)/m.exec(text)
  const pins = {}
  for (const line of (block ? block[1] : "").split("\n")) {
    const m = /^\s+"?(@aws-sdk\/[a-z0-9-]+)"?:\s*(\S+)\s*$/.exec(line)
    if (m) pins[m[1]] = m[2]
  }
  return pins
}

module.exports = {
  hooks: {
    beforePacking(pkg) {
      if (pkg.name === "@alchemy/provider-aws") {
        pkg.dependencies = { ...awsSdkPins(), ...pkg.dependencies }
      }
      return pkg
    }
  }
}
