import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@crm/config';
import { DataKeys, KeyStore } from '@crm/privacy';
import { dataKeysOf, openKeyStore } from './open-key-store';

@Injectable()
class KeyStoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(KeyStore) private readonly store: KeyStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * The personal-data keys (KeyStore, DataKeys) for the apps that seal (ingest), open (query) or
 * destroy (erasure) them; the relay and the projector never see a key. Imported by each such
 * app module; one instance per process.
 */
@Module({
  providers: [
    { provide: KeyStore, useFactory: (config: AppConfig) => openKeyStore(config), inject: [APP_CONFIG] },
    { provide: DataKeys, useFactory: (config: AppConfig, store: KeyStore) => dataKeysOf(config, store), inject: [APP_CONFIG, KeyStore] },
    KeyStoreLifecycle,
  ],
  exports: [KeyStore, DataKeys],
})
export class PrivacyModule {}
