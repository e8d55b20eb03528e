/* Generated from schemas/switchboard.schema.json by `npm run gen:types`; do not edit. */

/**
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "auditSink".
 */
export type AuditSink =
  | {
      type: 'file';
      /**
       * The file events are appended to, one JSON object per line (relative to the config file's folder).
       */
      path: string;
    }
  | {
      type: 'stdout';
    }
  | {
      type: 'redis';
      /**
       * A Redis of its own for the stream (default: gateway.redis); a password in it is never logged.
       */
      url?: string;
      /**
       * The stream's key (default: "<gateway.redis.prefix>:audit").
       */
      stream?: string;
      /**
       * How many events the stream keeps, about (XADD MAXLEN ~).
       */
      max_len?: number;
    }
  | {
      type: 'otel';
      /**
       * OTLP/HTTP logs URL, e.g. http://collector:4318/v1/logs (default: from the OTEL_EXPORTER_OTLP_* variables, else http://localhost:4318/v1/logs).
       */
      endpoint?: string;
    };
/**
 * An MCP server the gateway starts as a child process and talks to over stdio.
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "stdioServer".
 */
export type StdioServer = BackendCommon & {
  /**
   * The program to start: a name looked up on the child's PATH, or a path (relative to cwd).
   */
  command: string;
  /**
   * Its arguments; relative paths in them are relative to cwd.
   */
  args?: string[];
  env?: StringMap;
  /**
   * Working directory of the child, relative to the config file's folder (default: that folder).
   */
  cwd?: string;
  /**
   * Pass the gateway's whole environment to the child (default: only HOME, PATH, SHELL, TERM, USER, LOGNAME plus env).
   */
  inherit_env?: boolean;
  /**
   * MCP protocol era spoken to this upstream: 2025-11-25 (initialize and a session; older revisions negotiated as usual), 2026-07-28 (per request), or auto (probe with server/discover, fall back to initialize; on stdio the probe starts a second child once). The known era is reused on reconnects.
   */
  protocol?: 'auto' | '2025-11-25' | '2026-07-28';
};
/**
 * An MCP server reached over Streamable HTTP.
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "httpService".
 */
export type HttpService = BackendCommon & {
  /**
   * An http:// or https:// URL: the upstream's Streamable HTTP endpoint, e.g. https://mcp.example.com/mcp.
   */
  base_url: string;
  headers?: StringMap1;
  auth?: Auth;
  /**
   * With session_mode per_client: downstream request headers passed to this client's upstream session (e.g. Authorization); see docs/protocol.md for the security trade-off.
   */
  forward_headers?: string[];
  /**
   * Connect/initialize timeout for the upstream.
   */
  timeout?: number | string;
  /**
   * MCP protocol era spoken to this upstream: auto (default: probe with server/discover, fall back to initialize), 2025-11-25 (initialize and a session) or 2026-07-28 (per request). The known era is reused on reconnects.
   */
  protocol?: 'auto' | '2025-11-25' | '2026-07-28';
  /**
   * The client transport: pool (default: switchboard's transport on undici's keep-alive connection pool) or sdk (the SDK's StreamableHTTPClientTransport on fetch, for an upstream the pool transport cannot serve).
   */
  http_client?: 'pool' | 'sdk';
};
/**
 * Credentials the gateway sends to the upstream (one of the types below).
 */
export type Auth = {
  type:
    | 'bearer'
    | 'api_key'
    | 'query_param'
    | 'basic'
    | 'oauth_client_credentials'
    | 'oauth_private_key_jwt'
    | 'token_exchange'
    | 'per_user_secret'
    | 'authorization_code';
} & (
  | {
      type: 'bearer';
      /**
       * Sent as Authorization: Bearer <token>.
       */
      token: string;
    }
  | {
      type: 'api_key';
      /**
       * The header that carries the key.
       */
      header?: string;
      /**
       * The key (usually ${VAR}).
       */
      key: string;
    }
  | {
      type: 'query_param';
      /**
       * The query parameter's name.
       */
      param: string;
      /**
       * Its value (usually ${VAR}); never logged.
       */
      value: string;
    }
  | {
      type: 'basic';
      /**
       * Basic auth user name.
       */
      username: string;
      /**
       * Basic auth password (usually ${VAR}).
       */
      password: string;
    }
  | {
      type: 'oauth_client_credentials';
      /**
       * The client id registered with the authorization server.
       */
      client_id: string;
      /**
       * The client secret (usually ${VAR}).
       */
      client_secret: string;
      /**
       * How the secret is sent. Default: client_secret_basic unless the authorization server's metadata lists only client_secret_post.
       */
      token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
      /**
       * The authorization server's token endpoint. Default: discovered from the upstream (its 401's resource_metadata or /.well-known/oauth-protected-resource, then the authorization server's RFC 8414 / OpenID metadata).
       */
      token_endpoint?: string;
      /**
       * Space-separated scopes to request.
       */
      scope?: string;
      /**
       * RFC 8707 resource indicator sent with the token request. Default: the upstream's protected-resource metadata `resource` when discovered; none with a configured token_endpoint.
       */
      resource?: string;
      /**
       * An `audience` parameter for authorization servers that want one (e.g. Auth0).
       */
      audience?: string;
    }
  | {
      type: 'oauth_private_key_jwt';
      /**
       * The client id registered with the authorization server.
       */
      client_id: string;
      /**
       * The client's signing key: PKCS#8 PEM or a private JWK as JSON (usually from the environment). Exactly one of private_key and private_key_file.
       */
      private_key?: string;
      /**
       * A file holding the key (PEM or JWK JSON), relative to this config file; read at every token request, so replacing it rotates the key without a reload.
       */
      private_key_file?: string;
      /**
       * The assertion's signing algorithm.
       */
      algorithm?:
        'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';
      /**
       * The authorization server's token endpoint. Default: discovered from the upstream (its 401's resource_metadata or /.well-known/oauth-protected-resource, then the authorization server's RFC 8414 / OpenID metadata).
       */
      token_endpoint?: string;
      /**
       * The `aud` of the client assertion (RFC 7523 §3). Default: the issuer named by the discovered authorization server metadata, else the configured token_endpoint URL.
       */
      assertion_audience?: string;
      /**
       * Space-separated scopes to request.
       */
      scope?: string;
      /**
       * RFC 8707 resource indicator sent with the token request. Default: the upstream's protected-resource metadata `resource` when discovered; none with a configured token_endpoint.
       */
      resource?: string;
      /**
       * An `audience` parameter for authorization servers that want one (e.g. Auth0).
       */
      audience?: string;
    }
  | {
      type: 'token_exchange';
      /**
       * The authorization server's token endpoint that performs the exchange.
       */
      token_endpoint: string;
      /**
       * The gateway's client id at the authorization server.
       */
      client_id: string;
      /**
       * The client secret (usually ${VAR}).
       */
      client_secret: string;
      /**
       * The `audience` asked for the exchanged token.
       */
      audience?: string;
      /**
       * The RFC 8707 resource asked for the exchanged token (usually the upstream's URL).
       */
      resource?: string;
      /**
       * Space-separated scopes asked for the exchanged token.
       */
      scope?: string;
    }
  | {
      type: 'authorization_code';
      /**
       * The gateway's client id at the upstream's authorization server (its redirect URI is <public_url>/connect/callback).
       */
      client_id: string;
      /**
       * The client secret of a confidential client (usually ${VAR}); without it the gateway is a public client (PKCE only).
       */
      client_secret?: string;
      /**
       * The authorization endpoint; default: discovered from the upstream's protected-resource metadata (RFC 9728) and its authorization server's metadata (RFC 8414).
       */
      authorization_endpoint?: string;
      /**
       * The token endpoint; default: discovered as authorization_endpoint is.
       */
      token_endpoint?: string;
      /**
       * Space-separated scopes asked of each user.
       */
      scope?: string;
      /**
       * The RFC 8707 resource asked for (default: the one the upstream's protected-resource metadata names, when discovered).
       */
      resource?: string;
    }
  | {
      type: 'per_user_secret';
      /**
       * The header that carries the user's secret.
       */
      header?: string;
      /**
       * Written before the secret in the header, e.g. "Bearer ".
       */
      prefix?: string;
      /**
       * A folder of files, one per principal, named by its typed identity with characters outside A-Z a-z 0-9 . - written _XX (key:alice is key_3Aalice); relative to this config file; read at each new session.
       */
      folder?: string;
      /**
       * Sent in the header on the backend's own connection, which lists the catalog when no user is present; without it that connection sends none.
       */
      catalog_secret?: string;
    }
);
/**
 * An MCP server reached over the legacy HTTP+SSE transport (GET /sse + POST endpoint).
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "sseService".
 */
