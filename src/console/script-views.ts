// Second half of console.js: the providers, flags, incidents and alerts views, the refresh loop and
// sign-in. Rows are keyed and updated in place, so a refresh never steals keyboard focus or
// overwrites a flag being edited.

/** Views, refresh loop and sign-in of the console script. */
export const consoleScriptViews = `
const providerRows = new Map();
const flagRows = new Map();
let flagSeq = 0;
let refreshing = null;
let timer = null;
// Server clock minus browser clock: relative times are measured against the server's clock.
let serverOffset = 0;

function place(tbody, tr, index) {
  // Moving a row would blur a focused button in it: only move rows that are out of place.
  if (tbody.children[index] !== tr) tbody.insertBefore(tr, tbody.children[index] || null);
}

function prune(rows, seen) {
  for (const [key, row] of rows) {
    if (!seen.has(key)) {
      row.tr.remove();
      rows.delete(key);
    }
  }
}

function providerRow(name) {
  const existing = providerRows.get(name);
  if (existing) return existing;
  const cells = {};
  const tr = el('tr', { dataset: { provider: name } }, [el('th', { scope: 'row', text: name })]);
  const columns = [['health', 'Health'], ['latency', 'Latency'], ['checked', 'Last check'],
    ['circuit', 'Circuit'], ['failures', 'Failures'], ['cooldown', 'Cooldown'], ['actions', 'Actions']];
  for (const [key, label] of columns) {
    cells[key] = el('td', { dataset: { label, col: key } });
    tr.append(cells[key]);
  }
  const path = 'ops/breakers/' + encodeURIComponent(name);
  const reset = el('button', {
    type: 'button', className: 'small', text: 'Reset breaker', 'aria-label': 'Reset breaker of ' + name,
    onclick: () => confirmAction({
      title: 'Reset breaker: ' + name,
      text: 'Close the circuit of ' + name + ' and zero its failure_count. Calls reach ' + name + ' again at once.',
      ok: 'Reset breaker', done: 'Breaker of ' + name + ' reset.',
      run: () => api(path + '/reset', { method: 'POST' }),
    }),
  });
  const forceOpen = el('button', {
    type: 'button', className: 'small', text: 'Force open', 'aria-label': 'Force open breaker of ' + name,
    onclick: () => confirmAction({
      title: 'Force open: ' + name, withDuration: true,
      text: 'Open the circuit of ' + name + ': every call to it fails fast until the time is up or it is reset.',
      ok: 'Force open', done: 'Breaker of ' + name + ' forced open.',
      run: (minutes) => api(path + '/force-open', { method: 'POST', body: { forMs: minutes * 60000 } }),
    }),
  });
  cells.actions.append(el('div', { className: 'actions' }, [reset, forceOpen]));
  const row = { tr, cells };
  providerRows.set(name, row);
  return row;
}

function renderProviders(data) {
  const now = typeof data.now === 'number' ? data.now : Date.now();
  const list = Array.isArray(data.providers) ? data.providers : [];
  const tbody = $('provider-rows');
  const seen = new Set();
  list.forEach((p, index) => {
    seen.add(p.provider);
    const row = providerRow(p.provider);
    const health = p.lastHealth;
    const healthCell = [badge(health ? health.status : 'unknown')];
    if (health && health.message) healthCell.push(el('span', { className: 'detail', text: health.message }));
    row.cells.health.replaceChildren(...healthCell);
    row.cells.latency.textContent =
      health && typeof health.latencyMs === 'number' ? Math.round(health.latencyMs) + ' ms' : '-';
    setTime(row.cells.checked, health ? health.checkedAt : null, now);
    row.cells.circuit.replaceChildren(badge(p.circuit));
    row.cells.failures.textContent = String(p.failureCount);
    row.cells.failures.classList.toggle('bad', p.failureCount > FAILURE_ALERT_THRESHOLD);
    const remaining = typeof p.cooldownRemainingMs === 'number'
      ? p.cooldownRemainingMs
      : Math.max(0, (p.cooldownUntil || 0) - now);
    row.cells.cooldown.textContent = p.circuit !== 'open' ? '-'
      : remaining > 0 ? duration(remaining) + ' left' : 'over: next call probes';
    row.tr.classList.toggle('is-open', p.circuit === 'open');
    place(tbody, row.tr, index);
  });
  prune(providerRows, seen);
  $('providers-empty').hidden = list.length > 0;
  $('providers-table').hidden = list.length === 0;
}

function inputOf(flag) {
  if (flag.input && flag.input.kind) return flag.input;
  return typeof flag.value === 'boolean' ? { kind: 'boolean' } : { kind: 'json' };
}

async function saveFlag(key, value, message) {
  message.classList.remove('is-error');
  message.textContent = 'Saving...';
  try {
    await api('ops/flags/' + encodeURIComponent(key), { method: 'PUT', body: { value } });
    message.textContent = 'Saved.';
    notify('Flag ' + key + ' set to ' + JSON.stringify(value) + '.', false);
    return true;
  } catch (error) {
    if (error instanceof SignedOut) return false;
    message.classList.add('is-error');
    message.textContent = 'Not saved: ' + error.message;
    return false;
  }
}

function flagEditor(flag, id, message) {
  const input = inputOf(flag);
  const key = flag.flagKey;
  const describedBy = id + '-msg';
  if (input.kind === 'boolean') {
    const box = el('input', { type: 'checkbox', role: 'switch', className: 'switch', id, 'aria-describedby': describedBy });
    const state = el('span', { 'aria-hidden': 'true' });
    box.addEventListener('change', async () => {
      box.disabled = true;
      const ok = await saveFlag(key, box.checked, message);
      if (!ok) box.checked = !box.checked;
      box.disabled = false;
      state.textContent = box.checked ? 'on' : 'off';
      if (ok) await refreshAll();
    });
    const update = (f) => {
      if (box.disabled) return;
      box.checked = f.value === true;
      state.textContent = box.checked ? 'on' : 'off';
    };
    return { node: el('span', { className: 'switch-field' }, [box, state]), update };
  }
  let current;
  let dirty = false;
  const field = input.kind === 'enum'
    ? el('select', { id, 'aria-describedby': describedBy }, input.options.map((o) => el('option', { value: o, text: o })))
    : el('textarea', { id, rows: 1, spellcheck: 'false', 'aria-describedby': describedBy });
  const save = el('button', { type: 'button', className: 'small', text: 'Save', disabled: true, 'aria-label': 'Save ' + key });
  const read = () => {
    if (input.kind === 'enum') return { ok: true, value: field.value };
    try {
      return { ok: true, value: JSON.parse(field.value) };
    } catch {
      return { ok: false };
    }
  };
  const check = () => {
    const parsed = read();
    dirty = !parsed.ok || JSON.stringify(parsed.value) !== JSON.stringify(current);
    field.setAttribute('aria-invalid', parsed.ok ? 'false' : 'true');
    message.classList.toggle('is-error', !parsed.ok);
    message.textContent = parsed.ok ? '' : 'Not valid JSON.';
    save.disabled = !parsed.ok || !dirty;
  };
  field.addEventListener(input.kind === 'enum' ? 'change' : 'input', check);
  save.addEventListener('click', async () => {
    const parsed = read();
    if (!parsed.ok) return check();
    save.disabled = true;
    if (await saveFlag(key, parsed.value, message)) {
      current = parsed.value;
      dirty = false;
      await refreshAll();
    } else save.disabled = false;
  });
  const update = (f) => {
    current = f.value;
    if (dirty) return;
    field.value = input.kind === 'enum' ? String(f.value) : JSON.stringify(f.value);
    save.disabled = true;
  };
  return { node: el('div', { className: 'editor' }, [field, save]), update };
}

function flagRow(flag) {
  const existing = flagRows.get(flag.flagKey);
  if (existing) return existing;
  flagSeq += 1;
  const id = 'flag-' + flagSeq;
  const message = el('span', { className: 'field-msg', id: id + '-msg', 'aria-live': 'polite' });
  const editor = flagEditor(flag, id, message);
  const source = el('td', { dataset: { label: 'Source' } });
  const tr = el('tr', { dataset: { flag: flag.flagKey } }, [
    el('th', { scope: 'row' }, [
      el('label', { for: id, text: flag.flagKey }),
      el('span', { className: 'detail', text: flag.description || '' }),
    ]),
    el('td', { dataset: { label: 'Value' } }, [editor.node, message]),
    source,
  ]);
  const row = {
    tr,
    update(f) {
      editor.update(f);
      source.textContent = String(f.reason || '') + (f.errorCode ? ' (' + f.errorCode + ')' : '');
    },
  };
  flagRows.set(flag.flagKey, row);
  return row;
}

function renderFlags(flags) {
  const tbody = $('flag-rows');
  const seen = new Set();
  (Array.isArray(flags) ? flags : []).forEach((flag, index) => {
    seen.add(flag.flagKey);
    const row = flagRow(flag);
    row.update(flag);
    place(tbody, row.tr, index);
  });
  prune(flagRows, seen);
}

function renderIncidents(incidents, now) {
  const list = Array.isArray(incidents) ? incidents : [];
  const rows = list.map((incident) => {
    const when = el('td', { dataset: { label: 'When' } });
    setTime(when, incident.at, now);
    return el('tr', { dataset: { severity: incident.severity } }, [
      when,
      el('td', { dataset: { label: 'Severity' } }, [badge(incident.severity)]),
      el('td', { dataset: { label: 'Provider' }, text: incident.provider || '-' }),
      el('td', { dataset: { label: 'Code' } }, [el('code', { text: incident.code })]),
      el('td', { dataset: { label: 'Message' }, text: incident.message }),
    ]);
  });
  $('incident-rows').replaceChildren(...rows);
  $('incidents-empty').hidden = list.length > 0;
  $('incidents-table').hidden = list.length === 0;
}

function renderAlerts(providers, critical, now) {
  const items = [];
  for (const p of providers) {
    if (p.circuit === 'open') {
      const left = typeof p.cooldownRemainingMs === 'number' && p.cooldownRemainingMs > 0
        ? ', cooldown ' + duration(p.cooldownRemainingMs) + ' left' : ', cooldown over';
      items.push(['Circuit open', p.provider + left]);
    }
    if (p.failureCount > FAILURE_ALERT_THRESHOLD) {
      items.push(['Repeated failures', p.provider + ': failure_count ' + p.failureCount + ' > ' + FAILURE_ALERT_THRESHOLD]);
    }
  }
  for (const i of critical) {
    items.push(['Critical incident', (i.provider ? i.provider + ': ' : '') + i.code + ': ' + i.message + ' (' + duration(now - i.at) + ' ago)']);
  }
  $('alert-list').replaceChildren(...items.map(([title, text]) =>
    el('li', { dataset: { alert: title } }, [el('strong', { text: title }), ' ', text])));
  $('no-alerts').hidden = items.length > 0;
  $('alerts').classList.toggle('has-alerts', items.length > 0);
  $('alerts-title').textContent = items.length > 0 ? 'Alerts (' + items.length + ')' : 'Alerts';
  document.title = (items.length > 0 ? '(' + items.length + ') ' : '') + 'steadycall ops console';
}

function incidentsPath() {
  const severity = $('severity').value;
  return 'ops/incidents?limit=50' + (severity ? '&severity=' + encodeURIComponent(severity) : '');
}

async function loadIncidents() {
  try {
    const data = await api(incidentsPath());
    renderIncidents(data.incidents, Date.now() + serverOffset);
  } catch (error) {
    failed('Loading incidents failed', error);
  }
}

async function doRefresh() {
  try {
    const providers = await api('ops/providers');
    renderProviders(providers);
    const now = typeof providers.now === 'number' ? providers.now : Date.now();
    serverOffset = now - Date.now();
    const [flags, incidents, critical] = await Promise.all([
      api('ops/flags'),
      api(incidentsPath()),
      api('ops/incidents?severity=critical&limit=20&since=' + (now - ALERT_WINDOW_MS)),
    ]);
    renderFlags(flags.flags);
    renderIncidents(incidents.incidents, now);
    renderAlerts(providers.providers || [], critical.incidents || [], now);
    $('updated').textContent = 'Updated ' + new Date().toLocaleTimeString();
  } catch (error) {
    failed('Refresh failed', error);
  }
}

function refreshAll() {
  if (!token.get()) return Promise.resolve();
  if (!refreshing) refreshing = doRefresh().finally(() => { refreshing = null; });
  return refreshing;
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    if (!document.hidden) await refreshAll();
    if (token.get()) schedule();
  }, refreshMs);
}

function showSignIn(message) {
  $('app').hidden = true;
  $('session').hidden = true;
  $('signin-view').hidden = false;
  $('signin-error').textContent = message || '';
  $('token').focus();
}

function signOut(message) {
  token.clear();
  clearTimeout(timer);
  providerRows.clear();
  flagRows.clear();
  for (const id of ['provider-rows', 'flag-rows', 'incident-rows', 'alert-list']) $(id).replaceChildren();
  notify('', false);
  showSignIn(message);
}

async function start() {
  try {
    renderProviders(await api('ops/providers'));
  } catch (error) {
    if (error instanceof SignedOut) return;
    token.clear();
    showSignIn('Sign-in failed: ' + error.message);
    return;
  }
  $('signin-view').hidden = true;
  $('app').hidden = false;
  $('session').hidden = false;
  await refreshAll();
  schedule();
}

$('signin').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('token');
  const value = input.value.trim();
  input.value = '';
  if (!value) {
    $('signin-error').textContent = 'Enter the ops token.';
    return;
  }
  token.set(value);
  $('signin-error').textContent = '';
  start().then(() => { if (!$('app').hidden) $('main').focus(); });
});

$('signout').addEventListener('click', () => signOut('Signed out.'));
$('refresh').addEventListener('click', () => refreshAll());
$('severity').addEventListener('change', () => loadIncidents());
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) refreshAll();
});

$('run-health').addEventListener('click', async () => {
  const button = $('run-health');
  const result = $('health-result');
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  result.textContent = 'Running health checks...';
  try {
    const report = await api('ops-health-run', { method: 'POST' });
    const parts = (report.results || []).map((r) => r.provider + ' ' + r.status);
    result.textContent = 'Health checks done: ' + report.overall + (parts.length ? ' (' + parts.join(', ') + ')' : '') + '.';
  } catch (error) {
    result.textContent = '';
    failed('Health checks failed', error);
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
  await refreshAll();
});

if (token.get()) start();
else showSignIn('');
`;
