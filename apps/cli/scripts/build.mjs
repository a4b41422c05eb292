// Bundle the CLI into one CommonJS file, dist/main.cjs, plus a tiny CommonJS entry, dist/alchemy.cjs (the `bin`).
// The entry is CommonJS, not an ES module: Node's ES module loader costs a start ~7 ms more before the first line runs.
//
// Start-up time is dominated by V8 compiling the bundle. Node 20 has no module.enableCompileCache (22.1+), so the
// entry does what it would: it compiles dist/main.cjs with vm.Script and a V8 code cache kept under the user's
// cache directory ($XDG_CACHE_HOME/alchemy or ~/.cache/alchemy; never ALCHEMY_HOME), and refreshes that cache
// after a run that had none. Where node:module has enableCompileCache the entry uses that instead.
// Modules the commands import lazily (`import()`) are evaluated only when needed; tsx stays external.
import * as esbuild from "esbuild"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { startUpPatches } from "./start-up-patches.mjs"

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
// ALCHEMY_BUILD_OUTDIR and ALCHEMY_BUILD_WITHOUT=aws exist for the benchmark: it builds a second bundle without
// the AWS provider (and so without the AWS SDK) to show that the SDK costs a Cloudflare-only start nothing.
const dist = process.env.ALCHEMY_BUILD_OUTDIR ? path.resolve(process.env.ALCHEMY_BUILD_OUTDIR) : path.join(root, "dist")
const providerList = process.env.ALCHEMY_BUILD_PROVIDERS ? path.resolve(process.env.ALCHEMY_BUILD_PROVIDERS) : undefined
const without = new Set((process.env.ALCHEMY_BUILD_WITHOUT ?? "").split(",").filter((id) => id !== ""))
// Files are written under temporary names and renamed into place, so a CLI running from dist/ while a build
// happens (tests, another terminal) never sees a half-written bundle.
await fs.mkdir(dist, { recursive: true })
const temp = (name) => path.join(dist, `.${name}.${process.pid}.tmp`)
const publish = (name) => fs.rename(temp(name), path.join(dist, name))

/** The SDK modules provider-aws loads (packages/provider-aws/src/internal/sdk.ts), each on first use. */
const sdkModules = [
  "@aws-sdk/client-sso-oidc",
  "@aws-sdk/client-sso",
  "@aws-sdk/client-sts",
  "@aws-sdk/credential-providers",
  "@smithy/core/config"
]
const sdkFilter = new RegExp(`^(${sdkModules.map((m) => m.replace(/[/.-]/g, "\\$&")).join("|")})$`)

await esbuild.build({
  absWorkingDir: root,
  stdin: {
    // Each module is evaluated when first asked for (a getter), not when the file is loaded.
    contents: sdkModules.map((m) =>
      `Object.defineProperty(exports, ${JSON.stringify(m)}, { enumerable: true, get: () => require(${JSON.stringify(m)}) })`
    ).join("\n"),
    resolveDir: path.join(root, "..", "..", "packages", "provider-aws"),
    sourcefile: "aws-sdk.cjs",
    loader: "js"
  },
  outfile: temp("aws-sdk.cjs"),
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  legalComments: "none",
  minify: process.env.ALCHEMY_BUILD_MINIFY !== "0",
  logLevel: "warning"
})