export type SseService = BackendCommon & {
  /**
   * An http:// or https:// URL: the upstream's legacy SSE endpoint (GET), e.g. http://127.0.0.1:3001/sse; messages go to the endpoint it names.
   */
  base_url: string;
  headers?: StringMap2;
  auth?: Auth1;
  /**
   * Ping the upstream this often; a failed ping reconnects (0 = off).
   */
  heartbeat_interval?: number | string;
  /**
   * Reconnect with backoff when the event stream drops (false: the backend stays down).
   */
  reconnect?: boolean;
  /**
   * First reconnect delay in milliseconds (overrides restart.initial_delay).
   */
  reconnect_delay_ms?: number;
  /**
   * Longest reconnect delay in milliseconds (overrides restart.max_delay).
   */
  max_reconnect_delay_ms?: number;
  /**
   * The client transport: pool (default: switchboard's transport on undici's keep-alive connection pool) or sdk (the SDK's SSEClientTransport on fetch and EventSource, for an upstream the pool transport cannot serve, e.g. one that redirects).
   */
  http_client?: 'pool' | 'sdk';
  /**
   * With session_mode per_client: downstream request headers passed to this client's upstream session (e.g. Authorization); see docs/protocol.md for the security trade-off.
   */
  forward_headers?: string[];
};
/**
 * Credentials the gateway sends to the upstream (one of the types below).
 */
