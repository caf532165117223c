import type { Migration } from './index.js';

/**
 * The `calls` table and `steadycall_calls_apply_status`, the monotonic status update of
 * `calls/status.ts` (`decideStatusUpdate`) as one conditional `UPDATE`. Phone numbers are stored in
 * full (the app needs them); they are masked wherever they are logged. Times are `timestamptz`
 * converted from the epoch milliseconds the port passes; records come back as camelCase `jsonb`
 * shaped exactly like `CallRecord`.
 */
export const callsMigration: Migration = {
  name: '0005_calls',
  sql: /* sql */ `
-- Plain "create table": an older table of the same name must fail loudly, not half-work.
create table calls (
  id text primary key,
  call_sid text unique,
  tenant_id text,
  direction text not null default 'outbound' check (direction in ('outbound', 'inbound')),
  "to" text not null,
  "from" text not null,
  status text not null default 'queued' check (status in (
    'queued', 'initiated', 'ringing', 'in-progress',
    'completed', 'busy', 'failed', 'no-answer', 'canceled'
  )),
  last_sequence_number integer,
  ai_provider text,
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  ended_at timestamptz,
  -- Breaks created_at ties in list() (newest insert first), as the memory store does.
  insert_order bigint generated always as identity
);

-- getBySid uses the unique index of call_sid; list() filters by tenant or status, newest first.
create index calls_created_idx on calls (created_at desc, insert_order desc);
create index calls_tenant_created_idx on calls (tenant_id, created_at desc, insert_order desc);
create index calls_status_created_idx on calls (status, created_at desc, insert_order desc);

-- Supabase exposes the public schema through its REST API: without RLS the anon key could read
-- every caller's phone number and rewrite call status. No policies: the table owner (migrations,
-- SUPABASE_DB_URL) and service_role bypass RLS; other roles need an explicit policy.
alter table calls enable row level security;

-- CALL_STATUS_RANK of calls/status.ts; 4 is terminal. Null for an unknown status.
create or replace function steadycall_call_status_rank(p_status text) returns integer
  language sql immutable parallel safe
  as $$
    select case p_status
      when 'queued' then 0
      when 'initiated' then 1
      when 'ringing' then 2
      when 'in-progress' then 3
      when 'completed' then 4
      when 'busy' then 4
      when 'failed' then 4
      when 'no-answer' then 4
      when 'canceled' then 4
    end
  $$;

create or replace function steadycall_call_record(c calls) returns jsonb
  language sql stable parallel safe
  as $$
    select jsonb_build_object(
      'id', c.id,
      'callSid', c.call_sid,
      'tenantId', c.tenant_id,
      'direction', c.direction,
      'to', c."to",
      'from', c."from",
      'status', c.status,
      'lastSequenceNumber', c.last_sequence_number,
      'aiProvider', c.ai_provider,
      'metadata', c.metadata,
      'createdAt', steadycall_ts_to_ms(c.created_at)::bigint,
      'updatedAt', steadycall_ts_to_ms(c.updated_at)::bigint,
      'endedAt', steadycall_ts_to_ms(c.ended_at)::bigint
    )
  $$;

-- Applies a status callback: {applied, record[, reason]}. The call is found by call_sid, else by id
-- unless that call is linked to another sid (as the memory store does), and locked, so the reason
-- reported for a skipped update describes the very row the conditional UPDATE saw.
create or replace function steadycall_calls_apply_status(
  p_call_sid text,
  p_id text,
  p_status text,
  p_sequence_number integer,
  p_at_ms double precision
) returns jsonb
  language plpgsql volatile
  as $$
declare
  v_at timestamptz := steadycall_ms_to_ts(p_at_ms);
  v_rank integer := steadycall_call_status_rank(p_status);
  v_row calls;
  v_next calls;
begin
  if v_rank is null then
    raise exception 'unknown call status %', p_status using errcode = '22023';
  end if;

  if p_call_sid is not null then
    select c.* into v_row from calls c where c.call_sid = p_call_sid for update;
  end if;
  if v_row.id is null and p_id is not null then
    select c.* into v_row from calls c
      where c.id = p_id and (c.call_sid is null or p_call_sid is null or c.call_sid = p_call_sid)
      for update;
  end if;
  if v_row.id is null then
    return jsonb_build_object('applied', false, 'record', null, 'reason', 'not_found');
  end if;

  -- decideStatusUpdate: not terminal, SequenceNumber newer when both have one, rank forward.
  update calls c set
    status = p_status,
    last_sequence_number = greatest(c.last_sequence_number, p_sequence_number),
    updated_at = v_at,
    ended_at = case when v_rank = 4 then v_at else c.ended_at end
  where c.id = v_row.id
    and steadycall_call_status_rank(c.status) < 4
    and (p_sequence_number is null or c.last_sequence_number is null
         or p_sequence_number > c.last_sequence_number)
    and v_rank > steadycall_call_status_rank(c.status)
  returning c.* into v_next;

  if found then
    return jsonb_build_object('applied', true, 'record', steadycall_call_record(v_next));
  end if;
  return jsonb_build_object(
    'applied', false,
    'record', steadycall_call_record(v_row),
    'reason', case
      when steadycall_call_status_rank(v_row.status) = 4 then 'terminal'
      when p_sequence_number is not null and v_row.last_sequence_number is not null
           and p_sequence_number <= v_row.last_sequence_number then 'stale_sequence'
      else 'not_forward'
    end
  );
end
$$;
`,
};
