// SPDX-License-Identifier: Apache-2.0
// vigil hub dashboard: a plain ES module, no build step. Every number and
// name shown comes from the hub's JSON APIs, which apply the TLP rules to
// the session's token; nothing is filtered here. Data is put into the page
// with textContent only (never as HTML).

const TAXII = 'application/taxii+json;version=2.1';
const TLPS = ['clear', 'green', 'amber', 'amber+strict', 'red'];
const TLP_IDS = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};
const SEVERITIES = ['high', 'medium', 'low', 'unknown'];
// Okabe-Ito: distinguishable with colour-vision deficiencies, on both themes.
const PALETTE = ['#E69F00', '#56B4E9', '#009E73', '#CC79A7', '#0072B2', '#D55E00', '#F0E442', '#999999'];

let me = null; // the session: organisation, sector, role, coordinator, csrf
const charts = [];

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function tlpBadge(tlp) {
  return el('span', { class: `tlp tlp-${String(tlp).replace('+', '-')}` }, `TLP:${String(tlp).toUpperCase()}`);
}

function status(text, cls) {
  const s = document.getElementById('status');
  s.textContent = text || '';
  s.className = cls || '';
}

class HttpError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

async function api(method, path, body, taxii) {
  const headers = { Accept: taxii ? TAXII : 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = me ? me.csrf : '';
  if (body !== undefined) headers['Content-Type'] = taxii ? TAXII : 'application/json';
  const r = await fetch(path, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let doc = null;
  try { doc = await r.json(); } catch (e) { doc = null; }
  if (r.status === 401) {
    showLogin('Your session has expired or ended: log in again.');
    throw new HttpError(401, 'session expired');
  }
  if (!r.ok) throw new HttpError(r.status, (doc && doc.description) || `HTTP ${r.status}`);
  return doc;
}

function fmtTime(ts) {
  if (!ts) return '';
  return ts.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function nowTs() {
  return new Date().toISOString();
}

function uuid4() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---- login, session, chrome ----

function showLogin(message) {
  me = null;
  document.getElementById('top').hidden = true;
  document.getElementById('view').replaceChildren();
  document.getElementById('login-view').hidden = false;
  document.getElementById('login-error').textContent = message || '';
  document.getElementById('token').focus();
  document.documentElement.dataset.view = 'login';
}

function showChrome() {
  document.getElementById('login-view').hidden = true;
  document.getElementById('top').hidden = false;
  document.getElementById('who').textContent =
    `${me.organisation} · ${me.sector} · ${me.role}${me.coordinator ? ' · coordinator' : ''}`;
  document.getElementById('nav-audit').hidden = me.role !== 'admin';
}

async function login(ev) {
  ev.preventDefault();
  const input = document.getElementById('token');
  const r = await fetch('/web/login', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ token: input.value.trim() }),
  });
  input.value = '';
  let doc = null;
  try { doc = await r.json(); } catch (e) { doc = null; }
  if (!r.ok) {
    document.getElementById('login-error').textContent = (doc && doc.description) || `HTTP ${r.status}`;
    return;
  }
  me = doc;
  showChrome();
  if (!location.hash || location.hash === '#/login') location.hash = '#/overview';
  else route();
}

async function logout() {
  try { await api('POST', '/web/logout'); } catch (e) { /* shown by api() */ }
  showLogin('Logged out.');
}

function setTheme(theme) {
  document.documentElement.dataset.theme = theme;
  const b = document.getElementById('theme');
  b.setAttribute('aria-pressed', theme === 'dark' ? 'true' : 'false');
  b.textContent = theme === 'dark' ? 'Light theme' : 'Dark theme';
  try { localStorage.setItem('vigil-theme', theme); } catch (e) { /* private mode */ }
}

// ---- views ----

function rendered(name) {
  document.documentElement.dataset.view = name;
  document.documentElement.dataset.renderedAt = String(Math.round(performance.now()));
  status('');
}

function clearCharts() {
  while (charts.length) charts.pop().destroy();
}

