/// <reference types="astro/client" />

interface ImportMetaEnv {
  /** Base URL of the task API; http://localhost:3000 when unset. */
  readonly PUBLIC_API_URL?: string;
  /** The API's WebSocket endpoint (live updates); PUBLIC_API_URL with :3000 -> :3001 when unset. */
  readonly PUBLIC_WS_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
