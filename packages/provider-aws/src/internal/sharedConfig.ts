/**
 * Settings of an AWS CLI profile that are not credentials, read from the shared config files with the SDK's own
 * loader (so `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`, `[default]` / `[profile name]` and comments mean
 * what they mean to `fromIni` and the AWS CLI). Loaded lazily, like every SDK module.
 *
 * @internal
 */
import { Environment } from "@alchemy/profile-core/Environment"
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
 * The files the SDK reads for AWS CLI profiles, as `env` names them (`AWS_SHARED_CREDENTIALS_FILE`,
 * `AWS_CONFIG_FILE`); unset ones are left to the SDK's defaults. Passed to the SDK's loaders so the files read are
 * the ones this package's `Environment` names, and the file a message names is the file that was read.
 *
 * @internal
 */
export const filesOf = (
  env: Readonly<Record<string, string | undefined>>
): { readonly filepath?: string; readonly configFilepath?: string } => {
  const filepath = nonEmpty(env.AWS_SHARED_CREDENTIALS_FILE)
  const configFilepath = nonEmpty(env.AWS_CONFIG_FILE)
  return { ...(filepath !== undefined ? { filepath } : {}), ...(configFilepath !== undefined ? { configFilepath } : {}) }
}

/**
 * The `region` of AWS profile `awsProfile`: the config file's, else the credentials file's (the SDK reads both,
 * the config file first). `undefined` when neither names one, or the files cannot be read (resolving the
 * profile's credentials reports that). The files are the ones `env` names, or profile-core's `Environment` when no
 * `env` is given.
 *
 * @internal
 */
export const profileRegion = (
  awsProfile: string,
  env?: Readonly<Record<string, string | undefined>> | undefined
): Effect.Effect<AwsProfileRegion | undefined> =>
  Effect.flatMap(env === undefined ? Environment : Effect.succeed(env), (env) =>
    Effect.tryPromise(async () => {
      const sdk = await loadSharedConfig()
      const files = await sdk.loadSharedConfigFiles({ ...filesOf(env), ignoreCache: true })
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
    }).pipe(Effect.orElseSucceed(() => undefined)))