function heatClass(n, max) {
  if (!n) return 'h0';
  return `h${Math.min(5, 1 + Math.floor((4 * n) / Math.max(1, max)))}`;
}

function lineChart(container, labels, series) {
  if (!window.Chart) {
    container.append(el('p', { class: 'muted' }, 'Charts need the Debian package libjs-chart.js on the hub.'));
    return;
  }
  const canvas = el('canvas', { role: 'img', 'aria-label': 'Sightings over time per sector' });
  container.append(el('div', { class: 'chart' }, canvas));
  charts.push(new window.Chart(canvas, {
    type: 'line',
    data: { labels, datasets: series.map((s, i) => ({ label: s.label, data: s.data, tension: 0.2,
      borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length] })) },
    options: { responsive: true, maintainAspectRatio: false, animation: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  }));
}

function topTable(rows, caption) {
  return el('table', { 'data-testid': caption },
    el('caption', { class: 'muted' }, caption),
    el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'TLP'), el('th', { class: 'num' }, 'Sightings'),
      el('th', { class: 'num' }, 'Organisations'), el('th', {}, 'Severity'))),
    el('tbody', {}, rows.length ? rows.map((t) => el('tr', {},
      el('td', {}, el('a', { href: `#/indicator/${encodeURIComponent(t.indicator_id)}` }, t.name || t.indicator_id)),
      el('td', {}, t.tlp ? tlpBadge(t.tlp) : ''),
      el('td', { class: 'num' }, t.sightings), el('td', { class: 'num' }, t.organisations),
      el('td', {}, t.severity))) : el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'None in this period.'))));
}

async function viewOverview(root, params) {
  const range = params.get('range') || '24h';
  const d = await api('GET', `/api/v1/dashboard/overview?range=${encodeURIComponent(range)}`);
  const pick = el('select', { id: 'range', onchange: (e) => { location.hash = `#/overview?range=${e.target.value}`; } },
    ['24h', '7d', '30d'].map((r) => el('option', { value: r, selected: r === d.range }, r)));
  const max = Math.max(0, ...d.sectors.flatMap((s) => SEVERITIES.map((k) => s.severity[k])));
  const heat = el('table', { class: 'heat', 'data-testid': 'heatmap' },
    el('caption', { class: 'muted' }, `Sightings by sector and severity, ${fmtTime(d.from)} to ${fmtTime(d.until)}`),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Sector'),
      SEVERITIES.map((k) => el('th', { scope: 'col', class: 'num' }, k)),
      el('th', { scope: 'col', class: 'num' }, 'Total'), el('th', { scope: 'col', class: 'num' }, 'Orgs affected'))),
    el('tbody', {}, d.sectors.length ? d.sectors.map((s) => el('tr', { 'data-sector': s.sector },
      el('th', { scope: 'row' }, s.sector),
      SEVERITIES.map((k) => el('td', { class: `num ${heatClass(s.severity[k], max)}`, 'data-severity': k }, s.severity[k])),
      el('td', { class: 'num', 'data-total': s.sector }, s.sightings),
      el('td', { class: 'num', title: s.organisations.map((o) => o.name).join(', ') }, s.organisations_affected)))
      : el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'No sightings you may see in this period.'))));
  const orgs = el('ul', { 'data-testid': 'organisations' }, d.sectors.flatMap((s) => s.organisations.map((o) =>
    el('li', {}, `${o.name} (${s.sector}): ${o.sightings} sightings`))));
  const trend = el('div', { class: 'card' }, el('h2', {}, 'Trend per sector'));
  root.replaceChildren(
    el('h1', {}, 'Sector risk overview'),
    el('form', { class: 'inline', onsubmit: (e) => e.preventDefault() }, el('label', {}, 'Period', pick),
      el('span', { class: 'muted' }, `${d.sightings} sightings you may see`)),
    el('div', { class: 'cards' },
      el('div', { class: 'card' }, el('h2', {}, 'Heat map'), heat),
      trend,
      el('div', { class: 'card' }, el('h2', {}, 'Top signatures'), topTable(d.top_signatures, 'top signatures')),
      el('div', { class: 'card' }, el('h2', {}, 'Top indicators'), topTable(d.top_indicators, 'top indicators')),
      el('div', { class: 'card' }, el('h2', {}, 'Affected organisations you may see'), orgs)));
  const labels = [];
  const start = Date.parse(d.from);
  for (let i = 0; i < d.buckets; i++) {
    const t = new Date(start + i * d.bucket_seconds * 1000).toISOString();
    labels.push(d.bucket_seconds < 86400 ? t.slice(5, 13).replace('T', ' ') + 'h' : t.slice(5, 10));
  }
  lineChart(trend, labels, d.sectors.map((s) => ({ label: s.sector, data: s.trend })));
  rendered('overview');
}

