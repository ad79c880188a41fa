import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from '@crm/config';
import { configureHttpApp } from '@crm/infrastructure';
import { PlatformModule } from './platform.module';

/** Builds the all-in-one app (used by main.ts and by the end-to-end tests). */
export async function createPlatformApp(config: AppConfig, options: { logger?: false | ('error' | 'warn' | 'log' | 'debug' | 'verbose')[] } = {}) {
  const app = await NestFactory.create<NestExpressApplication>(PlatformModule.forRoot(config), {
    bodyParser: false,
    logger: options.logger ?? levelsFrom(config.LOG_LEVEL),
  });
  configureHttpApp(app, config, 'CRM interaction platform');
  return app;
}

const LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
const levelsFrom = (level: AppConfig['LOG_LEVEL']) => LEVELS.slice(0, LEVELS.indexOf(level) + 1);
