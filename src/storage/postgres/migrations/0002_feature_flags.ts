import type { Migration } from './index.js';

/**
 * The `feature_flags` table, and `steadycall_flags_set_tenant_override`: one tenant's override
 * set or removed in one atomic statement, so concurrent writers to different tenants of the same
 * flag never lose each other's override (a read-merge-write through `FlagStore.set` would).
 *
 * The runbook's seven flags are NOT seeded here: an empty table already means "every runbook
 * default" to the resolver, and the `FlagStore` contract expects a new store to be empty. Operators
 * who want the rows visible call `seedRunbookFlags(sql)` from `steadycall/postgres`.
 */
export const featureFlagsMigration: Migration = {
  name: '0002_feature_flags',
  sql: /* sql */ `
create table if not exists feature_flags (
  key text primary key,
  value jsonb not null,
  tenant_overrides jsonb not null default '{}'::jsonb,
  rollout jsonb,
  description text,
  -- Defaulted so an operator's plain "insert into feature_flags (key, value)" works.
  updated_at timestamptz not null default now()
);

comment on table feature_flags is
  'steadycall FlagStore: flag value (JSON), per-tenant overrides, sticky percentage rollout';

-- Sets (p_value not null) or removes (p_value is null) one tenant's override. A missing row is
-- created with p_default_value as its shared value; removing from a missing row returns no row.
-- Both branches lock the row they change, so concurrent patches to one flag all survive.
create or replace function steadycall_flags_set_tenant_override(
  p_key text,
  p_tenant text,
  p_value jsonb,
  p_now_ms double precision,
  p_default_value jsonb default 'null'::jsonb
) returns setof feature_flags
  language sql volatile
  as $$
    with removed as (
      update feature_flags f
         set tenant_overrides = f.tenant_overrides - p_tenant,
             updated_at = steadycall_ms_to_ts(p_now_ms)
       where p_value is null and f.key = p_key
      returning f.*
    ), upserted as (
      insert into feature_flags as f (key, value, tenant_overrides, updated_at)
      select p_key, coalesce(p_default_value, 'null'::jsonb), jsonb_build_object(p_tenant, p_value),
             steadycall_ms_to_ts(p_now_ms)
       where p_value is not null
      on conflict (key) do update
         set tenant_overrides = f.tenant_overrides || excluded.tenant_overrides,
             updated_at = excluded.updated_at
      returning f.*
    )
    select * from removed
    union all
    select * from upserted
  $$;
`,
};
