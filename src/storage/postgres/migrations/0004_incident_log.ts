import type { Migration } from './index.js';

/** The `incident_log` table. (Placeholder: filled in with its table, indexes and atomic functions.) */
export const incidentLogMigration: Migration = {
  name: '0004_incident_log',
  sql: /* sql */ `
select 1;
`,
};
