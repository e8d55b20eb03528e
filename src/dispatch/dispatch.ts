import type {
  CallToolResult,
  CompleteRequest,
  CompleteResult,
  GetPromptResult,
  LoggingLevel,
  ReadResourceResult,
  Tool,
} from '@modelcontextprotocol/server';
import {
  CompleteResultSchema,
  EmptyResultSchema,
  GetPromptResultSchema,
  ReadResourceResultSchema,
} from '@modelcontextprotocol/core';
import { z } from 'zod';
import type { Backend, UpstreamRequestOptions } from '../backends/backend.js';
import type { Origin } from '../backends/relay/origin.js';
import { log } from '../log.js';
import { resourceBackend, type Entry } from '../registry/catalog.js';
import type { RouteTable } from '../registry/live.js';
import { ConnectWaits } from './connect-wait.js';
import { ALLOW_ALL, type Grant } from '../registry/grant.js';
import { ConnectRequired, GatewayError } from '../errors.js';
import { isToolError, outcomeOf } from '../telemetry/outcome.js';
import { telemetryOff, type Telemetry } from '../telemetry/recorder.js';

/**
 * The upstream's tools/call result as it is, any object: the downstream server validates every tools/call
 * result against the spec schema before sending it (and strips what the schema does not know), so a gateway
 * that relays need not parse it a second time on the way in.
 */
export const RelayedCallToolResultSchema = z.custom<CallToolResult>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  { message: 'not an object' },
);

/** The refusal of something a principal's policy does not permit. */
function notPermitted(what: string, backend: string): GatewayError {
  return new GatewayError(
    'not_permitted',
    `${what} is not permitted for this client (gateway.auth.policies)`,
    backend,
  );
}

/** Where requests are routed (the live catalog); defined with it in the registry. */
export type { RouteTable };

/** Runs one upstream request for a backend; single-session backends put it through their queue. */
export type UpstreamRunner = <S extends z.ZodType>(
  backend: Backend,
  method: string,
  params: Record<string, unknown> | undefined,
  schema: S,
  opts: UpstreamRequestOptions,
) => Promise<z.infer<S>>;

const NO_TIME = { upstream: 0, queued: 0 };

/** The default runner: straight to the backend's client. */
export const directRunner: UpstreamRunner = (backend, method, params, schema, opts) =>
  backend.request(method, params, schema, opts);

/** A tool result that reports a gateway-side failure to the model, with the code and backend in `_meta`. */
export function toolError(err: GatewayError): CallToolResult {
  return {
    content: [{ type: 'text', text: err.message }],
    isError: true,
    _meta: { 'switchboard/error': { code: err.code, backend: err.backend } },
  };
}

/** Routes downstream requests to the owning backend, translating exposed names back to upstream ones. */
export class Dispatcher {
  /** Calls waiting for a connecting backend; the gateway tells it of every snapshot rebuild. */
  readonly connecting = new ConnectWaits();

  constructor(
    private readonly routes: RouteTable,
    private readonly run: UpstreamRunner = directRunner,
    private readonly telemetry: Telemetry = telemetryOff(),
  ) {}

  private backendFor(name: string): Backend {
    const backend = this.routes.backend(name);
    if (!backend)
      throw new GatewayError('backend_removed', `backend "${name}" is no longer configured`, name);
    return backend;
  }

