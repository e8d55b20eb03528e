/**
 * The conformance fixture's 2026-07-28 tools: what the frozen 2026-07-28 server set calls beyond the 2025 ones
 * (multi-round-trip input requests, the diagnostic tools of `server-stateless`, list-change hooks). Written with
 * the SDK's own helpers (`inputRequired`, `MissingRequiredClientCapabilityError`); the requestState-carrying
 * scenarios (request-state, multiple inputs, multi-round, tampered state, the prompt variant) are not served.
 */
import {
  inputRequired,
  MissingRequiredClientCapabilityError,
  type McpServer,
} from '@modelcontextprotocol/server';

const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });

/** Notifies open listen streams and sessions that the tool or prompt list changed. */
export interface ListHooks {
  toolsChanged(): void;
  promptsChanged(): void;
}

/** Whether the hook tools added their extra tool and prompt (the lists really change). */
const extra = { tool: false, prompt: false };

const NAME_SCHEMA = {
  type: 'object' as const,
  properties: { name: { type: 'string' as const } },
  required: ['name'],
};

type Handler = (request: { params: { name?: unknown } }, ctx: unknown) => unknown;

/**
 * A tool that needs a capability the request did not declare is refused with -32021 (a JSON-RPC error, which
 * McpServer's tool callbacks cannot raise: it turns their errors into tool results), so tools/call is wrapped.
 * Call after every tool is registered.
 */
export function refuseUndeclared(server: McpServer): void {
  const low = server.server as unknown as {
    _getRequestHandler(method: string): Handler | undefined;
    setRequestHandler(method: string, handler: Handler): void;
  };
  const inner = low._getRequestHandler('tools/call');
  if (!inner) return;
  low.setRequestHandler('tools/call', (request, ctx) => {
    const sampling = server.server.getClientCapabilities()?.sampling;
    if (request.params.name === 'test_missing_capability' && !sampling) {
      throw new MissingRequiredClientCapabilityError({ requiredCapabilities: { sampling: {} } });
    }
    return inner(request, ctx);
  });
}

/** Registers the 2026-07-28 tools on a server (a fresh one per request or session). */
export function register2026(server: McpServer, hooks: ListHooks): void {
  const caps = () => server.server.getClientCapabilities() ?? {};
  server.registerTool(
    'test_input_required_result_elicitation',
    { description: 'Asks the client for a name (input_required), then greets' },
    (ctx) => {
      const answer = ctx.mcpReq.inputResponses?.user_name as { content?: { name?: unknown } } | undefined;
      if (answer?.content?.name !== undefined) return text(`Hello, ${String(answer.content.name)}!`);
      return inputRequired({
        inputRequests: {
          user_name: inputRequired.elicit({ message: 'What is your name?', requestedSchema: NAME_SCHEMA }),
        },
      });
    },
  );
  server.registerTool(
    'test_input_required_result_sampling',
    { description: 'Asks the client to sample (input_required)' },
    (ctx) => {
      const answer = ctx.mcpReq.inputResponses?.sample_request as
        { content?: { text?: unknown } } | undefined;
      if (answer) return text(`Sampling result: ${String(answer.content?.text ?? 'no response')}`);
      return inputRequired({
        inputRequests: {
          sample_request: inputRequired.createMessage({
            messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
            maxTokens: 100,
          }),
        },
      });
    },
  );
  server.registerTool(
    'test_input_required_result_list_roots',
    { description: "Asks for the client's roots (input_required)" },
    (ctx) => {
      const answer = ctx.mcpReq.inputResponses?.roots_request as { roots?: unknown[] } | undefined;
      if (answer) return text(`Found ${answer.roots?.length ?? 0} root(s)`);
      return inputRequired({ inputRequests: { roots_request: inputRequired.listRoots() } });
    },
  );
  server.registerTool(
    'test_input_required_result_capabilities',
    { description: 'Asks only for input the client declared it can give' },
    (ctx) => {
      if (ctx.mcpReq.inputResponses) return text('capabilities respected');
      const c = caps();
      const requests: Record<string, ReturnType<typeof inputRequired.listRoots>> = {};
      if (c.elicitation) {
        requests.elicit_input = inputRequired.elicit({ message: 'Name?', requestedSchema: NAME_SCHEMA });
      }
      if (c.sampling) {
        requests.sample_input = inputRequired.createMessage({
          messages: [{ role: 'user', content: { type: 'text', text: 'Hi' } }],
          maxTokens: 10,
        });
      }
      if (c.roots) requests.roots_input = inputRequired.listRoots();
      if (Object.keys(requests).length === 0) return text('no input requested: no capability declared');
      return inputRequired({ inputRequests: requests });
    },
  );
  server.registerTool('test_missing_capability', { description: 'Needs the sampling capability' }, () =>
    text('Success'),
  );
  server.registerTool(
    'test_streaming_elicitation',
    { description: 'Streams progress, then answers' },
    (ctx) => text(ctx.mcpReq.inputResponses ? 'Streaming complete (answered)' : 'Streaming complete'),
  );
  server.registerTool(
    'test_logging_tool',
    { description: 'Logs only at a level the request set' },
    async (ctx) => {
      await ctx.mcpReq.log('info', 'Diagnostic trace logging activated');
      return text('Logging evaluated');
    },
  );
  server.registerTool('test_trigger_tool_change', { description: 'Adds or removes a tool' }, () => {
    extra.tool = !extra.tool;
    hooks.toolsChanged();
    return text('Mutation triggered');
  });
  server.registerTool('test_trigger_prompt_change', { description: 'Adds or removes a prompt' }, () => {
    extra.prompt = !extra.prompt;
    hooks.promptsChanged();
    return text('Mutation triggered');
  });
  if (extra.tool)
    server.registerTool('test_dynamic_tool', { description: 'Added by a hook' }, () => text('ok'));
  if (extra.prompt) {
    server.registerPrompt('test_dynamic_prompt', { description: 'Added by a hook' }, () => ({
      messages: [{ role: 'user', content: { type: 'text', text: 'dynamic' } }],
    }));
  }
}