await esbuild.build({
  absWorkingDir: root,
  entryPoints: ["src/bin.ts"],
  outfile: temp("main.cjs"),
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // tsx registers loaders relative to its own files: it must stay a real package. The bundle reaches it through
  // dist/tsx-bridge.cjs, a real CommonJS file whose import() Node handles (code compiled from a V8 code cache has
  // no dynamic-import hook).
  external: ["./tsx-bridge.cjs", "./aws-sdk.cjs"],
  plugins: [{
    // The AWS SDK (~40% of the code) lives in its own file, dist/aws-sdk.cjs, required on the first AWS call: the
    // commands that make none (most runs) neither read nor compile it.
    name: "aws-sdk-apart",
    setup(build) {
      build.onResolve({ filter: sdkFilter }, (args) =>
        args.kind === "dynamic-import" ? { path: args.path, namespace: "aws-sdk-apart" } : undefined)
      build.onLoad({ filter: /.*/, namespace: "aws-sdk-apart" }, (args) => ({
        contents: `module.exports = require("./aws-sdk.cjs")[${JSON.stringify(args.path)}]`,
        loader: "js"
      }))
    }
  }, {
    name: "without-providers",
    setup(build) {
      // A provider's implementation is the module its descriptor loads: <Title>Port.js.
      build.onResolve({ filter: /\/[A-Z][A-Za-z]*Port\.js$/ }, (args) => {
        const id = /\/([A-Z][A-Za-z]*)Port\.js$/.exec(args.path)[1].toLowerCase()
        return without.has(id) ? { path: id, namespace: "without-provider" } : undefined
      })
      build.onLoad({ filter: /.*/, namespace: "without-provider" }, (args) => ({
        contents: `throw new Error("this build of alchemy has no ${args.path} provider")`,
        loader: "js"
      }))
    }
  }, {
    // ALCHEMY_BUILD_PROVIDERS=<file>: a provider list in place of src/ProviderList.ts (a test builds the CLI with
    // one more provider registered, to prove that registering one is all it takes).
    name: "provider-list",
    setup(build) {
      if (!providerList) return
      // Loaded as if it were src/ProviderList.ts, so its imports resolve as that file's do.
      build.onResolve({ filter: /\/ProviderList\.js$/ }, () => ({ path: providerList, namespace: "provider-list" }))
      build.onLoad({ filter: /.*/, namespace: "provider-list" }, async (args) => ({
        contents: await fs.readFile(args.path, "utf8"),
        loader: "ts",
        resolveDir: path.join(root, "src")
      }))
    }
  }, startUpPatches, {
    name: "tsx-bridge",
    setup(build) {
      build.onResolve({ filter: /^tsx\/esm\/api$/ }, () => ({ path: "tsx-bridge", namespace: "tsx-bridge" }))
      build.onLoad({ filter: /.*/, namespace: "tsx-bridge" }, () => ({
        contents: "module.exports = require('./tsx-bridge.cjs')",
        loader: "js"
      }))
    }
  }],
  define: { "import.meta.url": "__alchemyImportMetaUrl" },
  banner: {
    js: "const __alchemyImportMetaUrl = require('node:url').pathToFileURL(__filename).href;\n" +
      // A Node built-in module the bundle names at its top level but most commands never use (lazyBuiltins below):
      // required on first use. A property read loads it; `default` is the module itself, as with esbuild's __toESM.
      "const __alchemyLazy = (id) => { let m; const load = () => m ??= require(id); " +
      "return new Proxy({}, { get: (_, k) => k === 'default' ? load() : load()[k], has: (_, k) => k in load(), " +
      "ownKeys: () => Reflect.ownKeys(load()), getOwnPropertyDescriptor: (_, k) => { " +
      "const d = Reflect.getOwnPropertyDescriptor(load(), k); return d && { ...d, configurable: true } } }) };"
  },
  legalComments: "none",
  // ALCHEMY_BUILD_MINIFY=0 keeps names and esbuild's module comments, to read a --cpu-prof by module.
  minify: process.env.ALCHEMY_BUILD_MINIFY !== "0",
  keepNames: false,
  logLevel: "warning"
})

