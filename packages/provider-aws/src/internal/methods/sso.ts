/**
 * `sso`: IAM Identity Center. Sign in (PKCE on a loopback by default, `no-browser` to paste the redirect URL, or
 * the device code with `use-device-code`), pick the account and role (asked unless given or only one), get the
 * role credentials and verify them with `GetCallerIdentity`. `login` signs in again, keeping the registration and
 * the account/role.
 *
 * @internal
 */
import type { ConfigureInput } from "@alchemy/profile-core/AuthProvider"
import { Interaction } from "@alchemy/profile-core/Interaction"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import { type AwsProviderEntry, providerId, type SessionCredentials, SsoFile, type SsoSettings } from "../../AwsConfig.js"
import { AwsError } from "../../AwsError.js"
import { callerIdentity, refreshSso, validSession } from "../shared.js"
import * as AwsSso from "../../AwsSso.js"
import { type Kit, type Method, missing, switchOf, valueOf, withoutMethodSettings } from "./method.js"

/** The SSO credentials file of a fresh sign-in. */
const ssoFile = (
  registration: AwsSso.Registration,
  token: AwsSso.SsoToken,
  roleCredentials: SessionCredentials
): SsoFile => ({
  type: "sso",
  accessToken: token.accessToken,
  ...(token.refreshToken !== undefined ? { refreshToken: token.refreshToken } : {}),
  expiresAt: token.expiresAt,
  clientId: registration.clientId,
  clientSecret: registration.clientSecret,
  registrationExpiresAt: registration.expiresAt,
  registrationGrant: registration.grant,
  roleCredentials
})

const signIn = (
  kit: Kit,
  profile: ProfileName,
  input: ConfigureInput,
  settings: Omit<SsoSettings, "accountId" | "roleName"> & Partial<SsoSettings>
) =>
  Effect.gen(function*() {
    const previous = yield* kit.readFile(profile)
    const grant = switchOf(input, "use-device-code") ? "device" as const : "authorization_code" as const
    const existing = previous?.type === "sso" && previous.registrationGrant !== undefined
      ? Option.some<AwsSso.Registration>({
        clientId: previous.clientId,
        clientSecret: previous.clientSecret,
        expiresAt: previous.registrationExpiresAt,
        grant: previous.registrationGrant
      })
      : Option.none()
    const full = { accountId: "", roleName: "", ...settings }
    const registration = yield* AwsSso.register(profile, full, grant, existing)
    const noBrowser = switchOf(input, "no-browser")
    const token = grant === "device"
      ? yield* AwsSso.loginWithDeviceCode(profile, full, registration, { noBrowser })
      : yield* AwsSso.loginWithAuthorizationCode(profile, full, registration, { noBrowser })
    return { registration, token }
  }).pipe(Effect.provideService(Interaction, kit.interaction))

const pickAccount = (kit: Kit, input: ConfigureInput, profile: ProfileName, region: string, token: Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    const given = valueOf(input, "sso-account-id")
    const accounts = yield* AwsSso.listAccounts(profile, region, token)
    if (given !== undefined) {
      if (!accounts.some((a) => a.accountId === given)) {
        return yield* new AwsError({
          reason: "AccessDenied",
          profile,
          detail: `account ${given} is not available to this sign-in (available: ${
            accounts.map((a) => `${a.accountName}: ${a.accountId}`).join(", ") || "none"
          })`
        })
      }
      return given
    }
    if (accounts.length === 0) {
      return yield* new AwsError({ reason: "AccessDenied", profile, detail: "this sign-in has no AWS accounts" })
    }
    if (accounts.length === 1) return accounts[0]!.accountId
    return yield* kit.interaction.select({
      message: "AWS account",
      flag: "--sso-account-id",
      choices: accounts.map((a) => ({
        title: `${a.accountName} (${a.accountId})`,
        value: a.accountId,
        ...(a.emailAddress !== undefined ? { description: a.emailAddress } : {})
      }))
    })
  })

