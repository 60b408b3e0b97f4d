export { type ServerEnvConfig, serverConfigFromEnv } from "./server/config";
export { hearthApi } from "./server/hearth-api";
export { createLogger, type Logger, type LoggerOptions, REDACTED_PATHS } from "./server/logger";
export {
  closedResponseMeta,
  type RequestMeta,
  type RequestMetaOptions,
  type ResponseMeta,
  requestMeta,
  responseMeta,
  webSocketRequestMeta,
} from "./server/request-meta";
export {
  createHearthServer,
  DEFAULT_MAX_BODY_BYTES,
  formatUrl,
  HEALTH_PATH,
  type HearthServer,
  type HearthServerOptions,
  type ServerApi,
  type ServerApiDeps,
  type ServerApiFactory,
  TRPC_PREFIX,
  TRPC_WS_PATH,
} from "./server/server";
export {
  createTRPCNodeHandler,
  type TRPCCreateContextOptions,
  type TRPCNodeHandler,
  type TRPCNodeHandlerOptions,
} from "./server/trpc-handler";
