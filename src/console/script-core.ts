// First half of console.js: DOM helpers, the token, the ops API client, notices and the confirm
// dialog. Plain browser JavaScript in a string (bundles anywhere, no file reads). Server data is only
// ever written with textContent / attributes, never parsed as HTML.

/** DOM helpers, token handling, API client and dialog of the console script. */
export const consoleScriptCore = `
const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'steadycall.opsToken';
const apiMeta = document.querySelector('meta[name="steadycall-ops-api"]');
const apiBase = new URL(apiMeta ? apiMeta.content : './', location.href);
const refreshMs = Math.max(1000, Number(document.body.dataset.refreshMs) || 5000);
const ALERT_WINDOW_MS = 3600000;
const FAILURE_ALERT_THRESHOLD = 10;

function el(tag, props, children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'className') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children || []) if (child !== null && child !== undefined) node.append(child);
  return node;
}

const token = {
  get() {
    try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
  },
  set(value) {
    try { sessionStorage.setItem(TOKEN_KEY, value); } catch { /* storage disabled: sign in per page */ }
  },
  clear() {
    try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* nothing stored */ }
  },
};

class SignedOut extends Error {}
class ApiError extends Error {
  constructor(status, message, details) {
    super(message);
    this.status = status;
    this.details = details;
  }
}

function issuesText(details) {
  const issues = details && Array.isArray(details.issues) ? details.issues : [];
  return issues.map((i) => (i.path ? i.path + ': ' : '') + i.message).join('; ');
}

async function api(path, options) {
  const opts = options || {};
  const bearer = token.get();
  if (!bearer) {
    signOut('');
    throw new SignedOut();
  }
  const headers = { authorization: 'Bearer ' + bearer, accept: 'application/json' };
  let body;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res;
  try {
    res = await fetch(new URL(path, apiBase), {
      method: opts.method || 'GET', headers, body, cache: 'no-store', credentials: 'omit',
      redirect: 'error', referrerPolicy: 'no-referrer',
    });
  } catch {
    throw new ApiError(0, 'The server could not be reached.');
  }
  if (res.status === 401) {
    signOut('The ops token was not accepted. Sign in again.');
    throw new SignedOut();
  }
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (!res.ok) {
    const error = data && data.error;
    const message = (error && error.message) || 'HTTP ' + res.status;
    const issues = issuesText(error && error.details);
    throw new ApiError(res.status, issues ? message + ' (' + issues + ')' : message, error && error.details);
  }
  return data;
}

function notify(message, isError) {
  const notice = $('notice');
  notice.textContent = message;
  notice.classList.toggle('is-error', !!isError);
  notice.setAttribute('role', isError ? 'alert' : 'status');
  notice.hidden = !message;
}

function failed(prefix, error) {
  if (error instanceof SignedOut) return;
  notify(prefix + ': ' + (error && error.message ? error.message : String(error)), true);
}

function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return s + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' min ' + (s % 60) + ' s';
  const h = Math.floor(m / 60);
  return h + ' h ' + (m % 60) + ' min';
}

function setTime(cell, at, now) {
  if (typeof at !== 'number') {
    cell.replaceChildren('never');
    return;
  }
  const iso = new Date(at).toISOString();
  const ago = now - at;
  const time = el('time', { datetime: iso, title: iso, text: ago < 1000 ? 'just now' : duration(ago) + ' ago' });
  cell.replaceChildren(time);
}

function badge(status) {
  const text = String(status);
  return el('span', { className: 'badge badge-' + text.replace(/[^a-z_]/g, ''), text });
}

let pendingConfirm = null;

function confirmAction(options) {
  pendingConfirm = options;
  $('confirm-title').textContent = options.title;
  $('confirm-text').textContent = options.text;
  $('confirm-ok').textContent = options.ok;
  $('confirm-duration').hidden = !options.withDuration;
  $('confirm-error').textContent = '';
  $('confirm').showModal();
  (options.withDuration ? $('confirm-minutes') : $('confirm-cancel')).focus();
}

$('confirm-cancel').addEventListener('click', () => {
  pendingConfirm = null;
  $('confirm').close();
});

$('confirm-ok').addEventListener('click', async () => {
  const action = pendingConfirm;
  if (!action) return;
  let minutes;
  if (action.withDuration) {
    minutes = Number($('confirm-minutes').value);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 10080) {
      $('confirm-minutes').setAttribute('aria-invalid', 'true');
      $('confirm-error').textContent = 'Enter a whole number of minutes between 1 and 10080.';
      return;
    }
    $('confirm-minutes').removeAttribute('aria-invalid');
  }
  pendingConfirm = null;
  $('confirm').close();
  try {
    await action.run(minutes);
    notify(action.done, false);
  } catch (error) {
    failed(action.title, error);
  }
  await refreshAll();
});
`;
