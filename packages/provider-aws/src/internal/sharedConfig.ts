/**
 * Settings of an AWS CLI profile that are not credentials, read from the shared config files with the SDK's own
 * loader (so `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`, `[default]` / `[profile name]` and comments mean
 * what they mean to `fromIni` and the AWS CLI). Loaded lazily, like every SDK module.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { loadSharedConfig } from "./sdk.js"

/** The `region` an AWS CLI profile names, and the file it is written in. @internal */
export interface AwsProfileRegion {
  readonly awsProfile: string
  readonly region: string
  /** `$AWS_CONFIG_FILE`, or `~/.aws/config` (the same for the credentials file). */
  readonly file: string
}

const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === "" ? undefined : value.trim())

/**
 * The `region` of AWS profile `awsProfile`: the config file's, else the credentials file's (the SDK reads both,
 * the config file first). `undefined` when neither names one, or the files cannot be read (resolving the
 * profile's credentials reports that).
 *
 * @internal
 */
export const profileRegion = (
  awsProfile: string,
  env: Readonly<Record<string, string | undefined>> = process.env
): Effect.Effect<AwsProfileRegion | undefined> =>
  Effect.tryPromise(async () => {
    const sdk = await loadSharedConfig()
    const files = await sdk.loadSharedConfigFiles({ ignoreCache: true })
    const fromConfig = nonEmpty(files.configFile[awsProfile]?.region)
    if (fromConfig !== undefined) {
      return { awsProfile, region: fromConfig, file: nonEmpty(env.AWS_CONFIG_FILE) ?? "~/.aws/config" }
    }
    const fromCredentials = nonEmpty(files.credentialsFile[awsProfile]?.region)
    if (fromCredentials !== undefined) {
      return {
        awsProfile,
        region: fromCredentials,
        file: nonEmpty(env.AWS_SHARED_CREDENTIALS_FILE) ?? "~/.aws/credentials"
      }
    }
    return undefined
  }).pipe(Effect.orElseSucceed(() => undefined))
