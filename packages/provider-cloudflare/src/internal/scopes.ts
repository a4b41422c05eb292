/** @internal Scope lists from reference/cloudflare.md. */
export const defaultScopes: ReadonlyArray<string> = (
  "account:read user:read workers:write workers_kv:write workers_routes:write workers_scripts:write " +
  "workers_tail:read d1:write pages:write zone:read ssl_certs:write ai:write queues:write pipelines:write " +
  "secrets_store:write containers:write cloudchamber:write vectorize:write"
).split(" ")

/** @internal */
export const otherScopes: ReadonlyArray<string> = (
  "access:read access:write workers:read workers_builds:read workers_builds:write workers_observability:read " +
  "workers_observability:write workers_observability_telemetry:write pages:read ai:read aig:read aig:write " +
  "agw:read agw:run agw:write aiaudit:read aiaudit:write ai-search:read ai-search:write ai-search:run rag:read " +
  "rag:write dns_records:read dns_records:edit dns_settings:read dns_analytics:read logpush:read logpush:write " +
  "auditlogs:read lb:read lb:edit notification:read notification:write pipelines:read pipelines:setup " +
  "r2_catalog:write query_cache:write secrets_store:read browser:read browser:write constellation:write " +
  "teams:read teams:write teams:pii teams:secure_location sso-connector:read sso-connector:write " +
  "connectivity:admin connectivity:bind connectivity:read cfone:read cfone:write dex:read dex:write " +
  "url_scanner:read url_scanner:write radar:read billing:read billing:write"
).split(" ")

/** @internal */
export const scopePattern = /^[a-z0-9_-]+:[a-z0-9_-]+$/