export type Auth1 = {
  type:
    | 'bearer'
    | 'api_key'
    | 'query_param'
    | 'basic'
    | 'oauth_client_credentials'
    | 'oauth_private_key_jwt'
    | 'token_exchange'
    | 'per_user_secret'
    | 'authorization_code';
} & (
  | {
      type: 'bearer';
      /**
       * Sent as Authorization: Bearer <token>.
       */
      token: string;
    }
  | {
      type: 'api_key';
      /**
       * The header that carries the key.
       */
      header?: string;
      /**
       * The key (usually ${VAR}).
       */
      key: string;
    }
  | {
      type: 'query_param';
      /**
       * The query parameter's name.
       */
      param: string;
      /**
       * Its value (usually ${VAR}); never logged.
       */
      value: string;
    }
  | {
      type: 'basic';
      /**
       * Basic auth user name.
       */
      username: string;
      /**
       * Basic auth password (usually ${VAR}).
       */
      password: string;
    }
  | {
      type: 'oauth_client_credentials';
      /**
       * The client id registered with the authorization server.
       */
      client_id: string;
      /**
       * The client secret (usually ${VAR}).
       */
      client_secret: string;
      /**
       * How the secret is sent. Default: client_secret_basic unless the authorization server's metadata lists only client_secret_post.
       */
      token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
      /**
       * The authorization server's token endpoint. Default: discovered from the upstream (its 401's resource_metadata or /.well-known/oauth-protected-resource, then the authorization server's RFC 8414 / OpenID metadata).
       */
      token_endpoint?: string;
      /**
       * Space-separated scopes to request.
       */
      scope?: string;
      /**
       * RFC 8707 resource indicator sent with the token request. Default: the upstream's protected-resource metadata `resource` when discovered; none with a configured token_endpoint.
       */
      resource?: string;
      /**
       * An `audience` parameter for authorization servers that want one (e.g. Auth0).
       */
      audience?: string;
    }
  | {
      type: 'oauth_private_key_jwt';
      /**
       * The client id registered with the authorization server.
       */
      client_id: string;
      /**
       * The client's signing key: PKCS#8 PEM or a private JWK as JSON (usually from the environment). Exactly one of private_key and private_key_file.
       */
      private_key?: string;
      /**
       * A file holding the key (PEM or JWK JSON), relative to this config file; read at every token request, so replacing it rotates the key without a reload.
       */
      private_key_file?: string;
      /**
       * The assertion's signing algorithm.
       */
      algorithm?:
        'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';
      /**
       * The authorization server's token endpoint. Default: discovered from the upstream (its 401's resource_metadata or /.well-known/oauth-protected-resource, then the authorization server's RFC 8414 / OpenID metadata).
       */
      token_endpoint?: string;
      /**
       * The `aud` of the client assertion (RFC 7523 §3). Default: the issuer named by the discovered authorization server metadata, else the configured token_endpoint URL.
       */
      assertion_audience?: string;
      /**
       * Space-separated scopes to request.
       */
      scope?: string;
      /**
       * RFC 8707 resource indicator sent with the token request. Default: the upstream's protected-resource metadata `resource` when discovered; none with a configured token_endpoint.
       */
      resource?: string;
      /**
       * An `audience` parameter for authorization servers that want one (e.g. Auth0).
       */
      audience?: string;
    }
  | {
      type: 'token_exchange';
      /**
       * The authorization server's token endpoint that performs the exchange.
       */
      token_endpoint: string;
      /**
       * The gateway's client id at the authorization server.
       */
      client_id: string;
      /**
       * The client secret (usually ${VAR}).
       */
      client_secret: string;
      /**
       * The `audience` asked for the exchanged token.
       */
      audience?: string;
      /**
       * The RFC 8707 resource asked for the exchanged token (usually the upstream's URL).
       */
      resource?: string;
      /**
       * Space-separated scopes asked for the exchanged token.
       */
      scope?: string;
    }
  | {
      type: 'authorization_code';
      /**
       * The gateway's client id at the upstream's authorization server (its redirect URI is <public_url>/connect/callback).
       */
      client_id: string;
      /**
       * The client secret of a confidential client (usually ${VAR}); without it the gateway is a public client (PKCE only).
       */
      client_secret?: string;
      /**
       * The authorization endpoint; default: discovered from the upstream's protected-resource metadata (RFC 9728) and its authorization server's metadata (RFC 8414).
       */
      authorization_endpoint?: string;
      /**
       * The token endpoint; default: discovered as authorization_endpoint is.
       */
      token_endpoint?: string;
      /**
       * Space-separated scopes asked of each user.
       */
      scope?: string;
      /**
       * The RFC 8707 resource asked for (default: the one the upstream's protected-resource metadata names, when discovered).
       */
      resource?: string;
    }
  | {
      type: 'per_user_secret';
      /**
       * The header that carries the user's secret.
       */
      header?: string;
      /**
       * Written before the secret in the header, e.g. "Bearer ".
       */
      prefix?: string;
      /**
       * A folder of files, one per principal, named by its typed identity with characters outside A-Z a-z 0-9 . - written _XX (key:alice is key_3Aalice); relative to this config file; read at each new session.
       */
      folder?: string;
      /**
       * Sent in the header on the backend's own connection, which lists the catalog when no user is present; without it that connection sends none.
       */
      catalog_secret?: string;
    }
);
/**
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "backendName".
 */
export type BackendName = string;
/**
 * A duration: milliseconds as a number, or a string such as "500ms", "30s", "2m", "1h".
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "duration".
 */
export type Duration = number | string;
export type Auth2 =
  | {
      type: 'bearer';
      /**
       * Sent as Authorization: Bearer <token>.
       */
      token: string;
    }
  | {
      type: 'api_key';
      /**
       * The header that carries the key.
       */
      header?: string;
      /**
       * The key (usually ${VAR}).
       */
      key: string;
    }
  | {
      type: 'query_param';
      /**
       * The query parameter's name.
       */
      param: string;
      /**
       * Its value (usually ${VAR}); never logged.
       */
      value: string;
    }
  | {
      type: 'basic';
      /**
       * Basic auth user name.
       */
      username: string;
      /**
       * Basic auth password (usually ${VAR}).
       */
      password: string;
    }
  | {
      type: 'oauth_client_credentials';
      /**
       * The client id registered with the authorization server.
       */
      client_id: string;
      /**
       * The client secret (usually ${VAR}).
       */
      client_secret: string;
      /**
       * How the secret is sent. Default: client_secret_basic unless the authorization server's metadata lists only client_secret_post.
       */
      token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
      /**
       * The authorization server's token endpoint. Default: discovered from the upstream (its 401's resource_metadata or /.well-known/oauth-protected-resource, then the authorization server's RFC 8414 / OpenID metadata).
       */
      token_endpoint?: string;
      /**
       * Space-separated scopes to request.
       */
      scope?: string;
      /**
       * RFC 8707 resource indicator sent with the token request. Default: the upstream's protected-resource metadata `resource` when discovered; none with a configured token_endpoint.
       */
      resource?: string;
      /**
       * An `audience` parameter for authorization servers that want one (e.g. Auth0).
       */
      audience?: string;
    }
  | {
      type: 'oauth_private_key_jwt';
      /**
       * The client id registered with the authorization server.
       */
      client_id: string;
      /**
       * The client's signing key: PKCS#8 PEM or a private JWK as JSON (usually from the environment). Exactly one of private_key and private_key_file.
       */
      private_key?: string;
      /**
       * A file holding the key (PEM or JWK JSON), relative to this config file; read at every token request, so replacing it rotates the key without a reload.
       */
      private_key_file?: string;
      /**
       * The assertion's signing algorithm.
       */
      algorithm?:
        'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';
      /**
       * The authorization server's token endpoint. Default: discovered from the upstream (its 401's resource_metadata or /.well-known/oauth-protected-resource, then the authorization server's RFC 8414 / OpenID metadata).
       */
      token_endpoint?: string;
      /**
       * The `aud` of the client assertion (RFC 7523 §3). Default: the issuer named by the discovered authorization server metadata, else the configured token_endpoint URL.
       */
      assertion_audience?: string;
      /**
       * Space-separated scopes to request.
       */
      scope?: string;
      /**
       * RFC 8707 resource indicator sent with the token request. Default: the upstream's protected-resource metadata `resource` when discovered; none with a configured token_endpoint.
       */
      resource?: string;
      /**
       * An `audience` parameter for authorization servers that want one (e.g. Auth0).
       */
      audience?: string;
    }
  | {
      type: 'token_exchange';
      /**
       * The authorization server's token endpoint that performs the exchange.
       */
      token_endpoint: string;
      /**
       * The gateway's client id at the authorization server.
       */
      client_id: string;
      /**
       * The client secret (usually ${VAR}).
       */
      client_secret: string;
      /**
       * The `audience` asked for the exchanged token.
       */
      audience?: string;
      /**
       * The RFC 8707 resource asked for the exchanged token (usually the upstream's URL).
       */
      resource?: string;
      /**
       * Space-separated scopes asked for the exchanged token.
       */
      scope?: string;
    }
  | {
      type: 'authorization_code';
      /**
       * The gateway's client id at the upstream's authorization server (its redirect URI is <public_url>/connect/callback).
       */
      client_id: string;
      /**
       * The client secret of a confidential client (usually ${VAR}); without it the gateway is a public client (PKCE only).
       */
      client_secret?: string;
      /**
       * The authorization endpoint; default: discovered from the upstream's protected-resource metadata (RFC 9728) and its authorization server's metadata (RFC 8414).
       */
      authorization_endpoint?: string;
      /**
       * The token endpoint; default: discovered as authorization_endpoint is.
       */
      token_endpoint?: string;
      /**
       * Space-separated scopes asked of each user.
       */
      scope?: string;
      /**
       * The RFC 8707 resource asked for (default: the one the upstream's protected-resource metadata names, when discovered).
       */
      resource?: string;
    }
  | {
      type: 'per_user_secret';
      /**
       * The header that carries the user's secret.
       */
      header?: string;
      /**
       * Written before the secret in the header, e.g. "Bearer ".
       */
      prefix?: string;
      /**
       * A folder of files, one per principal, named by its typed identity with characters outside A-Z a-z 0-9 . - written _XX (key:alice is key_3Aalice); relative to this config file; read at each new session.
       */
      folder?: string;
      /**
       * Sent in the header on the backend's own connection, which lists the catalog when no user is present; without it that connection sends none.
       */
      catalog_secret?: string;
    };
