import { MemoryProviderStatusStore } from '../../src/storage/memory/provider-status.js';
import { providerStatusStoreContract } from './provider-status.contract.js';

providerStatusStoreContract('memory', () => new MemoryProviderStatusStore());
