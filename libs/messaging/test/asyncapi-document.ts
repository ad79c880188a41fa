import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AsyncAPIDocumentInterface, Diagnostic, DiagnosticSeverity, Parser } from '@asyncapi/parser';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { IncomingMessage } from '../src/messaging.port';

/** infra/asyncapi.yaml, the document of the platform's Kafka topics. */
export const ASYNCAPI_FILE = join(__dirname, '..', '..', '..', 'infra', 'asyncapi.yaml');

/** What the document says one topic carries. */
export interface TopicContract {
  channel: string;
  /** The topic name without the deployment prefix. */
  address: string;
  message: string;
  contentType: string | undefined;
  payload: object;
  headers: object;
  /** The Kafka binding's key schema. */
  key: object | undefined;
}

export interface ParsedAsyncApi {
  document: AsyncAPIDocumentInterface | undefined;
  diagnostics: Diagnostic[];
  /** Problems at error or warning level, one line each. */
  problems: string[];
  topics: Map<string, TopicContract>;
}

/** Parses the document with the official AsyncAPI parser (which validates it against the spec). */
export async function parseAsyncApi(text: string = readFileSync(ASYNCAPI_FILE, 'utf8')): Promise<ParsedAsyncApi> {
  const { document, diagnostics } = await new Parser().parse(text);
  const problems = diagnostics
    .filter((d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning)
    .map((d) => `${DiagnosticSeverity[d.severity]} ${d.code} at line ${d.range.start.line + 1} (${d.path.join('.')}): ${d.message}`);
  const topics = new Map<string, TopicContract>();
  for (const channel of document?.channels() ?? []) {
    for (const message of channel.messages()) {
      topics.set(channel.address() ?? channel.id(), {
        channel: channel.id(),
        address: channel.address() ?? channel.id(),
        message: message.id(),
        contentType: message.contentType(),
        payload: message.payload()?.json() ?? {},
        headers: message.headers()?.json() ?? {},
        key: (message.bindings().get('kafka')?.value() as { key?: object } | undefined)?.key,
      });
    }
  }
  return { document, diagnostics, problems, topics };
}

/** ajv for the document's schemas (JSON Schema draft-07 plus the parser's annotations), strict otherwise. */
export function schemaCompiler(): Ajv {
  const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addKeyword('x-parser-schema-id');
  return ajv;
}

/** Checks a consumed message against its topic's contract: key, headers, and payload (parsed first when JSON). */
export function messageChecker(contract: TopicContract, ajv: Ajv = schemaCompiler()): (message: IncomingMessage) => string[] {
  const compile = (schema: object | undefined): ValidateFunction | null => (schema ? ajv.compile(schema) : null);
  const payload = compile(contract.payload)!;
  const headers = compile(contract.headers)!;
  const key = compile(contract.key);
  const errorsOf = (what: string, validate: ValidateFunction, value: unknown) =>
    validate(value) ? [] : (validate.errors ?? []).map((e) => `${what}${e.instancePath} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
  return (message) => {
    const problems = [...errorsOf('headers', headers, message.headers)];
    if (key) problems.push(...errorsOf('key', key, message.key));
    let value: unknown = message.value;
    if (contract.contentType === 'application/json') {
      try {
        value = JSON.parse(message.value ?? '');
      } catch {
        return [...problems, 'payload is not JSON'];
      }
    }
    problems.push(...errorsOf('payload', payload, value));
    return problems;
  };
}
