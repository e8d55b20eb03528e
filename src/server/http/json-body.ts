import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/** An error shaped like body-parser's (`type`, `status`), so the one error handler answers both alike. */
function bodyError(status: number, type: string, message: string, extra: object = {}): Error {
  return Object.assign(new Error(message), { status, statusCode: status, expose: true, type }, extra);
}

/** The first character that is not JSON whitespace, if any. */
function firstChar(body: string): string | undefined {
  return /^[ \t\n\r]*([^ \t\n\r]|$)/.exec(body)![1] || undefined;
}

/** body-parser's strict-mode refusal of a body that does not start with `{` or `[`, with the same message. */
function strictViolation(body: string, first: string | undefined): Error {
  const index = first === undefined ? -1 : body.indexOf(first);
  const partial = index === -1 ? '' : body.slice(0, index) + '#'.repeat(body.length - index);
  try {
    JSON.parse(partial);
    return new SyntaxError('strict violation');
  } catch (err) {
    const message = (err as Error).message.replace(/#+/g, (p) => body.slice(index, index + p.length));
    return new SyntaxError(message);
  }
}

/** Parses a JSON body as body-parser's strict `json()` does (empty = `{}`, top level an object or array). */
function parse(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length === 0) return {};
  if (body[0] !== '{' && body[0] !== '[') {
    const first = firstChar(body);
    if (first !== '{' && first !== '[') throw strictViolation(body, first);
  }
  return JSON.parse(body);
}

/** Whether a content-type names no charset or UTF-8 (anything else is left to body-parser). */
function utf8(contentType: string | undefined): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

/**
 * JSON request bodies up to `limit` bytes: the common case (identity encoding, UTF-8, a Content-Length within the
 * limit) is read and parsed here, in one pass without body-parser's decoding machinery; anything else (a
 * compressed or chunked body, another charset, an over-long declared length, none) goes to express.json, which
 * answers it exactly as before. Errors carry body-parser's `type` and `status`.
 */
export function jsonBody(limit: number): RequestHandler {
  const full = express.json({ limit, type: () => true });
  return (req: Request, res: Response, next: NextFunction): void => {
    const h = req.headers;
    const length = Number(h['content-length']);
    const encoding = h['content-encoding'];
    const simple =
      h['transfer-encoding'] === undefined &&
      (encoding === undefined || encoding.toLowerCase() === 'identity') &&
      length > 0 &&
      length <= limit &&
      utf8(h['content-type']);
    if (!simple) return void full(req, res, next);
    const chunks: Buffer[] = [];
    // Listeners stay until the request is gone: an 'error' after 'aborted' must still find one.
    let finished = false;
    const done = (err?: Error) => {
      if (finished) return;
      finished = true;
      next(err);
    };
    const onData = (chunk: Buffer) => void chunks.push(chunk);
    const onAborted = () => done(bodyError(400, 'request.aborted', 'request aborted'));
    const onError = (err: Error) => done(bodyError(400, 'request.aborted', err.message));
    const onEnd = () => {
      const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
      try {
        req.body = parse(text);
      } catch (err) {
        return done(bodyError(400, 'entity.parse.failed', (err as Error).message, { body: text }));
      }
      done();
    };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted);
  };
}
