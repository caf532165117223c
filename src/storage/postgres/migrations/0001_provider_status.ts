import type { Migration } from './index.js';

/** The `provider_status` table. (Placeholder: filled in with its table, indexes and atomic functions.) */
export const providerStatusMigration: Migration = {
  name: '0001_provider_status',
  sql: /* sql */ `
select 1;
`,
};
