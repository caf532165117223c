import type { Migration } from './index.js';

/**
 * The `provider_status` table (the runbook's column names) and one plpgsql function per atomic
 * breaker operation. Each function locks the provider's ONE row (`select ... for update`, after an
 * `insert ... on conflict do nothing` for a fresh row) and applies exactly the rules of the pure
 * reducer in `src/breaker/state.ts`, so one call is one round trip and one atomic transition. They
 * keep no session state and take `now_ms` from the caller (never the database clock), so they work
 * through a transaction pooler and from supabase-js:
 *
 * ```ts
 * await supabase.rpc('steadycall_breaker_record_outcome', { provider, outcome, policy, now_ms: Date.now() });
 * ```
 *
 * Every function returns rows in the port's JSON shape (`ProviderStatus`, times in epoch ms):
 * `{ previous, current, transition }` (`transition` is `{ from, to }` or null), or
 * `{ granted, status, transition }` for a probe claim, or the row for a health record.
 */
export const providerStatusMigration: Migration = {
  name: '0001_provider_status',
  sql: /* sql */ `
-- Plain "create table": an older runbook table of the same name must fail loudly, not half-work.
create table provider_status (
  provider text primary key,
  circuit text not null default 'closed' check (circuit in ('closed', 'open', 'half_open')),
  failure_count integer not null default 0 check (failure_count >= 0),
  cooldown_until timestamptz,
  open_count integer not null default 0 check (open_count >= 0),
  window_started_at timestamptz not null default now(),
  window_calls integer not null default 0,
  window_failures integer not null default 0,
  -- [{ "token": text, "expiresAt": epoch ms }, ...] in claim order
  probe_leases jsonb not null default '[]' check (jsonb_typeof(probe_leases) = 'array'),
  opened_at timestamptz,
  last_failure_at timestamptz,
  last_health jsonb,
  generation bigint not null default 0,
  updated_at timestamptz not null default now()
);
-- No index for the alert query (circuit = 'open' / failure_count > 10): one row per provider, so
-- a sequential scan is always the cheapest plan.

-- Supabase exposes the public schema through its REST API: without RLS the anon key could read and
-- rewrite breaker state. No policies: the table owner (migrations, SUPABASE_DB_URL) and
-- service_role bypass RLS; other roles need an explicit policy.
alter table provider_status enable row level security;

comment on table provider_status is
  'steadycall circuit breakers, one row per provider. Write through the steadycall_breaker_* functions; '
  'a hand edit that closes a circuit (the runbook''s reset) is completed into a full reset by a trigger.';

-- The row as the ProviderStatusStore port returns it (camelCase, times in epoch ms).
create or replace function steadycall_provider_status_json(s provider_status) returns jsonb
  language sql stable parallel safe
  as $$ select jsonb_build_object(
    'provider', s.provider,
    'circuit', s.circuit,
    'failureCount', s.failure_count,
    'cooldownUntil', steadycall_ts_to_ms(s.cooldown_until)::bigint,
    'openCount', s.open_count,
    'windowStartedAt', steadycall_ts_to_ms(s.window_started_at)::bigint,
    'windowCalls', s.window_calls,
    'windowFailures', s.window_failures,
    'probeLeases', s.probe_leases,
    'openedAt', steadycall_ts_to_ms(s.opened_at)::bigint,
    'lastFailureAt', steadycall_ts_to_ms(s.last_failure_at)::bigint,
    'lastHealth', s.last_health,
    'generation', s.generation,
    'updatedAt', steadycall_ts_to_ms(s.updated_at)::bigint
  ) $$;

-- initialProviderStatus(): a fresh closed row, as if the provider had never been seen.
create or replace function steadycall_provider_status_fresh(p_provider text, p_now_ms double precision)
  returns provider_status language plpgsql immutable parallel safe
  as $$
declare
  f provider_status;
begin
  f.provider := p_provider;
  f.circuit := 'closed';
  f.failure_count := 0;
  f.open_count := 0;
  f.window_started_at := steadycall_ms_to_ts(p_now_ms);
  f.window_calls := 0;
  f.window_failures := 0;
  f.probe_leases := '[]';
  f.generation := 0;
  f.updated_at := steadycall_ms_to_ts(p_now_ms);
  return f;
end $$;

-- The provider's row, locked until the end of the calling statement's transaction; created fresh
-- first when missing (concurrent creators meet in the unique index, then queue on the row lock).
create or replace function steadycall_provider_status_lock(p_provider text, p_now_ms double precision)
  returns provider_status language plpgsql volatile
  as $$
declare
  f provider_status := steadycall_provider_status_fresh(p_provider, p_now_ms);
  r provider_status;
begin
  -- Retried only if the row is deleted between the insert and the lock.
  for attempt in 1..3 loop
    insert into provider_status select (f).* on conflict (provider) do nothing;
    select * into r from provider_status s where s.provider = p_provider for update;
    if found then
      return r;
    end if;
  end loop;
  raise exception 'provider_status row for "%" cannot be read (row-level security?)', p_provider
    using errcode = '42501';
end $$;

create or replace function steadycall_provider_status_save(n provider_status) returns void
  language sql volatile
  as $$ update provider_status s set
    circuit = n.circuit, failure_count = n.failure_count, cooldown_until = n.cooldown_until,
    open_count = n.open_count, window_started_at = n.window_started_at, window_calls = n.window_calls,
    window_failures = n.window_failures, probe_leases = n.probe_leases, opened_at = n.opened_at,
    last_failure_at = n.last_failure_at, last_health = n.last_health, generation = n.generation,
    updated_at = n.updated_at
  where s.provider = n.provider $$;

-- The policy travels with every call (BreakerPolicy); refuse one with missing fields rather than
-- let SQL nulls silently disable a rule.
create or replace function steadycall_breaker_check_policy(p jsonb) returns void
  language plpgsql immutable
  as $$
begin
  if p is null or jsonb_typeof(p) <> 'object' or not (p ?& array[
    'consecutiveFailures', 'failureRateThreshold', 'minimumCalls', 'windowMs', 'baseCooldownMs',
    'maxCooldownMs', 'jitter', 'halfOpenMaxProbes', 'probeLeaseMs'
  ]) then
    raise exception 'steadycall breaker policy is incomplete: %', p using errcode = '22023';
  end if;
end $$;

-- cooldownMs() bit for bit: all float8 (IEEE doubles, like JS numbers), with three guards where
-- PostgreSQL raises an error on a value JS silently turns into Infinity or 0:
--  * 2^exponent overflows past 1023 and base * 2^exponent may overflow: both can only mean "at
--    least the cap" (base >= max / 2^e is exact, a division by a power of two);
--  * jitter * (2r - 1) underflows only when |jitter| < 1e-300, where JS's 1 + it is exactly 1;
--  * JS Math.round is half-up (floor, then +1 if the fraction is >= .5); PostgreSQL's round() on
--    float8 is half-even, so it is not used.
-- A base of 0 (or less) gives 0 (JS yields NaN once 2^exponent is Infinity: 0 * Infinity).
create or replace function steadycall_breaker_cooldown_ms(
  open_count integer, policy jsonb, random double precision default 0.5
) returns double precision language plpgsql immutable parallel safe
  as $$
declare
  v_base constant double precision := (policy->>'baseCooldownMs')::double precision;
  v_max constant double precision := (policy->>'maxCooldownMs')::double precision;
  v_jitter constant double precision := (policy->>'jitter')::double precision;
  v_exp constant double precision := greatest(0, open_count - 1);
  v_raw double precision;
  v_pow double precision;
  v_spread double precision;
  v_x double precision;
  v_rounded double precision;
begin
  if v_base <= 0 then
    return 0;
  end if;
  if v_exp >= 1024 then
    v_raw := v_max;
  else
    v_pow := 2::double precision ^ v_exp;
    v_raw := case when v_base >= v_max / v_pow then v_max else v_base * v_pow end;
  end if;
  v_spread := case when abs(v_jitter) < 1e-300 then 1 else 1 + v_jitter * (2 * coalesce(random, 0.5) - 1) end;
  v_x := v_raw * v_spread;
  v_rounded := floor(v_x);
  if v_x - v_rounded >= 0.5 then
    v_rounded := v_rounded + 1;
  end if;
  return greatest(0, least(v_max, v_rounded));
end $$;

-- shouldTrip(): N consecutive failures, or the failure rate over at least minimumCalls calls.
create or replace function steadycall_breaker_should_trip(s provider_status, policy jsonb) returns boolean
  language sql immutable parallel safe
  as $$ select coalesce(
    ((policy->>'consecutiveFailures')::double precision > 0
      and s.failure_count >= (policy->>'consecutiveFailures')::double precision)
    or ((policy->>'failureRateThreshold')::double precision > 0
      and s.window_calls >= (policy->>'minimumCalls')::double precision
      and s.window_failures::double precision / nullif(s.window_calls, 0)::double precision
        >= (policy->>'failureRateThreshold')::double precision),
    false) $$;

create or replace function steadycall_breaker_transition(from_circuit text, to_circuit text) returns jsonb
  language sql immutable parallel safe
  as $$ select case when from_circuit is distinct from to_circuit
    then jsonb_build_object('from', from_circuit, 'to', to_circuit) end $$;

-- applyOutcome(): one call's outcome (after outcome.pendingSuccesses batched successes).
create or replace function steadycall_breaker_record_outcome(
  provider text, outcome jsonb, policy jsonb, now_ms double precision
) returns jsonb language plpgsql volatile
  as $$
declare
  v_now constant timestamptz := steadycall_ms_to_ts(now_ms);
  v_token constant text := outcome->>'probeToken';
  r provider_status;
  n provider_status;
  v_probe boolean;
begin
  perform steadycall_breaker_check_policy(policy);
  r := steadycall_provider_status_lock(provider, now_ms);
  n := r;
  n.generation := r.generation + 1;
  n.updated_at := v_now;
  if now_ms - steadycall_ts_to_ms(n.window_started_at) >= (policy->>'windowMs')::double precision then
    n.window_started_at := v_now;
    n.window_calls := 0;
    n.window_failures := 0;
  end if;
  n.window_calls := n.window_calls + greatest(0, coalesce((outcome->>'pendingSuccesses')::integer, 0)) + 1;

  -- Any lease holding the token counts, expired or not (as in the reducer).
  v_probe := r.circuit = 'half_open' and v_token is not null
    and exists (select 1 from jsonb_array_elements(r.probe_leases) l(e) where l.e->>'token' = v_token);

  if outcome->>'kind' = 'success' then
    if r.circuit = 'closed' then
      n.failure_count := 0;
    elsif v_probe then
      n.circuit := 'closed';
      n.failure_count := 0;
      n.open_count := 0;
      n.cooldown_until := null;
      n.probe_leases := '[]';
      n.window_started_at := v_now;
      n.window_calls := 0;
      n.window_failures := 0;
      n.opened_at := null;
    end if;
  else
    n.window_failures := n.window_failures + 1;
    n.failure_count := n.failure_count + 1;
    n.last_failure_at := v_now;
    if (r.circuit = 'closed' and steadycall_breaker_should_trip(n, policy)) or v_probe then
      n.circuit := 'open';
      n.open_count := n.open_count + 1;
      n.cooldown_until := steadycall_ms_to_ts(
        now_ms + steadycall_breaker_cooldown_ms(
          n.open_count, policy, coalesce((outcome->>'random')::double precision, 0.5)));
      n.opened_at := v_now;
      n.probe_leases := '[]';
    end if;
  end if;

  perform steadycall_provider_status_save(n);
  return jsonb_build_object(
    'previous', steadycall_provider_status_json(r),
    'current', steadycall_provider_status_json(n),
    'transition', steadycall_breaker_transition(r.circuit, n.circuit));
end $$;

-- claimProbe(): a half-open probe lease for token. Expired leases are dropped by the same call.
create or replace function steadycall_breaker_claim_probe(
  provider text, token text, policy jsonb, now_ms double precision
) returns jsonb language plpgsql volatile
  as $$
declare
  r provider_status;
  n provider_status;
  v_live jsonb;
  v_live_count integer;
  v_blocked boolean;
begin
  perform steadycall_breaker_check_policy(policy);
  select * into r from provider_status s
    where s.provider = steadycall_breaker_claim_probe.provider for update;
  if not found then
    -- No row means closed: refused, and no row is created (like the in-memory store).
    return jsonb_build_object('granted', false, 'transition', null,
      'status', steadycall_provider_status_json(steadycall_provider_status_fresh(provider, now_ms)));
  end if;

  select coalesce(jsonb_agg(l.e order by l.i), '[]'::jsonb), count(*) into v_live, v_live_count
    from jsonb_array_elements(r.probe_leases) with ordinality l(e, i)
    where (l.e->>'expiresAt')::double precision > now_ms;
  v_blocked := r.circuit = 'closed'
    or (r.circuit = 'open' and r.cooldown_until is not null
      and now_ms < steadycall_ts_to_ms(r.cooldown_until))
    or v_live_count >= (policy->>'halfOpenMaxProbes')::double precision;

  if v_blocked then
    if v_live_count = jsonb_array_length(r.probe_leases) then
      -- Nothing changed: no write, no generation bump.
      return jsonb_build_object('granted', false, 'transition', null,
        'status', steadycall_provider_status_json(r));
    end if;
    n := r;
    n.generation := r.generation + 1;
    n.updated_at := steadycall_ms_to_ts(now_ms);
    n.probe_leases := v_live;
    perform steadycall_provider_status_save(n);
    return jsonb_build_object('granted', false, 'transition', null,
      'status', steadycall_provider_status_json(n));
  end if;

  n := r;
  n.generation := r.generation + 1;
  n.updated_at := steadycall_ms_to_ts(now_ms);
  n.probe_leases := v_live || jsonb_build_array(jsonb_build_object(
    'token', token, 'expiresAt', now_ms + (policy->>'probeLeaseMs')::double precision));
  n.circuit := 'half_open';
  perform steadycall_provider_status_save(n);
  return jsonb_build_object('granted', true,
    'status', steadycall_provider_status_json(n),
    'transition', steadycall_breaker_transition(r.circuit, n.circuit));
end $$;

-- resetStatus(): a fresh closed row that keeps the provider and its last health check.
create or replace function steadycall_breaker_reset(provider text, now_ms double precision) returns jsonb
  language plpgsql volatile
  as $$
declare
  r provider_status := steadycall_provider_status_lock(provider, now_ms);
  n provider_status := steadycall_provider_status_fresh(provider, now_ms);
begin
  n.last_health := r.last_health;
  n.generation := r.generation + 1;
  perform steadycall_provider_status_save(n);
  return jsonb_build_object(
    'previous', steadycall_provider_status_json(r),
    'current', steadycall_provider_status_json(n),
    'transition', steadycall_breaker_transition(r.circuit, n.circuit));
end $$;

-- forceOpenStatus(): open until until_ms; counters kept, leases dropped.
create or replace function steadycall_breaker_force_open(
  provider text, until_ms double precision, now_ms double precision
) returns jsonb language plpgsql volatile
  as $$
declare
  r provider_status := steadycall_provider_status_lock(provider, now_ms);
  n provider_status := r;
begin
  n.generation := r.generation + 1;
  n.updated_at := steadycall_ms_to_ts(now_ms);
  n.circuit := 'open';
  n.cooldown_until := steadycall_ms_to_ts(until_ms);
  n.probe_leases := '[]';
  n.opened_at := steadycall_ms_to_ts(now_ms);
  perform steadycall_provider_status_save(n);
  return jsonb_build_object(
    'previous', steadycall_provider_status_json(r),
    'current', steadycall_provider_status_json(n),
    'transition', steadycall_breaker_transition(r.circuit, n.circuit));
end $$;

-- withHealth(): stores a health-check result; the circuit is untouched. Returns the new row.
create or replace function steadycall_breaker_record_health(
  provider text, health jsonb, now_ms double precision
) returns jsonb language plpgsql volatile
  as $$
declare
  o provider_status := steadycall_provider_status_lock(provider, now_ms);
  n provider_status := o;
begin
  n.generation := n.generation + 1;
  n.updated_at := steadycall_ms_to_ts(now_ms);
  n.last_health := health;
  perform steadycall_provider_status_save(n);
  -- The previous row comes back too: a health run compares with it in this same locked call.
  return jsonb_build_object(
    'previous', steadycall_provider_status_json(o),
    'current', steadycall_provider_status_json(n)
  );
end $$;

-- Hand edits (the runbook's "UPDATE provider_status SET circuit = 'closed', failure_count = 0")
-- never bump generation; the functions above always do. Such an edit gets a new generation (so
-- caches see it), and closing a circuit by hand becomes a full reset like resetStatus(), so
-- the next opening starts again from the base cooldown. Opening by hand drops leases, like
-- forceOpenStatus(). Only the database clock is available here, for updated_at and opened_at.
create or replace function steadycall_provider_status_hand_edit() returns trigger
  language plpgsql
  as $$
begin
  if new.generation is distinct from old.generation then
    return new;
  end if;
  new.generation := old.generation + 1;
  if new.updated_at is not distinct from old.updated_at then
    new.updated_at := now();
  end if;
  if new.circuit = 'closed' and old.circuit <> 'closed' then
    new.failure_count := 0;
    new.open_count := 0;
    new.cooldown_until := null;
    new.probe_leases := '[]';
    new.opened_at := null;
    new.window_calls := 0;
    new.window_failures := 0;
  elsif new.circuit = 'open' and old.circuit <> 'open' then
    new.probe_leases := '[]';
    if new.opened_at is not distinct from old.opened_at then
      new.opened_at := now();
    end if;
  end if;
  return new;
end $$;

create trigger provider_status_hand_edit before update on provider_status
  for each row execute function steadycall_provider_status_hand_edit();
`,
};