/**
 * A glob (picomatch) or a list of globs.
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "globs".
 */
export type Globs = string | [string, ...string[]];
/**
 * A tool set's name: the last segment of its endpoint path (/mcp/<name>).
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "toolsetName".
 */
export type ToolsetName = string;

/**
 * The switchboard gateway configuration (external-mcp-servers.yaml).
 */
export interface SwitchboardConfig {
  gateway?: Gateway;
  /**
   * Upstream MCP servers started as stdio child processes, by backend name.
   */
  mcpServers?: {
    [k: string]: StdioServer;
  };
  /**
   * Upstream MCP servers reached over Streamable HTTP, by backend name.
   */
  httpServices?: {
    [k: string]: HttpService;
  };
  /**
   * Upstream MCP servers reached over the legacy HTTP+SSE transport, by backend name.
   */
  sseServices?: {
    [k: string]: SseService;
  };
  /**
   * Tool sets: named, curated views of the catalog, each served at /mcp/<name> (and /sse/<name>, /ws/<name>); policies apply on top. /mcp keeps the whole catalog.
   */
  toolsets?: {
    [k: string]: Toolset;
  };
}
/**
 * Settings of the gateway itself.
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "gateway".
 */
export interface Gateway {
  /**
   * Listen address (default 127.0.0.1).
   */
  host?: string;
  /**
   * Listen port (default 8080).
   */
  port?: number;
  /**
   * Between backend prefix and tool name (default "__").
   */
  separator?: string;
  /**
   * Default upstream request timeout (60s).
   */
  request_timeout?: number | string;
  /**
   * Host header names accepted (DNS-rebinding protection); default: loopback names when bound to loopback.
   */
  allowed_hosts?: string[];
  /**
   * Origin header values accepted; requests without Origin are always accepted.
   */
  allowed_origins?: string[];
  /**
   * Cap on concurrent downstream sessions (default 10000).
   */
  max_sessions?: number;
  /**
   * Close downstream sessions idle this long (default 30m; 0 = never).
   */
  session_idle_timeout?: number | string;
  /**
   * When max_sessions (or a principal's cap) is reached, a new session evicts the least recently used session that has no open stream, no call in flight and has been idle at least this long (default 60s); evictions are counted in switchboard_sessions_evicted_total.
   */
  session_eviction_min_idle?: number | string;
  /**
   * Largest accepted POST body, in bytes (default 4 MiB); a larger one is refused with 413 before any upstream sees it.
   */
  max_body_bytes?: number;
  /**
   * Deepest JSON nesting (arrays and objects) accepted in a POST /mcp body (default 64).
   */
  max_json_depth?: number;
  /**
   * Serve plain tools/call, resources/read, prompts/get and completion/complete requests on the relay path (docs/request-path.md#the-relay-path), on every front (/mcp in both eras, /ws, /sse, stdio, the REST API): the gateway's own handler answers them without the SDK server decoding and validating the request (and a plain text tools/call result), and sends them to a 2025-era upstream without the SDK client's dispatch (when no progress is wanted); results, errors, progress, cancellation, server-to-client requests, audit and telemetry are the same as on the SDK's path, which serves everything else. false sends every request through the SDK. Applies to sessions opened (and 2026-07-28 requests received) after a reload.
   */
  relay_path?: boolean;
  /**
   * Close a connection whose request headers have not all arrived in this time (default 10s).
   */
  header_timeout?: number | string;
  /**
   * Close a connection whose request (headers and body) has not fully arrived in this time (default 30s); responses and streams are not limited.
   */
  body_timeout?: number | string;
  /**
   * Log level (default info); SWITCHBOARD_LOG_LEVEL wins when set.
   */
  log_level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /**
   * Key (32+ characters) that signs the requestState of 2026-07-28 input_required results; give every replica the same one. Default: a random key per process.
   */
  request_state_secret?: string;
  /**
   * On a config reload, how long calls in flight on a removed or replaced backend may take to finish before they are cancelled (default 10s).
   */
  reload_grace_period?: number | string;
  /**
   * On SIGTERM/SIGINT, how long calls in flight may take to finish while new requests get 503, before they are answered with an error and the process exits (default 25s; 0 = do not wait).
   */
  shutdown_grace?: number | string;
  /**
   * At start, /readyz answers 503 `starting` until every enabled backend has had its first connection attempt, or this long at most (default 60s), so a rollout waits for backends but one that never answers cannot hold it.
   */
  startup_timeout?: number | string;
  /**
   * How far the JavaScript heap may grow past what is live before a full garbage collection, in percent (default 50; 0 = V8's own heuristic, which lets it reach up to 4x under load). Lower keeps the process smaller for a little more collection work; applied live. --heap-growing-percent in NODE_OPTIONS or on the node command line wins.
   */
  heap_growth_percent?: number;
  discovery?: Discovery;
  /**
   * Redis, for single-session queues and rate-limit buckets shared by replicas and 2025-era sessions any replica can serve; REDIS_URL in the environment is used when this is absent.
   */
  redis?: {
    /**
     * A redis:// or rediss:// (TLS) URL; a password in it is never logged.
     */
    url: string;
    /**
     * Prefix of every key and channel; replicas sharing a prefix share queues and sessions (one per deployment).
     */
    prefix?: string;
    /**
     * How long a single-session queue owner holds its lease; a dead owner is replaced within about lease × 1.25.
     */
    lease?: number | string;
  };
  /**
   * The store of per-user upstream grants (auth: token_exchange, authorization_code): in Redis with gateway.redis, so every replica uses them, else in memory.
   */
  credentials?: {
    /**
     * AES-256-GCM keys (32 bytes, base64 or hex) sealing per-user upstream grants; the first seals, the others only open (key rotation).
     *
     * @minItems 1
     */
    keys: [string, ...string[]];
    /**
     * The gateway's external base URL (e.g. https://switchboard.example.com), for the pages users open to connect authorization_code backends and their OAuth redirect URI <public_url>/connect/callback. Default: the address the gateway listens on.
     */
    public_url?: string;
  };
  auth?: ClientAuth;
  telemetry?: Telemetry;
  /**
   * The web console: a single-page app served by the gateway (its data API is /v1, behind the client auth).
   */
  console?: {
    /**
     * Serve the console (default true). Its API (/v1/backends, /v1/events, /v1/config) is served either way.
     */
    enabled?: boolean;
    /**
     * Where the console is served (default "/"); not under /mcp, /v1, /healthz, /readyz, /metrics or /.well-known.
     */
    path?: string;
  };
  audit?: Audit;
}
/**
 * Smart discovery: the smart_tool_discovery meta-tool that finds (and can call) the right tool for a plain-language request.
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "discovery".
 */
