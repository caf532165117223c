import type { Migration } from './index.js';

/** The `calls` table. (Placeholder: filled in with its table, indexes and atomic functions.) */
export const callsMigration: Migration = {
  name: '0005_calls',
  sql: /* sql */ `
select 1;
`,
};