  /**
   * Calls an exposed tool. Unknown names are a JSON-RPC error; failures on the gateway side (backend
   * down, timeout, disconnect, queue) come back as a tool error so the model can see and act on them.
   */
  async callTool(
    name: string,
    args: Record<string, unknown> | undefined,
    meta: Record<string, unknown> | undefined,
    opts: UpstreamRequestOptions,
    grant: Grant = ALLOW_ALL,
  ): Promise<CallToolResult> {
    const started = performance.now();
    const found = await this.toolWhenConnected(name, opts);
    const entry = found.entry;
    if (found.timeoutMs !== undefined) opts = { ...opts, timeoutMs: found.timeoutMs };
    if (!entry) {
      const down = this.routes.unavailableOwner(name);
      // The name is the client's, so it is not a label: unknown and unavailable tools are counted without it.
      const shown = down && grant.backend(down.backend ?? '') ? down : undefined;
      const labels = { backend: shown?.backend ?? '', tool: '', outcome: shown?.code ?? 'unknown_tool' };
      this.telemetry.metrics.toolCall(labels, (performance.now() - started) / 1000, NO_TIME);
      if (shown) return toolError(shown);
      throw new GatewayError('unknown_tool', `Unknown tool: ${name}`);
    }
    if (!grant.tool(name, entry.backend)) {
      const labels = { backend: entry.backend, tool: name, outcome: 'not_permitted' };
      this.telemetry.metrics.toolCall(labels, (performance.now() - started) / 1000, NO_TIME);
      throw notPermitted(`tool "${name}"`, entry.backend);
    }
    const timing = { upstream: 0, queued: 0 };
    let outcome = 'ok';
    try {
      const params: Record<string, unknown> = { name: entry.original, arguments: args ?? {} };
      if (meta) params._meta = meta;
      const result = (await this.run(
        this.backendFor(entry.backend),
        'tools/call',
        params,
        RelayedCallToolResultSchema,
        { ...opts, timing },
      )) as CallToolResult;
      if (isToolError(result)) outcome = 'tool_error';
      return result;
    } catch (err) {
      outcome = outcomeOf(err);
      // A call cut off by shutdown is the client's to retry, not the model's: it stays a JSON-RPC error.
      const passThrough = ['upstream_error', 'cancelled', 'shutting_down'];
      // A user asked to connect is the client's to show (URL elicitation), not the model's.
      if (
        err instanceof GatewayError &&
        !passThrough.includes(err.code) &&
        !(err instanceof ConnectRequired)
      ) {
        log.warn({ backend: entry.backend, tool: name, code: err.code }, err.message);
        return toolError(err);
      }
      throw err;
    } finally {
      const labels = { backend: entry.backend, tool: name, outcome };
      this.telemetry.metrics.toolCall(labels, (performance.now() - started) / 1000, timing);
    }
  }

  /**
   * The catalog entry of a tool. While the backend serving it (or, for a name not in the catalog, the backend
   * whose prefix it carries) is still connecting, waits for it to finish, within the call's time: a call that
   * arrives while a replica starts or a backend reconnects is served instead of failing at once. `timeoutMs`
   * is what is left of the call's time when it waited.
   */
  private async toolWhenConnected(
    name: string,
    opts: UpstreamRequestOptions,
  ): Promise<{ entry?: Entry<Tool>; timeoutMs?: number }> {
    const t0 = Date.now();
    let budget: number | undefined;
    for (;;) {
      const entry = this.routes.snapshot().toolsByName.get(name);
      const owner = entry?.backend ?? this.routes.unavailableOwner(name)?.backend;
      const backend = owner === undefined ? undefined : this.routes.backend(owner);
      const left = budget === undefined ? undefined : budget - (Date.now() - t0);
      if (backend?.state !== 'connecting' || (left !== undefined && left <= 0))
        return { entry, timeoutMs: left };
      budget ??= opts.timeoutMs ?? backend.spec.requestTimeoutMs;
      if (opts.signal?.aborted)
        throw new GatewayError('cancelled', `the call to "${name}" was cancelled`, owner);
      await this.connecting.next(left ?? budget, opts.signal);
    }
  }

  /** Reads a resource from the backend that lists it (or whose template matches it). */
  async readResource(
    uri: string,
    opts: UpstreamRequestOptions,
    grant: Grant = ALLOW_ALL,
  ): Promise<ReadResourceResult> {
    const backend = resourceBackend(this.routes.snapshot(), uri);
    if (!backend) throw new GatewayError('unknown_resource', `Resource not found: ${uri}`);
    if (!grant.backend(backend)) throw notPermitted(`resource "${uri}"`, backend);
    return this.run(this.backendFor(backend), 'resources/read', { uri }, ReadResourceResultSchema, opts);
  }

  /** Subscribes or unsubscribes to a resource on its backend. */
  async subscription(
    method: 'resources/subscribe' | 'resources/unsubscribe',
    uri: string,
    opts: UpstreamRequestOptions,
  ): Promise<void> {
    const backend = resourceBackend(this.routes.snapshot(), uri);
    if (!backend) throw new GatewayError('unknown_resource', `Resource not found: ${uri}`);
    await this.run(this.backendFor(backend), method, { uri }, EmptyResultSchema, opts);
  }

