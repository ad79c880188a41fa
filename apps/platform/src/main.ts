import 'reflect-metadata';
import { ConfigError, loadConfig } from '@crm/config';
import { createPlatformApp } from './create-platform-app';
import { assertPlatformNotRunning, writePlatformLock } from './platform-lock';

async function main(): Promise<void> {
  const config = loadConfig();
  assertPlatformNotRunning(config.DATA_DIR);
  const app = await createPlatformApp(config);
  const releaseLock = writePlatformLock(config.DATA_DIR);
  process.once('exit', releaseLock);
  await app.listen(config.PORT, config.HOST);
  console.log(`CRM platform (${config.CRM_MODE}) listening on http://localhost:${config.PORT}, data in ${config.DATA_DIR}, API docs at /docs`);
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
