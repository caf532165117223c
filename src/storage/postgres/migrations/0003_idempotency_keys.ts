import type { Migration } from './index.js';

/** The `idempotency_keys` table. (Placeholder: filled in with its table, indexes and atomic functions.) */
export const idempotencyKeysMigration: Migration = {
  name: '0003_idempotency_keys',
  sql: /* sql */ `
select 1;
`,
};
