import { MemoryIdempotencyStore } from '../../src/storage/memory/idempotency.js';
import { idempotencyStoreContract } from './idempotency.contract.js';

idempotencyStoreContract('memory', () => new MemoryIdempotencyStore());
