import type { Migration } from './index.js';

/**
 * The `idempotency_keys` table and one SQL function per atomic operation of `IdempotencyStore`
 * (`PostgresIdempotencyStore` calls each in a single round trip). Times are `timestamptz`, converted
 * from the epoch milliseconds the port passes: the database clock is never read, so every instance
 * and the contract's explicit `now` values agree. Functions return records as camelCase `jsonb`
 * shaped exactly like `IdempotencyRecord`.
 */
export const idempotencyKeysMigration: Migration = {
  name: '0003_idempotency_keys',
  sql: /* sql */ `
-- Plain "create table": an older table of the same name must fail loudly, not half-work.
create table idempotency_keys (
  key text primary key,
  fingerprint text not null,
  state text not null check (state in ('in_progress', 'completed')),
  owner_token text,
  lease_expires_at timestamptz,
  response jsonb,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  expires_at timestamptz not null,
  attempts integer not null default 1 check (attempts >= 1)
);

-- purgeExpired deletes by expiry.
create index idempotency_keys_expires_at_idx on idempotency_keys (expires_at);

-- Supabase exposes the public schema through its REST API: without RLS the anon key could read
-- stored responses and release or forge claims. No policies: the table owner (migrations,
-- SUPABASE_DB_URL) and service_role bypass RLS; other roles need an explicit policy.
alter table idempotency_keys enable row level security;

create or replace function steadycall_idempotency_record(r idempotency_keys) returns jsonb
  language sql stable parallel safe
  as $$
    select jsonb_build_object(
      'key', r.key,
      'fingerprint', r.fingerprint,
      'state', r.state,
      'ownerToken', r.owner_token,
      'leaseExpiresAt', steadycall_ts_to_ms(r.lease_expires_at)::bigint,
      'response', r.response,
      'createdAt', steadycall_ts_to_ms(r.created_at)::bigint,
      'updatedAt', steadycall_ts_to_ms(r.updated_at)::bigint,
      'expiresAt', steadycall_ts_to_ms(r.expires_at)::bigint,
      'attempts', r.attempts
    )
  $$;

-- The atomic claim: {status, record[, takeover]}. The insert-or-update takes the row lock on a
-- conflict even when its WHERE is false, so the read that follows sees the row exactly as it was
-- decided on (READ COMMITTED gives each statement a fresh snapshot). The loop only covers a row
-- deleted between the two statements under a weaker lock (never expected).
create or replace function steadycall_idempotency_claim(
  p_key text,
  p_fingerprint text,
  p_owner_token text,
  p_lease_ms double precision,
  p_ttl_ms double precision,
  p_now_ms double precision
) returns jsonb
  language plpgsql volatile
  as $$
declare
  v_now timestamptz := steadycall_ms_to_ts(p_now_ms);
  v_row idempotency_keys;
begin
  for attempt in 1..3 loop
    insert into idempotency_keys as k (
      key, fingerprint, state, owner_token, lease_expires_at, response,
      created_at, updated_at, expires_at, attempts
    ) values (
      p_key, p_fingerprint, 'in_progress', p_owner_token, steadycall_ms_to_ts(p_now_ms + p_lease_ms), null,
      v_now, v_now, steadycall_ms_to_ts(p_now_ms + p_ttl_ms), 1
    )
    on conflict (key) do update set
      fingerprint = excluded.fingerprint,
      state = 'in_progress',
      owner_token = excluded.owner_token,
      lease_expires_at = excluded.lease_expires_at,
      response = null,
      -- An expired row (any state or fingerprint) starts afresh; otherwise this is a takeover.
      created_at = case when k.expires_at <= v_now then excluded.created_at else k.created_at end,
      updated_at = excluded.updated_at,
      expires_at = excluded.expires_at,
      attempts = case when k.expires_at <= v_now then 1 else k.attempts + 1 end
    where k.expires_at <= v_now
      or (k.fingerprint = excluded.fingerprint
          and k.state = 'in_progress'
          and (k.lease_expires_at is null or k.lease_expires_at <= v_now))
    returning k.* into v_row;

    if found then
      -- attempts is 1 after an insert or a fresh start, and > 1 only after a takeover.
      return jsonb_build_object(
        'status', 'claimed',
        'takeover', v_row.attempts > 1,
        'record', steadycall_idempotency_record(v_row)
      );
    end if;

    select k.* into v_row from idempotency_keys k where k.key = p_key;
    if found then
      -- Unexpired (an expired row would have been updated above): mismatch, replay or wait.
      return jsonb_build_object(
        'status', case
          when v_row.fingerprint <> p_fingerprint then 'mismatch'
          when v_row.state = 'completed' then 'completed'
          else 'in_progress'
        end,
        'record', steadycall_idempotency_record(v_row)
      );
    end if;
  end loop;
  raise exception 'steadycall_idempotency_claim: key % kept changing under the claim', p_key;
end
$$;

-- Stores the response if p_owner_token still owns the in-progress claim (its lease may have passed).
create or replace function steadycall_idempotency_complete(
  p_key text,
  p_owner_token text,
  p_response jsonb,
  p_now_ms double precision,
  p_ttl_ms double precision
) returns boolean
  language sql volatile
  as $$
    with done as (
      update idempotency_keys set
        state = 'completed',
        response = p_response,
        owner_token = null,
        lease_expires_at = null,
        updated_at = steadycall_ms_to_ts(p_now_ms),
        expires_at = steadycall_ms_to_ts(p_now_ms + p_ttl_ms)
      where key = p_key and state = 'in_progress' and owner_token = p_owner_token
      returning 1
    )
    select exists (select 1 from done)
  $$;

-- Deletes the owned in-progress claim so the next claimant starts afresh.
create or replace function steadycall_idempotency_release(p_key text, p_owner_token text) returns boolean
  language sql volatile
  as $$
    with gone as (
      delete from idempotency_keys
      where key = p_key and state = 'in_progress' and owner_token = p_owner_token
      returning 1
    )
    select exists (select 1 from gone)
  $$;

-- Heartbeat: moves the owned lease, and expires_at to at least the new lease end so a heartbeating
-- claim never expires under its owner.
create or replace function steadycall_idempotency_extend_lease(
  p_key text,
  p_owner_token text,
  p_lease_ms double precision,
  p_now_ms double precision
) returns boolean
  language sql volatile
  as $$
    with moved as (
      update idempotency_keys set
        lease_expires_at = steadycall_ms_to_ts(p_now_ms + p_lease_ms),
        updated_at = steadycall_ms_to_ts(p_now_ms),
        expires_at = greatest(expires_at, steadycall_ms_to_ts(p_now_ms + p_lease_ms))
      where key = p_key and state = 'in_progress' and owner_token = p_owner_token
      returning 1
    )
    select exists (select 1 from moved)
  $$;

create or replace function steadycall_idempotency_purge_expired(p_now_ms double precision) returns integer
  language sql volatile
  as $$
    with gone as (
      delete from idempotency_keys where expires_at <= steadycall_ms_to_ts(p_now_ms) returning 1
    )
    select count(*)::integer from gone
  $$;
`,
};
