import type { Migration } from './index.js';

/** The `feature_flags` table. (Placeholder: filled in with its table, indexes and atomic functions.) */
export const featureFlagsMigration: Migration = {
  name: '0002_feature_flags',
  sql: /* sql */ `
select 1;
`,
};
