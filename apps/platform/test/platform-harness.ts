import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { loadConfig } from '@crm/config';
import { SampleOverrides, sampleEvent } from '@crm/contracts';
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