async function viewIncidents(root) {
  const d = await api('GET', '/api/v1/incidents?limit=50');
  const list = d.incidents.map((inc) => {
    const sel = el('select', { 'aria-label': `Status of ${inc.id}`, 'data-testid': 'status-select' },
      ['new', 'investigating', 'closed'].map((s) => el('option', { value: s, selected: s === inc.status }, s)));
    const note = el('span', { role: 'status' });
    const save = el('button', { type: 'button', 'data-testid': 'status-save', onclick: async () => {
      try {
        const r = await api('POST', `/api/v1/incidents/${encodeURIComponent(inc.id)}/status`, { status: sel.value });
        note.textContent = `Status: ${r.status} (audited)`;
        note.className = 'ok';
      } catch (e) { note.textContent = e.message; note.className = 'error'; }
    } }, 'Change status');
    return el('article', { class: 'card', 'data-incident': inc.id },
      el('h2', {}, inc.indicator_name || inc.indicator_id),
      el('dl', { class: 'kv' },
        el('dt', {}, 'Incident'), el('dd', { class: 'mono' }, inc.id),
        el('dt', {}, 'Indicator'), el('dd', {}, el('a', { href: `#/indicator/${encodeURIComponent(inc.indicator_id)}` }, inc.indicator_id)),
        el('dt', {}, 'Seen'), el('dd', {}, `${fmtTime(inc.first_seen)} – ${fmtTime(inc.last_seen)}`),
        el('dt', {}, 'Organisations'), el('dd', {}, `${inc.organisations_affected}: ${(inc.organisations || []).join(', ')}`),
        el('dt', {}, 'Status'), el('dd', {}, el('span', { 'data-testid': 'status' }, inc.status))),
      el('div', { class: 'inline' }, sel, ' ', save, ' ', note),
      el('h3', {}, inc.sightings_total > inc.sightings.length
        ? `Timeline of sightings (the latest ${inc.sightings.length} of ${inc.sightings_total})` : 'Timeline of sightings'),
      el('table', {}, el('thead', {}, el('tr', {}, ['Seen', 'Organisation', 'Sector', 'Severity', 'Count', 'TLP'].map((h) => el('th', {}, h)))),
        el('tbody', {}, inc.sightings.map((s) => el('tr', {}, el('td', {}, fmtTime(s.seen)), el('td', {}, s.organisation),
          el('td', {}, s.sector), el('td', {}, s.severity), el('td', { class: 'num' }, s.count), el('td', {}, tlpBadge(s.tlp)))))));
  });
  root.replaceChildren(el('h1', {}, 'Incidents'),
    el('p', { class: 'muted' }, 'Cross-organisation correlations: one indicator sighted by two organisations or more.'),
    ...(list.length ? list : [el('p', {}, 'No incidents you may see.')]));
  rendered('incidents');
}

function patternOf(kind, value) {
  const v = value.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  switch (kind) {
    case 'ipv4': return `[ipv4-addr:value = '${v}']`;
    case 'ipv6': return `[ipv6-addr:value = '${v}']`;
    case 'domain': return `[domain-name:value = '${v}']`;
    case 'url': return `[url:value = '${v}']`;
    case 'sha256': return `[file:hashes.'SHA-256' = '${v}']`;
    default: return `[email-addr:value = '${v}']`;
  }
}