export interface Discovery {
  /**
   * all: every tool plus the meta-tool; discovery_only: tools/list shows only the meta-tool, every tool stays callable by name; none: no meta-tool.
   */
  expose?: 'all' | 'discovery_only' | 'none';
  /**
   * sampling: ask the calling client's own model (sampling/createMessage) to pick among the top candidates and fill the arguments, when the client supports sampling.
   */
  rerank?: 'off' | 'sampling';
  /**
   * How many times the runner-up's score the top match must score to be executed by { request, execute: true } (default 2).
   */
  min_confidence?: number;
  /**
   * Optional hybrid ranking: embeddings from an OpenAI-compatible endpoint blended with the lexical score. Off when absent.
   */
  embeddings?: {
    /**
     * Base URL of the API (e.g. http://127.0.0.1:11434/v1); /embeddings is appended unless present.
     */
    url: string;
    /**
     * The embeddings model name the endpoint knows (e.g. nomic-embed-text).
     */
    model: string;
    /**
     * Sent as a bearer token; use ${VAR} to read it from the environment.
     */
    api_key?: string;
  };
}
/**
 * How clients authenticate to /mcp, /readyz and /metrics. Without api_keys, jwt or sign_in, the gateway serves unauthenticated, which it allows only on a loopback bind or with allow_unauthenticated: true.
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "clientAuth".
 */
export interface ClientAuth {
  /**
   * Serve without client authentication on a non-loopback bind (default false). Has no effect when api_keys or jwt are configured: then every /mcp request needs a credential.
   */
  allow_unauthenticated?: boolean;
  /**
   * This gateway's public /mcp URL, the resource in the RFC 9728 metadata (default: derived from each request's Host).
   */
  resource?: string;
  /**
   * Scope a credential needs for /readyz and /metrics when authentication is on (default "switchboard:operator"); an API key can instead be marked operator: true.
   */
  operator_scope?: string;
  /**
   * Keys sent as "Authorization: Bearer <key>" or "X-API-Key: <key>".
   *
   * @minItems 1
   */
  api_keys?: [ApiKey, ...ApiKey[]];
  jwt?: JwtAuth;
  /**
   * What each principal may use: every rule whose match fits the principal applies; a tool or backend is usable when some matching rule allows it and none denies it (deny wins). With policies configured, a principal no rule matches may use nothing. Without policies, every principal may use everything.
   */
  policies?: Policy[];
  rate_limit?: RateLimit1;
  /**
   * Cap on one principal's open 2025-era sessions (default: a tenth of max_sessions, at least 1); at the cap the principal's own least recently used idle session is evicted (see session_eviction_min_idle). A policy's max_sessions overrides it.
   */
  max_sessions_per_principal?: number;
  /**
   * When the rate limiter's Redis cannot be reached: "open" (default) serves requests unlimited, "closed" refuses them with 503.
   */
  rate_limit_fail_mode?: 'open' | 'closed';
  sign_in?: SignIn;
}
/**
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "apiKey".
 */
export interface ApiKey {
  /**
   * The principal this key authenticates (letters, digits, _ . @ : -).
   */
  name: string;
  /**
   * The key itself (usually "${VAR}", 16+ characters), or "sha256:<64 hex digits>" of it.
   */
  key: string;
  /**
   * Scopes granted to this key.
   */
  scopes?: string[];
  /**
   * May read /readyz and /metrics (default false).
   */
  operator?: boolean;
}
/**
 * OAuth 2.1 resource server: bearer JWTs signed by the issuer's keys.
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "jwtAuth".
 */
