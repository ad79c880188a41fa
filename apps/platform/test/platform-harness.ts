import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import request from 'supertest';
import { clientApiKey, loadConfig } from '@crm/config';
import { SampleOverrides, sampleEvent } from '@crm/contracts';
import { ProjectorService } from '@crm/projector';
import type { ProjectedView } from '@crm/projection';
import type { ReadStore } from '@crm/read-store';
import { createPlatformApp } from '../src/create-platform-app';

/** A running all-in-one platform on a data directory, for end-to-end tests over HTTP. */
export interface PlatformHarness {
  app: NestExpressApplication;
  /** Requests with the data directory's generated key (every scope) unless the test configured API_KEYS. */
  http: ReturnType<typeof request.agent>;
  /** That key (undefined when API_KEYS was given: the test holds its own keys). */
  apiKey: string | undefined;
  projector: ProjectorService;
  close: () => Promise<void>;
}

export async function startPlatform(dataDir: string, env: Record<string, string> = {}): Promise<PlatformHarness> {
  const config = loadConfig({ DATA_DIR: dataDir, STORE_POLL_MS: '20', ...env });
  const app = await createPlatformApp(config, { logger: ['error'] });
  await app.init();
  const serverErrors = recordServerErrors(app);
  const apiKey = config.API_KEYS ? undefined : clientApiKey({}, dataDir);
  const http = agentWithKey(app, apiKey);
  return {
    app,
    http,
    apiKey,
    projector: app.get(ProjectorService),
    close: async () => {
      await app.close();
      serverErrors.assertNone();
    },
  };
}

/** A supertest agent on the app sending `apiKey` (e.g. the one the platform generated in its DATA_DIR: clientApiKey) with every request. */
export function agentWithKey(app: NestExpressApplication, apiKey: string | undefined): ReturnType<typeof request.agent> {
  const agent = request.agent(app.getHttpServer());
  if (apiKey !== undefined) agent.set('Authorization', `Bearer ${apiKey}`);
  return agent;
}

/**
 * Records every 5xx answer of the app (readiness's 503 aside: it is the answer, not a failure).
 * No request of the suite may answer 5xx, whatever it sends: `assertNone` at close fails the
 * suite with the requests that did.
 */
export function recordServerErrors(app: NestExpressApplication): { assertNone: () => void } {
  const seen: string[] = [];
  app.getHttpServer().prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    res.once('finish', () => {
      if (res.statusCode >= 500 && !(res.statusCode === 503 && req.url?.startsWith('/health'))) seen.push(`${req.method} ${req.url} -> ${res.statusCode}`);
    });
  });
  return {
    assertNone: () => {
      if (seen.length > 0) throw new Error(`requests answered 5xx:\n${seen.slice(0, 20).join('\n')}`);
    },
  };
}

/** A valid purchase of `customerId` with a fresh eventId and orderId (the contracts' sample, overridden). */
export function purchase(customerId: string, overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) {
  return sampleEvent('PurchaseMade', {
    eventId: randomUUID(),
    customerId,
    ...overrides,
    data: { orderId: `O-${randomUUID().slice(0, 8)}`, ...data },
  } as SampleOverrides<'PurchaseMade'>);
}

/** A valid inbound phone contact of `customerId` with a fresh eventId. */
export function contact(customerId: string, overrides: Record<string, unknown> = {}) {
  return sampleEvent('ContactLogged', { eventId: randomUUID(), customerId, occurredAt: '2026-03-10T09:00:00Z', ...overrides } as SampleOverrides<'ContactLogged'>);
}

/**
 * Every stored view as it is (position, revision, merged lists, pointers), without what a
 * population pass adds at its own time (the segment; the indexes it evaluated then are left out
 * with the record's indexes): what a replay must give again.
 */
export async function viewsWithoutSegments(readStore: ReadStore): Promise<Map<string, unknown>> {
  const views = new Map<string, unknown>();
  for await (const record of readStore.scanViews<ProjectedView>()) {
    const { segment: _segment, ...view } = record.view;
    views.set(record.customerId, { position: record.position, view });
  }
  return views;
}