async function createForm() {
  const colls = await api('GET', '/vigil/collections/', undefined, true);
  const writable = (colls.collections || []).filter((c) => c.can_write);
  const note = el('p', { role: 'status', 'data-testid': 'create-result' });
  const form = el('form', { class: 'grid', id: 'create-form' },
    el('label', {}, 'Name', el('input', { name: 'name', required: true, maxlength: 200 })),
    el('label', {}, 'Type', el('select', { name: 'kind' },
      [['ipv4', 'IPv4 address'], ['ipv6', 'IPv6 address'], ['domain', 'Domain name'], ['url', 'URL'],
        ['sha256', 'File SHA-256'], ['email', 'E-mail address']].map(([v, t]) => el('option', { value: v }, t)))),
    el('label', {}, 'Value', el('input', { name: 'value', required: true, maxlength: 2000 })),
    el('label', {}, 'TLP', el('select', { name: 'tlp' }, TLPS.map((t) => el('option', { value: t, selected: t === 'amber' }, `TLP:${t.toUpperCase()}`)))),
    el('label', {}, 'Share with', el('select', { name: 'collection' },
      writable.map((c) => el('option', { value: c.id }, c.title)))),
    el('button', { type: 'submit' }, 'Create and share'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const ts = nowTs();
    const obj = {
      type: 'indicator', spec_version: '2.1', id: `indicator--${uuid4()}`, created: ts, modified: ts,
      name: f.get('name'), pattern_type: 'stix', pattern: patternOf(f.get('kind'), f.get('value')),
      valid_from: ts, indicator_types: ['malicious-activity'], object_marking_refs: [TLP_IDS[f.get('tlp')]],
    };
    try {
      const st = await api('POST', `/vigil/collections/${encodeURIComponent(f.get('collection'))}/objects/`, { objects: [obj] }, true);
      if (st.success_count === 1) {
        note.className = 'ok';
        note.replaceChildren('Created ', el('a', { href: `#/indicator/${encodeURIComponent(obj.id)}` }, obj.id));
        form.reset();
      } else {
        note.className = 'error';
        note.textContent = ((st.failures || [])[0] || {}).message || 'refused';
      }
    } catch (e) { note.className = 'error'; note.textContent = e.message; }
  });
  return el('div', { class: 'card' }, el('h2', {}, 'New indicator'), form, note);
}

async function viewIndicators(root, params) {
  const q = new URLSearchParams();
  for (const k of ['q', 'type', 'tlp', 'sector', 'since']) if (params.get(k)) q.set(k, params.get(k));
  const d = await api('GET', `/api/v1/dashboard/indicators?${q}`);
  const search = el('form', { class: 'inline', role: 'search', id: 'search-form' },
    el('label', {}, 'Value or name', el('input', { name: 'q', value: params.get('q') || '' })),
    el('label', {}, 'Type', el('select', { name: 'type' }, ['', 'indicator', 'report'].map((t) =>
      el('option', { value: t, selected: t === (params.get('type') || '') }, t || 'any')))),
    el('label', {}, 'TLP', el('select', { name: 'tlp' }, ['', ...TLPS].map((t) =>
      el('option', { value: t, selected: t === (params.get('tlp') || '') }, t ? `TLP:${t.toUpperCase()}` : 'any')))),
    el('label', {}, 'Sector', el('input', { name: 'sector', value: params.get('sector') || '' })),
    el('label', {}, 'Added since', el('input', { name: 'since', type: 'date', value: (params.get('since') || '').slice(0, 10) })),
    el('button', { type: 'submit' }, 'Search'));
  search.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(search)) if (v) p.set(k, k === 'since' ? `${v}T00:00:00Z` : v);
    location.hash = `#/indicators?${p}`;
  });
  const table = el('table', { 'data-testid': 'results' },
    el('thead', {}, el('tr', {}, ['Name', 'Type', 'Pattern', 'TLP', 'Shared in', 'Producer', 'Added', 'State'].map((h) => el('th', {}, h)))),
    el('tbody', {}, d.results.length ? d.results.map((o) => el('tr', { 'data-id': o.id },
      el('td', {}, el('a', { href: `#/indicator/${encodeURIComponent(o.id)}` }, o.name || o.id)),
      el('td', {}, o.type), el('td', { class: 'mono' }, o.pattern || ''), el('td', {}, tlpBadge(o.tlp)),
      el('td', {}, o.collection), el('td', {}, o.producer || ''), el('td', {}, fmtTime(o.date_added)),
      el('td', {}, o.revoked ? 'revoked' : 'active'))) : el('tr', {}, el('td', { colspan: 8, class: 'muted' }, 'Nothing found.'))));
  root.replaceChildren(el('h1', {}, 'Indicators and reports'), el('div', { class: 'card' }, search, table));
  root.append(await createForm());
  rendered('indicators');
}