export interface JwtAuth {
  /**
   * Required iss claim.
   */
  issuer: string;
  /**
   * Accepted aud claim value(s).
   */
  audience: string | [string, ...string[]];
  /**
   * The issuer's JWKS endpoint (cached; an unknown kid refetches it, so key rotation is honoured).
   */
  jwks_url?: string;
  /**
   * A local JWKS file (relative to this config file); re-read on config reload.
   */
  jwks_file?: string;
  /**
   * Least time between two JWKS fetches caused by an unknown kid (default 30s).
   */
  jwks_cooldown?: number | string;
  /**
   * Accepted signature algorithms (default RS256, ES256).
   *
   * @minItems 1
   */
  algorithms?: [
    'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA',
    ...('RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA')[],
  ];
  /**
   * Leeway for exp and nbf (default 30s).
   */
  clock_tolerance?: number | string;
  /**
   * Scopes every token must carry (in scope or scp); a token without them gets 403.
   */
  required_scopes?: string[];
  /**
   * Advertised in /.well-known/oauth-protected-resource (default: [issuer]).
   */
  authorization_servers?: string[];
  /**
   * Claim holding the token's groups, for policies matching on group (default "groups"); an array of strings or a space-separated string.
   */
  groups_claim?: string;
}
/**
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "policy".
 */
export interface Policy {
  /**
   * Shown in logs (default: rule N).
   */
  name?: string;
  /**
   * Which principals the rule applies to: every field given must match (a field's globs: any of them).
   */
  match: {
    /**
     * The principal's name, whatever the method (an API key named alice and a token with sub alice both match "alice"), or its typed identity: "key:<name>" for an API key, "jwt:<issuer>:<sub>" for a token.
     */
    principal?: string | [string, ...string[]];
    /**
     * An API key's name (tokens never match).
     */
    key?: string | [string, ...string[]];
    /**
     * A token's sub claim (API keys never match).
     */
    sub?: string | [string, ...string[]];
    /**
     * A token's issuer (iss) (API keys never match); with sub, one issuer's user.
     */
    issuer?: string | [string, ...string[]];
    /**
     * Any of the token's groups (jwt.groups_claim).
     */
    group?: string | [string, ...string[]];
    /**
     * Any of the principal's scopes (a token's scope/scp, a key's scopes).
     */
    scope?: string | [string, ...string[]];
  };
  allow?: PolicyTargets;
  deny?: PolicyTargets1;
  rate_limit?: RateLimit;
  /**
   * Overrides max_sessions_per_principal for matching principals (the first matching rule that sets it).
   */
  max_sessions?: number;
}
/**
 * What the rule permits; absent: everything. A tool is permitted when its name matches tools or its backend matches backends; resources and prompts by backends.
 */
export interface PolicyTargets {
  /**
   * Exposed tool names (as clients see them, prefix included).
   */
  tools?: string | [string, ...string[]];
  /**
   * Backend names: all their tools, resources, resource templates and prompts.
   */
  backends?: string | [string, ...string[]];
}
/**
 * What the rule forbids, whatever any rule allows.
 */
export interface PolicyTargets1 {
  /**
   * Exposed tool names (as clients see them, prefix included).
   */
  tools?: string | [string, ...string[]];
  /**
   * Backend names: all their tools, resources, resource templates and prompts.
   */
  backends?: string | [string, ...string[]];
}
/**
 * Overrides gateway.auth.rate_limit for matching principals (the first matching rule that sets it).
 */
export interface RateLimit {
  /**
   * Requests refilled per `per` interval.
   */
  rate: number;
  /**
   * The refill interval (default 1s).
   */
  per?: number | string;
  /**
   * Bucket size: requests allowed at once after an idle spell (default: rate, rounded up).
   */
  burst?: number;
}
/**
 * Token bucket per principal for /mcp requests (default: none); a policy's rate_limit overrides it.
 */
export interface RateLimit1 {
  /**
   * Requests refilled per `per` interval.
   */
  rate: number;
  /**
   * The refill interval (default 1s).
   */
  per?: number | string;
  /**
   * Bucket size: requests allowed at once after an idle spell (default: rate, rounded up).
   */
  burst?: number;
}
/**
 * Sign-in: switchboard as the OAuth 2.1 authorization server MCP clients expect (RFC 8414 and OpenID discovery, authorization code with mandatory PKCE S256, RFC 8707 resource, dynamic client registration, client ID metadata documents, RFC 7009 revocation, rotating refresh tokens), with user login delegated to the team's identity provider. Its access tokens are short-lived JWTs whose audience is this gateway's /mcp, accepted like any JWT: policies match their sub, groups and scopes. Off unless configured; a change needs a restart.
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "signIn".
 */
export interface SignIn {
  /**
   * The authorization server's public origin (its issuer identifier, e.g. https://mcp.example.com): tokens carry it as iss, and its metadata is served at /.well-known/oauth-authorization-server. Default: the origin of gateway.auth.resource, else http://<host>:<port> on a loopback bind.
   */
  issuer?: string;
  /**
   * Private keys that sign access and ID tokens: the first signs, every one is published in the JWKS (list the next key second, then first, to rotate without refusing tokens in flight). Without it a key is generated at each start (tokens then die with the process): allowed only without Redis.
   *
   * @minItems 1
   */
  signing_keys?: [SigningKey, ...SigningKey[]];
  idp: SignInIdp;
  /**
   * Who may sign in: a user must match email_domains or groups (either, when both are set). Default: every user the identity provider authenticates.
   */
  allow?: {
    /**
     * Users whose (verified) email is in one of these domains may sign in.
     */
    email_domains?: string[];
    /**
     * Users in one of these groups may sign in.
     */
    groups?: string[];
  };
  /**
   * Scopes MCP clients may ask for on this gateway's resource (default ["mcp"]); a request without scope gets all of them. Policies can match on them (match.scope).
   *
   * @minItems 1
   */
  scopes?: [string, ...string[]];
  /**
   * Lifetime of an access token (default 10m).
   */
  access_token_ttl?: number | string;
  /**
   * Lifetime of a refresh token; each use rotates it (default 168h). A refresh token used a second time revokes every token of its sign-in.
   */
  refresh_token_ttl?: number | string;
  /**
   * How long a user's consent to a client is remembered (default 720h).
   */
  consent_ttl?: number | string;
  /**
   * How long a browser stays signed in at the gateway (default 12h).
   */
  session_ttl?: number | string;
  /**
   * Serve RFC 7591 dynamic client registration at /oauth/register (default true).
   */
  dynamic_registration?: boolean;
  /**
   * Client ID Metadata Documents: clients identified by the URL of a JSON document listing their name and redirect URIs, fetched (bounded, cached per its Cache-Control between 30 s and 24 h) and checked.
   */
  client_metadata_documents?: {
    /**
     * Accept an https URL as client_id and fetch its metadata document (default true).
     */
    enabled?: boolean;
    /**
     * Largest document accepted (default 5120).
     */
    max_bytes?: number;
    /**
     * How long a fetch may take (default 2500ms).
     */
    timeout?: number | string;
    /**
     * Only documents on these hosts (globs, e.g. "*.example.com"); default any public host.
     */
    allow_hosts?: string[];
    /**
     * Fetch documents from loopback and private-network addresses (default false: refused, against server-side request forgery).
     */
    allow_private_addresses?: boolean;
    /**
     * PEM file of extra certificate authorities trusted when fetching documents (an internal CA), relative to this config file.
     */
    ca_file?: string;
  };
}
/**
 * One signing key: a private key as PKCS#8 PEM or a private JWK (RSA 2048+ or EC P-256); exactly one of key and key_file.
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "signingKey".
 */
