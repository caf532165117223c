import type { Migration } from './index.js';

/**
 * A Twilio status callback applied exactly once per idempotency key in ONE function call: the
 * ledger row in `idempotency_keys` and the conditional `calls` update commit together, so a status
 * webhook costs one round trip, a duplicate (concurrent or later) replays the stored summary, and
 * a crash can never leave one written without the other. Concurrent duplicates serialise on the
 * key's unique index: the second insert waits for the first transaction, then replays.
 */
export const statusOnceMigration: Migration = {
  name: '0006_status_once',
  sql: /* sql */ `
create or replace function steadycall_calls_apply_status_once(
  p_key text,
  p_fingerprint text,
  p_ttl_ms double precision,
  p_call_sid text,
  p_id text,
  p_status text,
  p_sequence_number integer,
  p_at_ms double precision
) returns jsonb
  language plpgsql volatile
  as $$
declare
  v_now timestamptz := steadycall_ms_to_ts(p_at_ms);
  v_expires timestamptz := steadycall_ms_to_ts(p_at_ms + p_ttl_ms);
  v_existing idempotency_keys;
  v_result jsonb;
  v_summary jsonb;
begin
  insert into idempotency_keys as k (key, fingerprint, state, owner_token, lease_expires_at, response,
                                     created_at, updated_at, expires_at, attempts)
  values (p_key, p_fingerprint, 'in_progress', 'status-once', v_expires, null, v_now, v_now, v_expires, 1)
  on conflict (key) do update set
    fingerprint = excluded.fingerprint, state = 'in_progress', owner_token = 'status-once',
    lease_expires_at = excluded.lease_expires_at, response = null, created_at = excluded.created_at,
    updated_at = excluded.updated_at, expires_at = excluded.expires_at, attempts = 1
    where k.expires_at <= v_now;  -- an expired row is re-run like a new key
  if not found then
    select k.* into v_existing from idempotency_keys k where k.key = p_key;
    if v_existing.fingerprint <> p_fingerprint then
      return jsonb_build_object('outcome', 'mismatch');
    elsif v_existing.state = 'completed' then
      return jsonb_build_object('outcome', 'replayed', 'summary', v_existing.response);
    end if;
    -- Held by the generic claim/complete path (another deployment's code): let the caller wait.
    return jsonb_build_object('outcome', 'in_progress');
  end if;

  v_result := steadycall_calls_apply_status(p_call_sid, p_id, p_status, p_sequence_number, p_at_ms);
  v_summary := jsonb_build_object(
    'applied', v_result -> 'applied',
    'status', v_result -> 'record' -> 'status',
    'callId', v_result -> 'record' -> 'id'
  ) || case when v_result ? 'reason' then jsonb_build_object('reason', v_result -> 'reason') else '{}'::jsonb end;
  update idempotency_keys set state = 'completed', response = v_summary, owner_token = null,
    lease_expires_at = null, updated_at = v_now
    where key = p_key;
  return jsonb_build_object('outcome', 'applied', 'summary', v_summary);
end
$$;
`,
};
