/** The Cloudflare provider wired for the CLI. */
import * as CloudflareAccountPin from "@alchemy/provider-cloudflare/CloudflareAccountPin"
import * as CloudflareApi from "@alchemy/provider-cloudflare/CloudflareApi"
import * as CloudflareCredentials from "@alchemy/provider-cloudflare/CloudflareCredentials"
import * as CloudflareProvider from "@alchemy/provider-cloudflare/CloudflareProvider"
import * as Layer from "effect/Layer"
import { adapt, type Provider } from "../Providers.js"

const api = CloudflareApi.layerFetch()

export const provider: Provider = {
  id: "cloudflare",
  title: "Cloudflare",
  auth: adapt(CloudflareProvider.provider, api),
  credentials: (options) => CloudflareCredentials.layer(options).pipe(Layer.provide(api)),
  services: api,
  requireAccount: (expected, pinnedBy) => CloudflareAccountPin.require(expected, { pinnedBy }),
  fromEnvironment: CloudflareCredentials.fromEnv.pipe(Layer.provide(api))
}
