import type { Migration } from './index.js';

/**
 * The `incident_log` table: append-only, read newest first. `seq` records insertion order so
 * incidents with the same `at` come back newest-inserted first, exactly like the memory log. Every
 * index ends in `(at desc, seq desc)`, the order of every query, so a filtered "latest N" is an
 * index scan that stops after N rows. Defaults let an operator insert a row with plain SQL.
 */
export const incidentLogMigration: Migration = {
  name: '0004_incident_log',
  sql: /* sql */ `
create table if not exists incident_log (
  id uuid primary key default gen_random_uuid(),
  seq bigserial not null,
  severity text not null check (severity in ('info', 'warning', 'critical')),
  provider text,
  code text not null,
  message text not null default '',
  context jsonb not null default '{}'::jsonb,
  call_id text,
  at timestamptz not null default now()
);

comment on table incident_log is
  'steadycall IncidentLog: redacted failures and warnings, newest first by (at, seq)';

create index if not exists incident_log_at_idx on incident_log (at desc, seq desc);
create index if not exists incident_log_severity_at_idx on incident_log (severity, at desc, seq desc);
create index if not exists incident_log_provider_at_idx on incident_log (provider, at desc, seq desc);
create index if not exists incident_log_code_at_idx on incident_log (code, at desc, seq desc);
create index if not exists incident_log_call_id_idx on incident_log (call_id, at desc, seq desc)
  where call_id is not null;
`,
};