export interface SigningKey {
  /**
   * The key itself, usually "${VAR}".
   */
  key?: string;
  /**
   * A file holding it (a mounted Secret), relative to this config file.
   */
  key_file?: string;
  /**
   * Its key id in tokens and the JWKS (default: the key's RFC 7638 thumbprint).
   */
  kid?: string;
}
/**
 * The team's identity provider, where users actually log in (authorization code with PKCE). An OpenID Connect provider by its issuer (discovered); a plain OAuth 2 provider (GitHub) by its endpoints and a user-info call.
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "signInIdp".
 */
export interface SignInIdp {
  /**
   * An OpenID Connect provider's issuer; its /.well-known/openid-configuration is read at the first sign-in (and again after a failure).
   */
  issuer?: string;
  /**
   * Plain OAuth 2 (no issuer): where users log in.
   */
  authorization_endpoint?: string;
  /**
   * Plain OAuth 2: where the code is exchanged.
   */
  token_endpoint?: string;
  /**
   * Where the user's claims are read with the access token: required for plain OAuth 2; for OpenID Connect, read besides the ID token when set (default: the ID token's claims only).
   */
  userinfo_endpoint?: string;
  /**
   * switchboard's client id at the identity provider.
   */
  client_id: string;
  /**
   * Its secret, usually "${VAR}"; at most one of client_secret and client_secret_file; neither for a public client.
   */
  client_secret?: string;
  /**
   * A file holding the secret, relative to this config file.
   */
  client_secret_file?: string;
  /**
   * How switchboard authenticates at the token endpoint (default client_secret_basic with a secret, none without).
   */
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'none';
  /**
   * Scopes asked of the identity provider (default [openid, email, profile] with an issuer, none for plain OAuth 2).
   */
  scopes?: string[];
  /**
   * Which identity-provider claims become the principal, email and groups that policies match on.
   */
  claims?: {
    /**
     * Claim that becomes the user's principal (the token's sub) (default "sub"; e.g. "email", or "login" for GitHub).
     */
    subject?: string;
    /**
     * Claim holding the email (default "email").
     */
    email?: string;
    /**
     * Claim holding the groups, an array or a space-separated string (default "groups").
     */
    groups?: string;
    /**
     * Claim holding a display name (default "name").
     */
    name?: string;
  };
  /**
   * Extra parameters on the login redirect, e.g. {hd: example.com} for Google, {prompt: select_account}.
   */
  extra_params?: {
    [k: string]: string;
  };
  /**
   * How long a request to the identity provider may take (default 10s).
   */
  timeout?: number | string;
}
/**
 * OpenTelemetry export. /metrics (Prometheus) is always served; OTLP export of traces and metrics is off unless enabled here or by the standard OTEL_EXPORTER_OTLP_* environment variables. Takes a restart.
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "telemetry".
 */
export interface Telemetry {
  /**
   * service.name of the exported telemetry (default: OTEL_SERVICE_NAME, else "switchboard").
   */
  service_name?: string;
  traces?: {
    /**
     * Export traces with OTLP over HTTP (default: on when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set).
     */
    enabled?: boolean;
    /**
     * OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces (default: from the OTEL_EXPORTER_OTLP_* variables, else http://localhost:4318/v1/traces).
     */
    endpoint?: string;
    /**
     * Fraction of new traces recorded (parent-based: a continued trace follows its parent's decision; default 1, or OTEL_TRACES_SAMPLER_ARG).
     */
    sample_ratio?: number;
  };
  metrics?: {
    /**
     * Also push metrics with OTLP over HTTP (default: on when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is set).
     */
    otlp?: boolean;
    /**
     * OTLP/HTTP metrics URL, e.g. http://collector:4318/v1/metrics.
     */
    endpoint?: string;
    /**
     * How often OTLP metrics are pushed (default 60s).
     */
    interval?: number | string;
  };
}
/**
 * The audit trail (docs/audit.md): one event per tools/call, resource read, prompt get, session opened or closed, policy refusal, rate-limit refusal and sign-in. Events are always kept in a local ring (GET /v1/audit, the console's Activity panel) and written to the sinks listed. Takes a restart.
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "audit".
 */
export interface Audit {
  /**
   * Set to false to record no audit events at all.
   */
  enabled?: boolean;
  /**
   * How many recent events this replica keeps in memory for GET /v1/audit (without a Redis sink) and the console.
   */
  ring_size?: number;
  /**
   * With a backend's audit_payloads: the largest arguments or result recorded, in bytes of JSON; larger ones are cut and marked truncated.
   */
  payload_max_bytes?: number;
  /**
   * Where events are written besides the local ring. A sink that fails never fails the request: its events are dropped and counted (switchboard_audit_dropped_total).
   */
  sinks?: AuditSink[];
}
/**
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "backendCommon".
 */
