/**
 * Server configuration: defaults, environment variables and flags.
 *
 * Flags override environment variables, which override these defaults.
 * Deployment manifests (deploy/k8s) are checked against these values.
 *
 * @module
 */

/** Default gRPC port (Segmentation, Training, health, reflection). */
export const DEFAULT_GRPC_PORT = 50051;
/** Default HTTP port (healthz, readyz, metrics, viewer). */
export const DEFAULT_HTTP_PORT = 8080;
/** Default model registry folder, relative to the working directory. */
export const DEFAULT_MODELS_DIR = "models";
/** Default maximum gRPC message size in bytes (256 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