const pickRole = (
  kit: Kit,
  input: ConfigureInput,
  profile: ProfileName,
  region: string,
  token: Redacted.Redacted<string>,
  accountId: string
) =>
  Effect.gen(function*() {
    const given = valueOf(input, "sso-role-name")
    const roles = yield* AwsSso.listAccountRoles(profile, region, token, accountId)
    if (given !== undefined) {
      if (!roles.includes(given)) {
        return yield* new AwsError({
          reason: "AccessDenied",
          profile,
          detail: `role ${given} is not available in account ${accountId} (available: ${roles.join(", ") || "none"})`
        })
      }
      return given
    }
    if (roles.length === 0) {
      return yield* new AwsError({ reason: "AccessDenied", profile, detail: `no roles in account ${accountId}` })
    }
    if (roles.length === 1) return roles[0]!
    return yield* kit.interaction.select({
      message: `Role in account ${accountId}`,
      flag: "--sso-role-name",
      choices: roles.map((role) => ({ title: role, value: role }))
    })
  })

const configure = (kit: Kit, input: ConfigureInput, previous: Partial<AwsProviderEntry> | undefined) =>
  Effect.gen(function*() {
    const profile = input.profile
    const startUrl = yield* kit.ask(input, "sso-start-url", "IAM Identity Center start URL", previous?.sso?.startUrl)
    const ssoRegion = yield* kit.ask(input, "sso-region", "IAM Identity Center region", previous?.sso?.region ?? "us-east-1")
    const region = yield* kit.askRegion(input, previous?.region ?? ssoRegion)
    const { registration, token } = yield* signIn(kit, profile, input, { startUrl, region: ssoRegion })
    const accountId = yield* pickAccount(kit, input, profile, ssoRegion, token.accessToken)
    const roleName = yield* pickRole(kit, input, profile, ssoRegion, token.accessToken, accountId)
    const settings: SsoSettings = { startUrl, region: ssoRegion, accountId, roleName }
    const roleCredentials = yield* AwsSso.getRoleCredentials(profile, settings, token.accessToken)
    const identity = yield* callerIdentity(profile, roleCredentials, region)
    return {
      entry: {
        ...previous,
        method: "sso" as const,
        ...(region !== undefined ? { region } : {}),
        metadata: { id: identity.account || accountId, name: identity.arn },
        sso: settings
      },
      file: { schema: SsoFile, value: ssoFile(registration, token, roleCredentials) }
    }
  })

/** @internal */
export const sso: Method = {
  id: "sso",
  configure: (kit, input, previous) =>
    configure(kit, input, previous?.method === "sso" ? previous : withoutMethodSettings(previous)),
  login: (kit, input, entry) =>
    Effect.gen(function*() {
      const settings = entry.sso
      if (settings === undefined) {
        const configured = yield* configure(kit, input, entry)
        yield* kit.savePair(input.profile, configured.entry, configured.file)
        return undefined
      }
      const profile = input.profile
      const { registration, token } = yield* signIn(kit, profile, input, settings)
      const roleCredentials = yield* AwsSso.getRoleCredentials(profile, settings, token.accessToken)
      yield* kit.savePair(profile, undefined, { schema: SsoFile, value: ssoFile(registration, token, roleCredentials) })
      return undefined
    }),
  resolve: (kit, { base, entry, profile }) =>
    Effect.gen(function*() {
      const settings = entry.sso
      if (settings === undefined) return yield* missing(profile, "the sso settings (start URL, account, role)")
      const file = yield* kit.refresher.getValid({
        profile,
        provider: providerId,
        schema: SsoFile,
        isValid: (current, now) =>
          current.type === "sso" && validSession(current.roleCredentials, now.nowMillis, now.skewMillis),
        refresh: (current) => refreshSso(profile, settings, current)
      })
      const c = file.roleCredentials!
      return { ...base, ...c }
    }),
  sourceDetail: (entry) => entry.sso !== undefined ? `${entry.sso.roleName} @ ${entry.sso.accountId}` : undefined
}