async function viewIndicator(root, id) {
  const d = await api('GET', `/api/v1/dashboard/indicators/${encodeURIComponent(id)}`);
  const o = d.object;
  const note = el('p', { role: 'status', 'data-testid': 'revoke-result' });
  const target = d.collections.find((c) => c.can_write);
  const revoke = d.own && !o.revoked && target ? el('button', { type: 'button', class: 'danger', 'data-testid': 'revoke', onclick: async () => {
    const ts = nowTs();
    const nv = { ...o, modified: ts > o.modified ? ts : o.modified, revoked: true };
    try {
      const st = await api('POST', `/vigil/collections/${encodeURIComponent(target.id)}/objects/`, { objects: [nv] }, true);
      if (st.success_count === 1) { note.className = 'ok'; note.textContent = 'Revoked: sensors drop it at their next pull.'; route(); }
      else { note.className = 'error'; note.textContent = ((st.failures || [])[0] || {}).message || 'refused'; }
    } catch (e) { note.className = 'error'; note.textContent = e.message; }
  } }, 'Revoke') : null;
  root.replaceChildren(
    el('h1', {}, o.name || o.id),
    el('div', { class: 'cards' },
      el('div', { class: 'card' }, el('dl', { class: 'kv' },
        el('dt', {}, 'Id'), el('dd', { class: 'mono' }, o.id),
        el('dt', {}, 'Type'), el('dd', {}, o.type),
        o.pattern ? [el('dt', {}, 'Pattern'), el('dd', { class: 'mono' }, o.pattern)] : null,
        el('dt', {}, 'Producer'), el('dd', {}, d.producer || ''),
        el('dt', {}, 'Modified'), el('dd', {}, fmtTime(o.modified)),
        el('dt', {}, 'State'), el('dd', { 'data-testid': 'state' }, o.revoked ? 'revoked' : 'active'),
        el('dt', {}, 'Sightings'), el('dd', { 'data-testid': 'sightings' }, d.sightings),
        o.description ? [el('dt', {}, 'Description'), el('dd', {}, o.description)] : null),
      revoke, note),
      el('div', { class: 'card' }, el('h2', {}, 'Sightings per sector'),
        el('table', {}, el('thead', {}, el('tr', {}, ['Sector', 'Sightings', 'Organisations', 'First seen', 'Last seen'].map((h) => el('th', {}, h)))),
          el('tbody', {}, d.sightings_by_sector.map((s) => el('tr', {}, el('td', {}, s.sector), el('td', { class: 'num' }, s.sightings),
            el('td', { class: 'num' }, s.organisations), el('td', {}, fmtTime(s.first_seen)), el('td', {}, fmtTime(s.last_seen))))))),
      el('div', { class: 'card' }, el('h2', {}, 'Shared in'),
        el('ul', {}, d.collections.map((c) => el('li', {}, c.title, ' ', tlpBadge(c.tlp)))))));
  rendered('indicator');
}

