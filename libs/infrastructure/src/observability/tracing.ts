import { Context, Link, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { NextFunction, Request, Response } from 'express';
import { routePatternOf } from '../http/route-pattern';

const TRACER = 'crm-platform';
const propagator = new W3CTraceContextPropagator();
let provider: NodeTracerProvider | undefined;

/**
 * Whether tracing is on in this process. Off by default, and then nothing below creates a span,
 * serialises a context or adds a header: the cost of tracing off is this one boolean.
 */
export const tracingEnabled = (): boolean => provider !== undefined;

/**
 * Whether the standard OTEL_* variables ask for traces: an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT
 * or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or OTEL_TRACES_EXPORTER=otlp, unless OTEL_SDK_DISABLED=true
 * or OTEL_TRACES_EXPORTER=none.
 */
export function tracesRequested(env: Record<string, string | undefined> = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_TRACES_EXPORTER === 'otlp');
}

/**
 * Starts tracing for the process when the environment asks for it (or an exporter is given, as
 * the tests do with an in-memory one): the OTLP/HTTP exporter reads the rest of the standard
 * variables itself (endpoint, headers, timeout; OTEL_SERVICE_NAME names the service, else
 * `serviceName`). W3C trace context in and out. Idempotent: one provider per process.
 */
export function startTracing(options: { serviceName: string; exporter?: SpanExporter; env?: Record<string, string | undefined> }): { shutdown: () => Promise<void> } {
  const env = options.env ?? process.env;
  if (provider !== undefined) return { shutdown: () => provider!.shutdown() };
  if (options.exporter === undefined && !tracesRequested(env)) return { shutdown: async () => undefined };
  const processor = options.exporter ? new SimpleSpanProcessor(options.exporter) : new BatchSpanProcessor(new OTLPTraceExporter());
  provider = new NodeTracerProvider({ resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || options.serviceName }), spanProcessors: [processor] });
  provider.register({ propagator });
  const started = provider;
  return { shutdown: () => started.shutdown() };
}

const tracer = () => trace.getTracer(TRACER);

/** The current context as a `traceparent` value (undefined when tracing is off or no span is active). */
export function currentTraceparent(): string | undefined {
  if (!tracingEnabled()) return undefined;
  const carrier: Record<string, string> = {};
  propagator.inject(context.active(), carrier, { set: (c, k, v) => (c[k] = v) });
  return carrier.traceparent;
}

/** The context a `traceparent` names (the root context for none). */
export function contextOf(traceparent: string | undefined): Context {
  if (traceparent === undefined) return ROOT_CONTEXT;
  return propagator.extract(ROOT_CONTEXT, { traceparent }, { get: (c, k) => c[k as keyof typeof c], keys: (c) => Object.keys(c) });
}

/** Runs `fn` in a span (a child of the active one); a throw marks the span failed. Without tracing: `fn()`. */
export async function inSpan<T>(name: string, attributes: Record<string, string | number | boolean>, fn: () => Promise<T>): Promise<T> {
  if (!tracingEnabled()) return fn();
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * A span that already happened (the projector's fold and commit of a batch, recorded once the
 * batch is committed), as a child of the trace the event was published under.
 */
export function recordSpan(name: string, parent: Context, times: { start: number; end: number }, attributes: Record<string, string | number | boolean>, links: Link[] = []): Span | undefined {
  if (!tracingEnabled()) return undefined;
  const span = tracer().startSpan(name, { startTime: times.start, attributes, links, kind: SpanKind.INTERNAL }, parent);
  span.end(times.end);
  return span;
}

/**
 * The HTTP server span of each request: a child of the caller's `traceparent` when it sends one,
 * active while the request is handled (AsyncLocalStorage), named after the route pattern once
 * routed, with its status.
 */
export function httpTracing(): (request: Request, response: Response, next: NextFunction) => void {
  return (request, response, next) => {
    if (!tracingEnabled()) return next();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer().startSpan(`${request.method} ${request.path}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': request.path } }, parent);
    response.once('finish', () => {
      const route = routePatternOf(request);
      if (route !== undefined) {
        span.updateName(`${request.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', response.statusCode);
      if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
