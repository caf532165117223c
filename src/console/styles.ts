// The console's stylesheet, served as console.css (same origin, so `style-src 'self'` allows it).
// Colours meet WCAG AA contrast on their backgrounds; tables become stacked cards on a phone.

/** The console's CSS. */
export const consoleCss = `
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: #f3f4f6; color: #1a1a1a;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; }
h1 { font-size: 1.15rem; margin: 0; }
h2 { font-size: 1.05rem; margin: 0 0 0.6rem; }
button, input, select, textarea { font: inherit; color: inherit; }
button {
  min-height: 2.25rem; padding: 0.3rem 0.8rem; border: 1px solid #6b7280; border-radius: 6px;
  background: #fff; cursor: pointer;
}
button:hover { background: #eef2f7; }
button:disabled { cursor: not-allowed; color: #5f6368; background: #f1f1f1; border-color: #b4b9c0; }
button.primary { background: #0b57d0; border-color: #0b57d0; color: #fff; }
button.primary:hover { background: #0842a0; }
button.danger { background: #b3261e; border-color: #b3261e; color: #fff; }
button.small { min-height: 2rem; padding: 0.15rem 0.55rem; font-size: 0.9rem; }
:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
input[type="password"], input[type="number"], select, textarea {
  border: 1px solid #6b7280; border-radius: 6px; padding: 0.35rem 0.5rem; background: #fff;
  max-width: 100%;
}
textarea { width: 100%; min-height: 2.4rem; font-family: ui-monospace, Menlo, Consolas, monospace; }
[aria-invalid="true"] { border-color: #b3261e; outline-color: #b3261e; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: 0.5rem; }
.skip:focus { left: 0.5rem; z-index: 10; }
.top {
  display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; justify-content: space-between;
  padding: 0.7rem 1rem; background: #111827; color: #fff;
}
.top button { background: transparent; color: #fff; border-color: #9ca3af; }
.top button:hover { background: #1f2937; }
.top .muted { color: #d1d5db; }
.session { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
main:focus { outline: none; }
.card {
  background: #fff; border: 1px solid #d1d5db; border-radius: 8px; padding: 1rem; margin-bottom: 1rem;
  overflow-wrap: anywhere;
}
.signin { max-width: 26rem; margin: 2rem auto; }
.signin form { display: grid; gap: 0.5rem; }
.section-head {
  display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; justify-content: space-between;
  margin-bottom: 0.4rem;
}
.section-head h2 { margin: 0; }
.filter { display: flex; gap: 0.5rem; align-items: center; }
.muted { color: #4b5563; }
.error { color: #b3261e; font-weight: 600; margin: 0.25rem 0; }
.error:empty { display: none; }
.detail { display: block; color: #4b5563; font-size: 0.88rem; font-weight: 400; }
.notice { padding: 0.6rem 0.8rem; border-radius: 6px; background: #e7f0fe; border: 1px solid #0b57d0; }
.notice.is-error { background: #fdecea; border-color: #b3261e; color: #8c1d18; }
.alerts { border-left: 6px solid #15803d; }
.alerts.has-alerts { border-color: #b3261e; background: #fdf2f2; }
.alert-list { margin: 0; padding-left: 1.2rem; }
.alert-list li { margin: 0.3rem 0; }
.alert-list strong { color: #8c1d18; }
.grid { width: 100%; border-collapse: collapse; }
.grid th, .grid td { text-align: left; vertical-align: top; padding: 0.45rem 0.5rem; border-top: 1px solid #e5e7eb; }
.grid thead th { border-top: 0; font-size: 0.85rem; color: #374151; }
.grid tbody th { font-weight: 600; }
.grid tr.is-open { background: #fdf2f2; }
.actions { display: flex; flex-wrap: wrap; gap: 0.4rem; }
.bad { color: #b3261e; font-weight: 700; }
.badge {
  display: inline-block; padding: 0.05rem 0.5rem; border-radius: 999px; font-size: 0.85rem;
  font-weight: 600; background: #e5e7eb; color: #1f2937; white-space: nowrap;
}
.badge-healthy, .badge-closed, .badge-info { background: #dcf3e3; color: #0c5a27; }
.badge-degraded, .badge-half_open, .badge-warning, .badge-not_configured { background: #fff1cc; color: #6b4300; }
.badge-down, .badge-open, .badge-critical { background: #fbdcda; color: #8c1d18; }
.switch-field { display: inline-flex; gap: 0.5rem; align-items: center; }
input.switch {
  appearance: none; -webkit-appearance: none; margin: 0; width: 2.6rem; height: 1.5rem;
  border-radius: 999px; background: #6b7280; position: relative; cursor: pointer; flex: none;
}
input.switch::after {
  content: ""; position: absolute; top: 0.2rem; left: 0.2rem; width: 1.1rem; height: 1.1rem;
  border-radius: 50%; background: #fff; transition: left 0.12s;
}
input.switch:checked { background: #0b57d0; }
input.switch:checked::after { left: 1.3rem; }
input.switch:disabled { opacity: 0.6; }
.editor { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: flex-start; }
.field { display: grid; gap: 0.3rem; margin: 0.5rem 0; }
.field-msg { display: block; font-size: 0.88rem; }
.field-msg.is-error { color: #b3261e; font-weight: 600; }
dialog { border: 1px solid #6b7280; border-radius: 8px; padding: 1.2rem; max-width: min(28rem, 92vw); }
dialog::backdrop { background: rgba(17, 24, 39, 0.55); }
.dialog-actions { display: flex; gap: 0.5rem; justify-content: flex-end; margin-top: 0.8rem; }
@media (max-width: 640px) {
  main { padding: 0.6rem; }
  .card { padding: 0.75rem; }
  .grid, .grid thead, .grid tbody, .grid tr, .grid th, .grid td { display: block; width: 100%; }
  .grid thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  .grid tr { border-top: 1px solid #d1d5db; padding: 0.4rem 0; }
  .grid th, .grid td { border: 0; padding: 0.2rem 0; }
  .grid td[data-label]::before {
    content: attr(data-label); display: inline-block; min-width: 6.5rem; color: #4b5563; font-size: 0.85rem;
  }
}
`;
