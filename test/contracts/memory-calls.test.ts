import { MemoryCallStore } from '../../src/storage/memory/calls.js';
import { callStoreContract } from './calls.contract.js';

callStoreContract('memory', () => new MemoryCallStore());
