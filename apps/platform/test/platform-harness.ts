import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { loadConfig } from '@crm/config';
import { ProjectorService } from '@crm/projector';
import { createPlatformApp } from '../src/create-platform-app';

/** A running all-in-one platform on a data directory, for end-to-end tests over HTTP. */
export interface PlatformHarness {
  app: NestExpressApplication;
  http: ReturnType<typeof request>;
  projector: ProjectorService;
  close: () => Promise<void>;
}

export async function startPlatform(dataDir: string, env: Record<string, string> = {}): Promise<PlatformHarness> {
  const config = loadConfig({ DATA_DIR: dataDir, STORE_POLL_MS: '20', ...env });
  const app = await createPlatformApp(config, { logger: ['error'] });
  await app.init();
  return {
    app,
    http: request(app.getHttpServer()),
    projector: app.get(ProjectorService),
    close: () => app.close(),
  };
}

export function purchase(customerId: string, overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) {
  return {
    eventId: randomUUID(),
    type: 'PurchaseMade',
    customerId,
    occurredAt: '2026-03-14T10:22:05+01:00',
    source: 'pos-eu-1',
    data: { orderId: `O-${randomUUID().slice(0, 8)}`, amount: 4599, currency: 'EUR', productCategory: 'books', productId: 'B-12', quantity: 1, ...data },
    ...overrides,
  };
}

export function contact(customerId: string, overrides: Record<string, unknown> = {}) {
  return {
    eventId: randomUUID(),
    type: 'ContactLogged',
    customerId,
    occurredAt: '2026-03-10T09:00:00Z',
    source: 'ivr-eu-1',
    data: { channel: 'phone', direction: 'inbound', agentId: 'A-001', teamId: 'T-01', durationSec: 240, topic: 'billing', outcome: 'resolved' },
    ...overrides,
  };
}
