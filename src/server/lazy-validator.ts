import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type {
  JsonSchemaType,
  JsonSchemaValidator,
  jsonSchemaValidator,
} from '@modelcontextprotocol/sdk/validation';

/**
 * The SDK's Ajv-based JSON Schema validator, built on first use. The SDK builds one per Server/Client
 * (about 1 ms and 20 KB each), yet a downstream session needs one only to check an elicitation answer;
 * with thousands of sessions that was most of the cost of opening one. One per session, not one shared,
 * because Ajv caches every schema it compiles for the life of its instance.
 */
export class LazyValidator implements jsonSchemaValidator {
  private ajv?: AjvJsonSchemaValidator;

  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    this.ajv ??= new AjvJsonSchemaValidator();
    return this.ajv.getValidator<T>(schema);
  }
}