export interface BackendCommon {
  /**
   * Set to false to keep the entry but not start it.
   */
  enabled?: boolean;
  /**
   * What the backend is for, shown in the web console and GET /v1/backends.
   */
  description?: string;
  /**
   * Namespace for this backend's tools and prompts (default: the backend name); false exposes names unprefixed.
   */
  prefix?: string | boolean;
  /**
   * Upper bound for one upstream request (default: gateway.request_timeout).
   */
  request_timeout?: number | string;
  /**
   * Serialise calls: one call in flight and one upstream session.
   */
  single_session?: boolean;
  /**
   * With single_session: how many calls may wait before new ones are rejected.
   */
  max_queue_size?: number;
  /**
   * With single_session: upper bound for the wait in the queue alone.
   */
  queue_timeout?: number | string;
  /**
   * With single_session on Redis: re-run a call whose owner replica died mid-call.
   */
  retry_on_failover?: boolean;
  tools?: ToolFilter;
  /**
   * Set to false to keep this backend's tools out of smart_tool_discovery results (they stay listed and callable).
   */
  discovery?: boolean;
  /**
   * shared: one upstream session multiplexed for all clients; per_client: one upstream session per downstream session, opened on first use.
   */
  session_mode?: 'shared' | 'per_client';
  /**
   * With session_mode per_client: close an upstream session unused this long (default 10m; 0 = only when its client's session ends).
   */
  idle_timeout?: number | string;
  /**
   * With session_mode per_client: most upstream sessions open at once for this backend; more clients get an error.
   */
  max_sessions?: number;
  /**
   * Reconnect/restart policy with exponential backoff.
   */
  restart?: {
    /**
     * Give up after this many consecutive failures (0 = never).
     */
    max_attempts?: number;
    /**
     * Delay before the first retry; each later one doubles it (±20% jitter).
     */
    initial_delay?: number | string;
    /**
     * Longest delay between retries.
     */
    max_delay?: number | string;
  };
  /**
   * Record the arguments and results of this backend's calls, prompt gets and resource reads in the audit trail (redacted by the log redaction rules and cut to gateway.audit.payload_max_bytes). Off: they are never recorded.
   */
  audit_payloads?: boolean;
}
/**
 * Which upstream tools to expose, by glob on the upstream tool name; exclude wins over include.
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "toolFilter".
 */
export interface ToolFilter {
  /**
   * Globs (picomatch) of upstream tool names to expose; absent or empty: all.
   */
  include?: string[];
  /**
   * Globs of upstream tool names to hide, even when included.
   */
  exclude?: string[];
}
/**
 * Environment variables for the child, added to the minimal inherited set (see inherit_env); values are masked in logged stderr lines.
 */
export interface StringMap {
  [k: string]: string;
}
/**
 * Headers sent with every request to the upstream (values are treated as secrets).
 */
export interface StringMap1 {
  [k: string]: string;
}
/**
 * Headers sent with every request to the upstream (values are treated as secrets).
 */
export interface StringMap2 {
  [k: string]: string;
}
/**
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "toolset".
 */
export interface Toolset {
  /**
   * What the set is for (shown in the 404 listing sets and the console).
   */
  description?: string;
  /**
   * Instructions a session of this set gets, before those of the backends it uses.
   */
  instructions?: string;
  /**
   * Tools in the set: globs (picomatch) over the gateway's exposed names, across backends (e.g. github__*). Absent: no tools.
   */
  tools?: string | [string, ...string[]];
  /**
   * Exposed names left out even when tools matches them.
   */
  exclude_tools?: string | [string, ...string[]];
  /**
   * Backends (names or globs) whose resources and resource templates the set exposes. Absent: none.
   */
  resources?: string | [string, ...string[]];
  /**
   * Backends (names or globs) whose prompts the set exposes. Absent: none.
   */
  prompts?: string | [string, ...string[]];
  /**
   * tools/list shows only smart_tool_discovery; every tool of the set stays callable by name, and discovery returns the input schema of what it finds.
   */
  discovery_only?: boolean;
  /**
   * Per tool (by its exposed name in the gateway's catalog): what agents of this set see instead.
   */
  overrides?: {
    [k: string]: ToolOverride;
  };
}
/**
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "toolOverride".
 */
export interface ToolOverride {
  /**
   * The name agents of the set see and call (at most 64 characters); calls go to the original tool.
   */
  name?: string;
  /**
   * Replaces the tool's title.
   */
  title?: string;
  /**
   * Replaces the tool's description.
   */
  description?: string;
  /**
   * Merged over the tool's annotations (readOnlyHint, destructiveHint, idempotentHint, openWorldHint, title).
   */
  annotations?: {
    /**
     * Display title hint.
     */
    title?: string;
    /**
     * The tool does not change its environment.
     */
    readOnlyHint?: boolean;
    /**
     * The tool may destroy or overwrite data.
     */
    destructiveHint?: boolean;
    /**
     * Calling again with the same arguments has no further effect.
     */
    idempotentHint?: boolean;
    /**
     * The tool reaches outside systems.
     */
    openWorldHint?: boolean;
  };
  /**
   * Operator hints for smart_tool_discovery: words or aliases indexed with the tool in this set (never shown to agents).
   */
  keywords?: string[];
}
/**
 * Names to values; every value is treated as a secret (masked in logs and the console).
 *
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "stringMap".
 */
export interface StringMap3 {
  [k: string]: string;
}
export interface Auth3 {
  type:
    | 'bearer'
    | 'api_key'
    | 'query_param'
    | 'basic'
    | 'oauth_client_credentials'
    | 'oauth_private_key_jwt'
    | 'token_exchange'
    | 'per_user_secret'
    | 'authorization_code';
}
/**
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "policyTargets".
 */
export interface PolicyTargets2 {
  /**
   * Exposed tool names (as clients see them, prefix included).
   */
  tools?: string | [string, ...string[]];
  /**
   * Backend names: all their tools, resources, resource templates and prompts.
   */
  backends?: string | [string, ...string[]];
}
/**
 * This interface was referenced by `SwitchboardConfig`'s JSON-Schema
 * via the `definition` "rateLimit".
 */
export interface RateLimit2 {
  /**
   * Requests refilled per `per` interval.
   */
  rate: number;
  /**
   * The refill interval (default 1s).
   */
  per?: number | string;
  /**
   * Bucket size: requests allowed at once after an idle spell (default: rate, rounded up).
   */
  burst?: number;
}
