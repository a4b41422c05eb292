/**
 * Printing profiles the way DESIGN §7 shows them:
 * ```
 * Profile: default
 * ── AWS ──
 * accessKeyId: ASIA****
 * ── Cloudflare ──
 * accessToken: Xl06****
 * ```
 */
import type { Description } from "@alchemy/profile-core/AuthProvider"
import { printable } from "@alchemy/profile-core/Printable"
import { redact } from "@alchemy/profile-core/Redaction"
import * as Output from "./Output.js"

/** A `secret` line is redacted here as well, whatever the provider did. */
const safeValue = (value: string, secret: boolean | undefined): string =>
  secret === true && !value.endsWith("****") ? redact(value) : value

export const heading = (title: string): string => Output.bold(`── ${title} ──`)

/** The lines of one provider section; each value is one line, control characters escaped (it may come from a server). */
export const section = (title: string, lines: ReadonlyArray<{ label: string; value: string; secret?: boolean }>): Array<string> => [
  heading(title),
  ...lines.map((l) => `${Output.dim(`${l.label}:`)} ${printable(safeValue(l.value, l.secret))}`)
]

export const descriptionLines = (d: Description): Array<string> => section(d.title, d.lines)

/** Sections sorted by title (AWS before Cloudflare, as in the design). */
export const byTitle = <A extends { readonly title: string }>(items: ReadonlyArray<A>): Array<A> =>
  [...items].sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0))

/** `Profile: <name>` then each provider. */
export const profileBlock = (profile: string, descriptions: ReadonlyArray<Description>): string =>
  [`${Output.bold("Profile:")} ${profile}`, ...byTitle(descriptions).flatMap(descriptionLines)].join("\n")
