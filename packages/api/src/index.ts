export {
  type ApiConfig,
  type ApiConfigOptions,
  type ApiLogger,
  type Context,
  type CreateContextOptions,
  createApiConfig,
  createContextInner,
  DEFAULT_MAX_SESSION_BUFFER_BYTES,
  type RequestMeta,
  type ResponseMeta,
} from "./context";
export { type DomainErrorData, ForbiddenError, ThrottledError } from "./errors";
export { createHearthApi, type HearthApi, type HearthApiOptions } from "./hearth-api";
export type { SessionUser } from "./lib/authenticate";
export type * from "./lib/outputs";
export {
  DEFAULT_THROTTLE_RULES,
  type ThrottleRule,
  type ThrottleRuleName,
  type ThrottleRules,
} from "./lib/throttle";
export { type AppRouter, appRouter } from "./routers/_app";
export { type AutosaveInput, ZAutosaveInput } from "./routers/workspace/autosave";