async function viewSensors(root) {
  const d = await api('GET', '/api/v1/dashboard/sensors');
  const silent = d.sensors.filter((s) => s.silent && !s.revoked);
  const drops = (s) => {
    if (s.kernel_drops === undefined) return '—';
    const pct = s.kernel_packets ? ` (${(100 * s.kernel_drops / s.kernel_packets).toFixed(2)} %)` : '';
    return `${s.kernel_drops}${pct}`;
  };
  root.replaceChildren(el('h1', {}, 'Sensors'),
    el('p', { class: 'muted' }, 'Each sensor token and its EVE reports: alert rate, the capture drop counters of the latest stats event, the version its client names; silent after an hour without a report.'),
    silent.length ? el('p', { class: 'warn', role: 'alert', 'data-testid': 'silent-warning' },
      `${silent.length} sensor${silent.length > 1 ? 's have' : ' has'} not reported for an hour or more: ${silent.map((s) => `${s.sensor} (${s.organisation})`).join(', ')}.`) : null,
    el('table', { 'data-testid': 'sensors' }, el('thead', {}, el('tr', {}, ['Sensor', 'Organisation', 'Version', 'Last report', 'Reports (1 h)', 'Alerts (1 h)', 'Kernel drops', 'State'].map((h) => el('th', {}, h)))),
      el('tbody', {}, d.sensors.length ? d.sensors.map((s) => el('tr', { 'data-sensor': s.sensor }, el('td', { class: 'mono' }, s.sensor), el('td', {}, s.organisation),
        el('td', {}, s.version || '—'),
        el('td', {}, fmtTime(s.last_report) || 'never'), el('td', { class: 'num' }, s.reports_last_hour), el('td', { class: 'num' }, s.alerts_last_hour),
        el('td', { class: 'num' }, drops(s)),
        el('td', { class: s.revoked || s.silent ? 'warn' : 'ok' }, s.revoked ? 'revoked' : s.silent ? 'silent' : 'reporting')))
        : el('tr', {}, el('td', { colspan: 8, class: 'muted' }, 'No sensor tokens.')))));
  rendered('sensors');
}

async function viewAudit(root) {
  const d = await api('GET', '/api/v1/audit?limit=200');
  root.replaceChildren(el('h1', {}, 'Audit log'),
    el('table', { 'data-testid': 'audit' }, el('thead', {}, el('tr', {}, ['Time', 'Organisation', 'Role', 'Action', 'Object', 'TLP', 'Detail'].map((h) => el('th', {}, h)))),
      el('tbody', {}, d.entries.map((a) => el('tr', {}, el('td', {}, fmtTime(a.ts)), el('td', {}, a.organisation || ''), el('td', {}, a.role || ''),
        el('td', {}, a.action), el('td', { class: 'mono' }, a.object || ''), el('td', {}, a.tlp || ''), el('td', {}, a.detail || ''))))));
  rendered('audit');
}

async function route() {
  if (!me) return;
  clearCharts();
  const root = document.getElementById('view');
  const [path, query] = (location.hash.slice(1) || '/overview').split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean);
  const view = parts[0] || 'overview';
  for (const a of document.querySelectorAll('header nav a')) {
    if (a.dataset.view === view || (view === 'indicator' && a.dataset.view === 'indicators')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  status('Loading…');
  try {
    if (view === 'incidents') await viewIncidents(root);
    else if (view === 'indicators') await viewIndicators(root, params);
    else if (view === 'indicator') await viewIndicator(root, decodeURIComponent(parts.slice(1).join('/')));
    else if (view === 'sensors') await viewSensors(root);
    else if (view === 'audit') await viewAudit(root);
    else await viewOverview(root, params);
    document.getElementById('main').focus({ preventScroll: true });
  } catch (e) {
    if (e.code !== 401) {
      root.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message));
      status('');
      document.documentElement.dataset.view = 'error';
    }
  }
}

async function start() {
  let theme = null;
  try { theme = localStorage.getItem('vigil-theme'); } catch (e) { theme = null; }
  if (theme) setTheme(theme);
  document.getElementById('theme').addEventListener('click', () =>
    setTheme(document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark'));
  document.getElementById('login-form').addEventListener('submit', login);
  document.getElementById('logout').addEventListener('click', logout);
  window.addEventListener('hashchange', route);
  const r = await fetch('/web/session', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
  if (!r.ok) { showLogin(''); return; }
  me = await r.json();
  showChrome();
  route();
}

start();
