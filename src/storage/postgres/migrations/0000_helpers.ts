import type { Migration } from './index.js';

/**
 * Conversions between the epoch milliseconds the ports speak and the `timestamptz` columns an
 * operator queries (`where cooldown_until > now()`). Exact: `extract(epoch ...)` is numeric.
 */
export const helpersMigration: Migration = {
  name: '0000_helpers',
  sql: /* sql */ `
create or replace function steadycall_ms_to_ts(ms double precision) returns timestamptz
  language sql immutable parallel safe
  as $$ select case when ms is null then null else to_timestamp(ms / 1000.0) end $$;

create or replace function steadycall_ts_to_ms(ts timestamptz) returns double precision
  language sql immutable parallel safe
  as $$ select case when ts is null then null else round(extract(epoch from ts) * 1000)::double precision end $$;
`,
};