  /** Gets a prompt by exposed name. */
  async getPrompt(
    name: string,
    args: Record<string, string> | undefined,
    opts: UpstreamRequestOptions,
    grant: Grant = ALLOW_ALL,
  ): Promise<GetPromptResult> {
    const entry = this.routes.snapshot().promptsByName.get(name);
    if (!entry) throw new GatewayError('unknown_prompt', `Unknown prompt: ${name}`);
    if (!grant.backend(entry.backend)) throw notPermitted(`prompt "${name}"`, entry.backend);
    const params: Record<string, unknown> = { name: entry.original };
    if (args) params.arguments = args;
    return this.run(this.backendFor(entry.backend), 'prompts/get', params, GetPromptResultSchema, opts);
  }

  /** Routes completion/complete by prompt name or resource template. */
  async complete(
    params: CompleteRequest['params'],
    opts: UpstreamRequestOptions,
    grant: Grant = ALLOW_ALL,
  ): Promise<CompleteResult> {
    const snapshot = this.routes.snapshot();
    const ref = params.ref;
    let backend: string | undefined;
    let upstreamRef: Record<string, unknown> = { ...ref };
    if (ref.type === 'ref/prompt') {
      const entry = snapshot.promptsByName.get(ref.name);
      if (!entry) throw new GatewayError('unknown_prompt', `Unknown prompt: ${ref.name}`);
      backend = entry.backend;
      upstreamRef = { ...ref, name: entry.original };
    } else {
      backend =
        snapshot.templates.find((t) => t.item.uriTemplate === ref.uri)?.backend ??
        resourceBackend(snapshot, ref.uri);
      if (!backend) throw new GatewayError('unknown_resource', `Resource template not found: ${ref.uri}`);
    }
    if (!grant.backend(backend)) {
      const what = ref.type === 'ref/prompt' ? `prompt "${ref.name}"` : `resource template "${ref.uri}"`;
      throw notPermitted(what, backend);
    }
    const upstream = { ...params, ref: upstreamRef };
    return this.run(this.backendFor(backend), 'completion/complete', upstream, CompleteResultSchema, opts);
  }

  /** The backend a tools/call (by tool name), prompts/get (by prompt name) or resources/read (by URI) goes to. */
  owner(method: 'tools/call' | 'prompts/get' | 'resources/read', target: string): string | undefined {
    const snapshot = this.routes.snapshot();
    if (method === 'tools/call') return snapshot.toolsByName.get(target)?.backend;
    if (method === 'prompts/get') return snapshot.promptsByName.get(target)?.backend;
    return resourceBackend(snapshot, target);
  }

  /** The backend that serves a resource URI, if any. */
  resourceOwner(uri: string): Backend | undefined {
    const name = resourceBackend(this.routes.snapshot(), uri);
    return name === undefined ? undefined : this.routes.backend(name);
  }

  /**
   * Forwards logging/setLevel to every backend that supports logging: a shared upstream session gets
   * `sharedLevel` (the most verbose any client asked for), a per-client one its own client's level.
   * Failures are logged, not raised.
   */
  async setLevel(sharedLevel: LoggingLevel, origin: Origin): Promise<void> {
    const snapshot = this.routes.snapshot();
    await Promise.all(
      snapshot.capable.logging.map(async (name) => {
        try {
          const backend = this.backendFor(name);
          const level = backend.clientSessions ? origin.logLevel() : sharedLevel;
          await backend.request('logging/setLevel', { level }, EmptyResultSchema, { origin });
        } catch (err) {
          log.warn({ backend: name, err: String(err) }, 'logging/setLevel not forwarded');
        }
      }),
    );
  }

  /** Tells the upstream sessions serving a client that its roots changed. */
  async rootsChanged(origin: Origin): Promise<void> {
    const method = 'notifications/roots/list_changed';
    await Promise.all(
      this.routes.backends().map(async (b) => {
        try {
          if (b.clientSessions) await b.clientSessions.notify(origin.sessionId, method);
          else await b.notify(method);
        } catch (err) {
          log.warn({ backend: b.name, err: String(err) }, 'roots/list_changed not forwarded');
        }
      }),
    );
  }

  /** Closes the per-client upstream sessions of a downstream session that ended. */
  async sessionClosed(session: string): Promise<void> {
    await Promise.all(this.routes.backends().map((b) => b.clientSessions?.close(session)));
  }
}
