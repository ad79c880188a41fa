import { keyStoreContract } from '../../../testing/src/key-store.contract';
import { InMemoryKeyStore, inMemoryKeyStoreData } from './in-memory-key-store';

keyStoreContract('in-memory', async () => {
  const data = inMemoryKeyStoreData();
  return {
    store: new InMemoryKeyStore(data),
    openAnother: async () => new InMemoryKeyStore(data),
    cleanup: async () => undefined,
  };
});