// import("node:x") inside the bundle (AWS SDK internals) becomes require: code compiled from a V8 code cache has no
// dynamic-import hook.
for (const name of ["main.cjs", "aws-sdk.cjs"]) {
  const file = temp(name)
  const text = await fs.readFile(file, "utf8")
  await fs.writeFile(file, text.replace(/\bimport\((["'])(node:[a-z_/]+)\1\)/g, "Promise.resolve().then(()=>require($1$2$1))"))
}

// Built-in modules that libraries import at their top level but most commands never use (node:crypto for
// @effect/platform-node's temporary file names, node:child_process for the keychain helper and `exec`, node:http
// for the OAuth callback server, node:readline for prompts, node:fs/promises for files the AWS methods read,
// node:module for the keychain binding's path, node:os for the home directory where ALCHEMY_HOME is unset): Node
// compiles each on its first require, ~0.3-3 ms each. In the bundle they become __alchemyLazy proxies (banner above),
// loaded on first use. esbuild's namespace wrapper, __toESM(require(x), 1), would read every export at once, so it
// is dropped: the proxy answers `default` itself.
const lazyBuiltins = [
  "crypto", "child_process", "http", "https", "net", "readline", "tty", "stream", "zlib", "worker_threads", "fs/promises",
  "module", "os"
]
{
  const file = temp("main.cjs")
  let text = await fs.readFile(file, "utf8")
  const ids = lazyBuiltins.map((m) => `(?:node:)?${m}`).join("|")
  const wrappers = new Set()
  text = text.replace(new RegExp(`\\b([A-Za-z_$][\\w$]*)\\(require\\("(${ids})"\\),\\s*1\\)`, "g"), (_, wrapper, id) => {
    wrappers.add(wrapper)
    return `__alchemyLazy(${JSON.stringify(id)})`
  })
  text = text.replace(new RegExp(`\\brequire\\("(${ids})"\\)`, "g"), (_, id) => `__alchemyLazy(${JSON.stringify(id)})`)
  // Every wrapper dropped must be the one __toESM: anything else means esbuild's output changed shape.
  if (wrappers.size > 1) throw new Error(`lazy built-ins: unexpected wrappers ${[...wrappers].join(", ")}`)
  await fs.writeFile(file, text)
}

await fs.writeFile(
  temp("tsx-bridge.cjs"),
  "// Loads tsx for stack files (see scripts/build.mjs).\n" +
    "exports.tsImport = (specifier, parent) => import('tsx/esm/api').then((m) => m.tsImport(specifier, parent))\n"
)
await publish("tsx-bridge.cjs")
await publish("aws-sdk.cjs")
await publish("main.cjs")

// Help is static: render it once here so `alchemy [command] --help` prints without loading the bundle. The commands
// are read from the root help (they come from the code, providers' own commands included: `aws credential-process`).
const { execFileSync } = await import("node:child_process")
const help = {}
const { NO_COLOR: _ignored, ...withoutNoColor } = process.env
const render = (words) =>
  execFileSync(process.execPath, [path.join(dist, "main.cjs"), ...words, "--help"], {
    env: { ...withoutNoColor, ALCHEMY_HELP_CAPTURE: "1", ALCHEMY_HOME: path.join(dist, ".no-home") },
    encoding: "utf8"
  })
const commandNames = (text) =>
  text.split("\n").flatMap((line) => {
    const m = /^\s+- (.+?)\s{2,}\S/.exec(line.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, ""))
    if (!m) return []
    const words = m[1].split(" ")
    const name = words.slice(0, words.findIndex((w) => !/^[a-z][a-z-]*$/.test(w)) >>> 0)
    return [name.length === 0 ? words.filter((w) => /^[a-z][a-z-]*$/.test(w)) : name]
  })
help[""] = render([])
const paths = commandNames(help[""]).filter((words) => words.length > 0)
// A group (`profile`, `aws`) has no line of its own: it is the first word of its subcommands.
const groups = [...new Set(paths.filter((words) => words.length > 1).map((words) => words[0]))]
for (const words of [...groups.map((g) => [g]), ...paths]) {
  const key = words.join(" ")
  if (!(key in help)) help[key] = render(words)
}
// The COMMANDS section of @effect/cli pads every line to the longest usage (configure has ~30 flags): list
// "name  description" instead; each command's own --help keeps the full usage.
const ansi = /\u001b\[[0-9;?]*[ -/]*[@-~]/g
for (const [key, text] of Object.entries(help)) {
  const rows = []
  const lines = text.split("\n")
  for (const line of lines) {
    const m = /^\s+- (.+?)\s{2,}(\S.*)$/.exec(line.replace(ansi, ""))
    if (m) rows.push({ line, name: m[1].split(" ").filter((w, i, all) => all.slice(0, i + 1).every((x) => /^[a-z][a-z-]*$/.test(x))).join(" "), description: m[2] })
  }
  if (rows.length === 0) continue
  const width = Math.max(...rows.map((r) => r.name.length))
  help[key] = lines
    .map((line) => {
      const row = rows.find((r) => r.line === line)
      return row ? `  ${row.name.padEnd(width)}  ${row.description}` : line
    })
    .filter((line, i, all) => !(line === "" && all[i + 1]?.startsWith("  ") && all[i - 1]?.startsWith("  ") && rows.length > 0 && /^  [a-z]/.test(all[i + 1] ?? "") && /^  [a-z]/.test(all[i - 1] ?? "")))
    .join("\n")
}
// @effect/cli's help says each option's type and optionality in words ("A user-defined piece of text.", "This
// setting is optional.") and lists its built-in options on every command: configure's help ran to 300 lines.
// Keep the flag, its value and its description; the built-in options on the root help only; and prefix the usage
// with the full command (`$ alchemy profile show`, not `$ show`).
const boilerplate = /^(A user-defined piece of text\.|A true or false value\.|An integer\.|This setting is optional\.|This argument must be repeated at least \d+ times?\.|One of the following: .*)$/
const builtIn = /^(--completions|--log-level|\(-h, --help\)|--wizard|--version)(\s|$)/
for (const [key, text] of Object.entries(help)) {
  const out = []
  let skipping = false
  let section = ""
  for (const line of text.split("\n")) {
    const plain = line.replace(ansi, "")
    if (/^[A-Z]+$/.test(plain)) section = plain
    if (section === "OPTIONS" && /^[-(]/.test(plain)) skipping = key !== "" && builtIn.test(plain)
    else if (/^[A-Z]+$/.test(plain)) skipping = false
    if (skipping || boilerplate.test(plain.trim())) continue
    if (section === "USAGE" && plain.startsWith("$ ") && key !== "") {
      out.push(line.replace(`$ ${key.split(" ").at(-1)}`, `$ alchemy ${key}`))
      continue
    }
    // No blank line between an option (or argument) and its description.
    if (plain.startsWith("  ") && out.length > 0 && out[out.length - 1] === "" && /^[-(<]/.test((out[out.length - 2] ?? "").replace(ansi, ""))) {
      out.pop()
    }
    if (plain === "" && out[out.length - 1] === "") continue
    out.push(line)
  }
  // "alchemy", then "alchemy 0.1.0": the name once, with its version.
  const first = out.findIndex((l) => l.replace(ansi, "") === "alchemy")
  if (first !== -1 && out[first + 1] === "" && /^alchemy \d/.test(out[first + 2] ?? "")) out.splice(first, 2)
  help[key] = out.join("\n")
}
await fs.writeFile(temp("help.json"), JSON.stringify(help))
await publish("help.json")

const entry = `#!/usr/bin/env node
"use strict"
// alchemy: compile the bundle with a V8 code cache (kept in the user's cache directory), then run it.
const fs = require("node:fs")
const path = require("node:path")

const argv = process.argv.slice(2)
const last = argv[argv.length - 1]
const groups = ${JSON.stringify(groups)}
const group = argv.length === 0 || (argv.length === 1 && groups.includes(argv[0]))
if (group || ((last === "--help" || last === "-h") && argv.length <= 3)) {
  // Pre-rendered help (scripts/build.mjs); colour only on a TTY and never with NO_COLOR.
  try {
    const help = JSON.parse(fs.readFileSync(path.join(__dirname, "help.json"), "utf8"))
    const text = help[(group ? argv : argv.slice(0, -1)).join(" ")]
    if (typeof text === "string") {
      const color = process.stdout.isTTY && !process.env.NO_COLOR && process.env.TERM !== "dumb"
      process.stdout.write(color ? text : text.replace(/\u001b\[[0-9;?]*[ -\/]*[@-~]/g, ""))
      process.exit(0)
    }
  } catch {}
}
const vm = require("node:vm")
const filename = path.join(__dirname, "main.cjs")
let source = fs.readFileSync(filename, "utf8")
let cacheFile
let cacheKey
let install
if (process.env.ALCHEMY_COMPILE_CACHE !== "0") {
  const base = process.env.XDG_CACHE_HOME || path.join(require("node:os").homedir(), ".cache")
  const stat = fs.statSync(filename)
  // Named after the install (a hash of the bundle's path) and its build: two installs side by side (a global one
  // and a project's) each keep their own caches instead of evicting each other's on every run.
  let hash = 0x811c9dc5
  for (let i = 0; i < filename.length; i++) hash = Math.imul(hash ^ filename.charCodeAt(i), 0x01000193)
  install = (hash >>> 0).toString(16).padStart(8, "0")
  const key = install + "-" + (process.version + "-" + process.arch + "-" + stat.size + "-" + Math.round(stat.mtimeMs)).replace(/[^A-Za-z0-9.-]/g, "_")
  // One cache per command: a cache holds the functions that run compiled, and commands run different code.
  const words = argv.filter((a) => !a.startsWith("-"))
  const depth = groups.includes(words[0]) ? 2 : 1
  const word = words.slice(0, depth).join("-").replace(/[^a-z-]/g, "").slice(0, 40)
  cacheFile = path.join(base, "alchemy", "compile-cache", key + "-" + (word || "none") + ".v8")
  cacheKey = key
}
// V8 does not check a code cache's payload (release builds skip the checksum): a corrupt one makes it abort the
// process (SIGTRAP) while compiling. So the file carries its own: a header, the payload's length and CRC-32
// (zlib's, Node 20.15+; without it no cache is used), and a file that does not match is ignored and rewritten.
const header = Buffer.from("alchemy-v8-cache-1:")
// The CRC-32 is the function node:zlib's crc32 calls, taken from Node's zlib binding: node:zlib itself loads Node's
// streams first, ~3 ms of every start for one function. process.binding is deprecated in the documentation only
// (DEP0111: it warns under --pending-deprecation alone), and the warning is held back for this one call; where the
// binding is gone or has no crc32, node:zlib's is used.
const crc32 = (() => {
  const quiet = process.noDeprecation
  try {
    process.noDeprecation = true
    const binding = process.binding("zlib")
    if (typeof binding.crc32 === "function") return (data) => binding.crc32(data, 0)
  } catch {} finally {
    process.noDeprecation = quiet
  }
  return require("node:zlib").crc32
})()
if (typeof crc32 !== "function") cacheFile = undefined
const readCache = (file) => {
  try {
    const raw = fs.readFileSync(file)
    const start = header.length + 8
    if (raw.length > start && raw.subarray(0, header.length).equals(header)) {
      const payload = raw.subarray(start)
      if (raw.readUInt32BE(header.length) === payload.length && raw.readUInt32BE(header.length + 4) === crc32(payload)) {
        return payload
      }
    }
  } catch {}
  return undefined
}
let cachedData
let borrowed = false
if (cacheFile) {
  cachedData = readCache(cacheFile)
  if (cachedData === undefined) {
    // This command's first run of this build: another command's cache of the same build already holds most of what
    // it runs (Effect, the CLI, core), so it starts from that one and writes its own at exit.
    try {
      const dir = path.dirname(cacheFile)
      const sibling = fs.readdirSync(dir).find((f) => f.startsWith(cacheKey + "-") && f.endsWith(".v8"))
      if (sibling !== undefined) {
        cachedData = readCache(path.join(dir, sibling))
        borrowed = cachedData !== undefined && sibling
      }
    } catch {}
  }
}
const script = new vm.Script("(function (exports, require, module, __filename, __dirname) {" + source + "\\n})", { filename, cachedData })
// The script keeps its own copy of the source; the file's text and the cache's bytes (~2 MB) are not needed again.
source = undefined
const fresh = cachedData === undefined || script.cachedDataRejected || borrowed !== false
// ALCHEMY_DEBUG_STARTUP=1: say on stderr which cache this run started from (paths only, never a value).
if (process.env.ALCHEMY_DEBUG_STARTUP === "1") {
  const state = !cacheFile ? "off" : cachedData === undefined ? "none" : script.cachedDataRejected ? "rejected by V8" : borrowed !== false ? "borrowed " + borrowed : "used"
  process.stderr.write("alchemy start-up cache: " + state + (cacheFile ? " (" + cacheFile + ")" : "") + "\\n")
}
cachedData = undefined
// With CI set the cache is used when present but never written: a CI job leaves its HOME as it found it (and a
// fresh runner would not keep it anyway).
const ci = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false" && process.env.CI !== "0"
if (cacheFile && !ci && fresh) {
  process.once("exit", () => {
    try {
      // One level at a time: a recursive mkdir under /proc (an odd XDG_CACHE_HOME) never returns.
      const dir = path.dirname(cacheFile)
      for (const d of [path.dirname(path.dirname(dir)), path.dirname(dir), dir]) {
        try { fs.mkdirSync(d, { mode: 0o700 }) } catch (e) { if (e.code !== "EEXIST") throw e }
      }
      const tmp = cacheFile + "." + process.pid + ".tmp"
      const data = script.createCachedData()
      const sizes = Buffer.alloc(8)
      sizes.writeUInt32BE(data.length, 0)
      sizes.writeUInt32BE(crc32(data), 4)
      fs.writeFileSync(tmp, Buffer.concat([header, sizes, data]), { mode: 0o600 })
      fs.renameSync(tmp, cacheFile)
      // This install's caches of earlier builds are of no use any more; another install's are removed once unused
      // for 30 days (a cache in use is touched daily, below).
      const now = Date.now()
      for (const f of fs.readdirSync(dir)) {
        if (!f.endsWith(".v8") || f.startsWith(cacheKey + "-")) continue
        const full = path.join(dir, f)
        try {
          if (f.startsWith(install + "-") || now - fs.statSync(full).mtimeMs > 30 * 864e5) fs.rmSync(full, { force: true })
        } catch {}
      }
    } catch {}
  })
} else if (cacheFile && !ci) {
  // A cache in use is touched once a day, so another install's cleanup (unused for 30 days) leaves it alone.
  try {
    if (Date.now() - fs.statSync(cacheFile).mtimeMs > 864e5) fs.utimesSync(cacheFile, new Date(), new Date())
  } catch {}
}
const bundle = { exports: {} }
script.runInThisContext()(bundle.exports, require, bundle, filename, __dirname)
`
await fs.writeFile(temp("alchemy.cjs"), entry, { mode: 0o755 })
await publish("alchemy.cjs")
// The entry of earlier builds (an ES module): gone, so nothing runs a stale one.
await fs.rm(path.join(dist, "alchemy.mjs"), { force: true })
