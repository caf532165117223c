// The console's only HTML page. Static apart from two escaped attributes (where the ops routes are,
// how often to refresh); everything else is built by console.js with textContent.

/** What the page needs from the handler's options. */
export interface ConsolePageSettings {
  apiBase: string;
  refreshMs: number;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '"': '&quot;',
  '<': '&lt;',
  '>': '&gt;',
  "'": '&#39;',
};

/** Escapes text for a double-quoted HTML attribute. */
export function escapeAttribute(value: string): string {
  return value.replace(/[&"<>']/g, (c) => ESCAPES[c]!);
}

/** The page's HTML: no inline script or style, so the strict Content-Security-Policy holds. */
export function renderConsolePage(settings: ConsolePageSettings): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light">
<meta name="steadycall-ops-api" content="${escapeAttribute(settings.apiBase)}">
<title>steadycall ops console</title>
<link rel="stylesheet" href="console.css">
<script src="console.js" defer></script>
</head>
<body data-refresh-ms="${escapeAttribute(String(settings.refreshMs))}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <h1>steadycall ops</h1>
  <div id="session" class="session" hidden>
    <span id="updated" class="muted"></span>
    <button type="button" id="refresh">Refresh</button>
    <button type="button" id="signout">Sign out</button>
  </div>
</header>
<main id="main" tabindex="-1">
  <section id="signin-view" class="card signin" aria-labelledby="signin-title">
    <h2 id="signin-title">Sign in</h2>
    <form id="signin" method="post">
      <label for="token">Ops token</label>
      <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required>
      <p id="signin-error" class="error" role="alert"></p>
      <button type="submit" class="primary">Sign in</button>
    </form>
    <p class="muted">The token stays in this browser tab (session storage) and is sent only as an
      <code>Authorization</code> header to this server.</p>
  </section>
  <div id="app" hidden>
    <p id="notice" class="notice" role="status" aria-live="polite" hidden></p>
    <section id="alerts" class="card alerts" aria-labelledby="alerts-title">
      <h2 id="alerts-title">Alerts</h2>
      <ul id="alert-list" class="alert-list"></ul>
      <p id="no-alerts" class="muted">No alert condition: no open circuit, no failure_count above 10,
        no critical incident in the last hour.</p>
    </section>
    <section class="card" aria-labelledby="providers-title">
      <div class="section-head">
        <h2 id="providers-title">Providers</h2>
        <button type="button" id="run-health" class="primary">Run Health Checks</button>
      </div>
      <p id="health-result" class="muted" role="status"></p>
      <p id="providers-empty" class="muted">No provider recorded yet: run the health checks.</p>
      <table id="providers-table" class="grid" hidden>
        <thead><tr>
          <th scope="col">Provider</th><th scope="col">Health</th><th scope="col">Latency</th>
          <th scope="col">Last check</th><th scope="col">Circuit</th><th scope="col">Failures</th>
          <th scope="col">Cooldown</th><th scope="col">Actions</th>
        </tr></thead>
        <tbody id="provider-rows"></tbody>
      </table>
    </section>
    <section class="card" aria-labelledby="flags-title">
      <h2 id="flags-title">Feature flags</h2>
      <table class="grid">
        <thead><tr><th scope="col">Flag</th><th scope="col">Value</th><th scope="col">Source</th></tr></thead>
        <tbody id="flag-rows"></tbody>
      </table>
    </section>
    <section class="card" aria-labelledby="incidents-title">
      <div class="section-head">
        <h2 id="incidents-title">Recent incidents</h2>
        <div class="filter">
          <label for="severity">Severity</label>
          <select id="severity">
            <option value="">All</option>
            <option value="critical">critical</option>
            <option value="warning">warning</option>
            <option value="info">info</option>
          </select>
        </div>
      </div>
      <p id="incidents-empty" class="muted">No incident.</p>
      <table id="incidents-table" class="grid" hidden>
        <thead><tr>
          <th scope="col">When</th><th scope="col">Severity</th><th scope="col">Provider</th>
          <th scope="col">Code</th><th scope="col">Message</th>
        </tr></thead>
        <tbody id="incident-rows"></tbody>
      </table>
    </section>
  </div>
</main>
<dialog id="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-text">
  <h2 id="confirm-title">Confirm</h2>
  <p id="confirm-text"></p>
  <div id="confirm-duration" class="field" hidden>
    <label for="confirm-minutes">Keep open for (minutes)</label>
    <input id="confirm-minutes" type="number" min="1" max="10080" step="1" value="15" inputmode="numeric">
  </div>
  <p id="confirm-error" class="error" role="alert"></p>
  <div class="dialog-actions">
    <button type="button" id="confirm-cancel">Cancel</button>
    <button type="button" id="confirm-ok" class="danger">Confirm</button>
  </div>
</dialog>
</body>
</html>
`;
}
