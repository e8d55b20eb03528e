import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Tool } from '@modelcontextprotocol/server';
import { log } from '../../log.js';

/** One argument that does not fit the tool's input schema. */
export interface ArgumentError {
  /** JSON Pointer into the arguments ('' = the arguments object). */
  path: string;
  message: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** Schemas that declare an older draft are compiled as draft-07; the rest (2020-12, or none) as 2020-12. */
const OLDER_DRAFT = /json-schema\.org\/draft-0[4-7]\//;

/**
 * Validates tool arguments against the tools' input schemas, each compiled once per catalog version: a new
 * version drops every compiled schema (and the Ajv instances holding them) of the previous one.
 */
export class ArgumentValidator {
  private version = -1;
  private compiled = new Map<string, ValidateFunction | null>();
  private draft07 = ArgumentValidator.ajv(Ajv);
  private draft2020 = ArgumentValidator.ajv(Ajv2020);

  private static ajv<T extends typeof Ajv | typeof Ajv2020>(Kind: T): InstanceType<T> {
    // Upstream schemas are theirs: unknown keywords and formats are tolerated, not refused.
    return new Kind({
      allErrors: true,
      strict: false,
      validateFormats: false,
      addUsedSchema: false,
    }) as InstanceType<T>;
  }

  /** The errors of `args` against the tool's input schema; none when it fits or the schema cannot be compiled. */
  check(version: number, tool: Tool, args: Record<string, unknown>): ArgumentError[] {
    if (version !== this.version) {
      this.version = version;
      this.compiled = new Map();
      this.draft07 = ArgumentValidator.ajv(Ajv);
      this.draft2020 = ArgumentValidator.ajv(Ajv2020);
    }
    let validate = this.compiled.get(tool.name);
    if (validate === undefined) {
      validate = this.compile(tool);
      this.compiled.set(tool.name, validate);
    }
    if (!validate || validate(args)) return [];
    return (validate.errors ?? []).map(toError);
  }

  private compile(tool: Tool): ValidateFunction | null {
    const { $schema, ...schema } = tool.inputSchema as Record<string, unknown>;
    const ajv = typeof $schema === 'string' && OLDER_DRAFT.test($schema) ? this.draft07 : this.draft2020;
    try {
      return ajv.compile(schema);
    } catch (err) {
      // A schema Ajv cannot compile is the upstream's to enforce; the call goes through unchecked.
      log.warn(
        { tool: tool.name, err: (err as Error).message },
        'input schema not compilable; not validated',
      );
      return null;
    }
  }
}

function toError(e: ErrorObject): ArgumentError {
  return {
    path: e.instancePath,
    message: e.message ?? e.keyword,
    keyword: e.keyword,
    params: e.params as Record<string, unknown>,
  };
}

/** One line naming every error, for a problem's `detail`. */
export function describeErrors(tool: string, errors: ArgumentError[]): string {
  const each = errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ');
  return `arguments of tool "${tool}" do not fit its input schema: ${each}`;
}
