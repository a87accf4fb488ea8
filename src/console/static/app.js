/* global document, window, location, URLSearchParams, Node, fetch, clearTimeout */
// Tidemark console: vanilla JS over /api. Every value reaches the page through textContent or
// attribute setters (never innerHTML), so data from the sources is always inert text.
'use strict';
(function () {
  const state = { role: null, csrf: null, timer: null, chart: null };
  const main = document.getElementById('main');

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'className') el.className = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  const fmt = (v) => (v === null || v === undefined || v === '' ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
  const isAdmin = () => state.role === 'admin';

  function flash(text, error) {
    const box = document.getElementById('flash');
    box.replaceChildren(h('div', { className: error ? 'msg error' : 'msg' }, text));
  }

  async function api(method, path, body) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && state.csrf) headers['x-csrf-token'] = state.csrf;
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    const json = await res.json().catch(() => ({}));
    if (res.status === 401 && path !== '/console/session') {
      state.role = null;
      renderSignIn('Your session ended: sign in again.');
      throw new Error('signed out');
    }
    if (!res.ok) throw new Error(json.message || json.error || `HTTP ${res.status}`);
    return json;
  }
  const get = (p) => api('GET', p);
  const qs = (o) => new URLSearchParams(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '')).toString();

  function table(columns, rows) {
    return h('table', {}, h('thead', {}, h('tr', {}, columns.map((c) => h('th', {}, c.label)))), h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => h('td', {}, c.cell(r)))))));
  }
  const link = (href, text) => h('a', { href }, text);
  const status = (s) => h('span', { className: `status-${s}` }, s);
  function adminButton(label, onclick, extra) {
    return h('button', { type: 'button', disabled: !isAdmin(), title: isAdmin() ? null : 'admins only', onclick, ...(extra || {}) }, label);
  }
  async function act(fn, okText) {
    try {
      const out = await fn();
      if (okText) flash(typeof okText === 'function' ? okText(out) : okText);
      return out;
    } catch (err) {
      if (err.message !== 'signed out') flash(err.message, true);
      return null;
    }
  }

  // ---- sign-in -------------------------------------------------------------------------------
  function renderSignIn(message) {
    document.getElementById('nav').hidden = true;
    document.getElementById('who').textContent = '';
    const input = h('input', { type: 'password', id: 'token', name: 'token', size: 50, autocomplete: 'off', placeholder: 'tm_admin_…' });
    const form = h('form', { className: 'card', id: 'sign-in' },
      h('h1', {}, 'Sign in'),
      h('p', {}, 'Paste an API token. The sandbox writes one to .data/sandbox.json; otherwise create one with: npm run tidemark -- tokens create --role admin'),
      message ? h('p', { className: 'status-failed' }, message) : null,
      h('label', {}, h('span', {}, 'API token'), input),
      h('button', { type: 'submit' }, 'Sign in'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const s = await api('POST', '/console/session', { token: input.value });
        state.role = s.role;
        state.csrf = s.csrf;
        if (!location.hash || location.hash === '#/') location.hash = '#/connectors';
        route();
      } catch (err) {
        renderSignIn(err.message);
      }
    });
    main.replaceChildren(form);
  }

  // ---- connectors -----------------------------------------------------------------------------
  function credentialForm(c) {
    const known = new Map(c.credentials.map((f) => [f.name, f]));
    const inputs = c.configFields.map((f) => {
      const cur = known.get(f.name);
      const secret = f.secret;
      const input = h('input', {
        name: f.name, 'data-type': f.type, type: secret ? 'password' : 'text', autocomplete: 'off', size: 36,
        placeholder: secret ? (cur && cur.set ? 'set (leave blank to keep)' : 'secret') : (f.required ? 'required' : 'optional'),
      });
      if (!secret && cur && cur.value !== null) input.value = String(cur.value);
      return h('label', {}, h('span', {}, f.name + (f.required ? ' *' : '')), input);
    });
    const form = h('form', { className: 'credentials' }, inputs, adminButton('Save credentials', null, { type: 'submit' }), adminButton('Test connection', async () => {
      await act(() => api('POST', `/api/connectors/${c.id}/test`, {}), (r) => `${c.title}: ${r.ok ? 'connection works' : 'connection failed'}: ${r.message}`);
    }));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const config = {};
      for (const el of form.querySelectorAll('input')) {
        if (el.value === '') continue;
        const t = el.getAttribute('data-type');
        config[el.name] = t === 'number' || t === 'integer' ? Number(el.value) : t === 'boolean' ? el.value === 'true' : el.value;
      }
      const ok = await act(() => api('PUT', `/api/connectors/${c.id}/credentials`, { config }), `${c.title}: credentials saved (stored encrypted)`);
      if (ok) {
        await act(() => api('POST', `/api/connectors/${c.id}/test`, {}), (r) => `${c.title}: credentials saved; ${r.ok ? 'connection works' : 'connection failed'}: ${r.message}`);
        renderConnectors(true);
      }
    });
    return form;
  }

  async function renderConnectors(keepFlash) {
    const { connectors } = await get('/api/connectors');
    if (!keepFlash) document.getElementById('flash').replaceChildren();
    const cards = connectors.map((c) => {
      const toggle = h('input', { type: 'checkbox', id: `enabled-${c.id}`, checked: c.enabled, disabled: !isAdmin() || !c.configured });
      toggle.addEventListener('change', async () => {
        await act(() => api('PUT', `/api/connectors/${c.id}/enabled`, { enabled: toggle.checked }), `${c.title} ${toggle.checked ? 'enabled' : 'paused'}`);
        renderConnectors(true);
      });
      const schedule = h('input', { name: 'schedule', value: c.schedule || '', placeholder: 'every 1h or cron', size: 16 });
      const tz = h('input', { name: 'tz', value: c.tz, size: 16 });
      const syncButtons = c.id === 'surveys' ? [] : [
        adminButton('Sync now', async () => { const r = await act(() => api('POST', `/api/connectors/${c.id}/sync`, {})); if (r) location.hash = `#/runs/${r.runId}`; }, { 'data-action': 'sync' }),
        adminButton('Full re-sync', async () => { const r = await act(() => api('POST', `/api/connectors/${c.id}/resync`, {})); if (r) location.hash = `#/runs/${r.runId}`; }),
      ];
      return h('section', { className: 'card', id: `connector-${c.id}` },
        h('h2', {}, c.title, ' ', h('span', { className: c.configured ? (c.enabled ? 'status-ok' : 'status-warning') : 'muted' }, c.configured ? (c.enabled ? 'enabled' : 'paused') : 'not connected')),
        h('p', { className: 'muted' }, 'Last successful sync: ', c.lastSuccessfulSync ? when(c.lastSuccessfulSync.at) : 'never', c.running ? ` · ${c.running.runId} ${c.running.status} (${c.running.stage})` : ''),
        h('label', {}, h('span', {}, 'Sync enabled'), toggle),
        c.id === 'surveys' ? h('p', { className: 'muted' }, 'Survey responses arrive by webhook or import.') : h('form', { className: 'schedule', onsubmit: async (e) => {
          e.preventDefault();
          await act(() => api('PUT', `/api/connectors/${c.id}/schedule`, { schedule: schedule.value.trim() || null, tz: tz.value.trim() || 'UTC' }), `${c.title}: schedule saved`);
        } }, h('label', {}, h('span', {}, 'Schedule'), schedule, ' time zone ', tz, ' ', adminButton('Save schedule', null, { type: 'submit' }))),
        syncButtons,
        h('details', { open: !c.configured }, h('summary', {}, c.configured ? 'Credentials' : 'Connect'), credentialForm(c)));
    });
    main.replaceChildren(h('h1', {}, 'Connectors'), h('div', { className: 'grid' }, cards),
      h('div', {}, adminButton('Dry run (all sources)', async () => { const r = await act(() => api('POST', '/api/runs', { dryRun: true })); if (r) location.hash = `#/runs/${r.runId}`; })));
  }

  // ---- runs -------------------------------------------------------------------------------------
  async function renderRuns() {
    const { runs } = await get('/api/runs');
    main.replaceChildren(h('h1', {}, 'Run history'), runs.length === 0 ? h('p', {}, 'No runs yet: start one from the Connectors page.') : table([
      { label: 'Run', cell: (r) => link(`#/runs/${r.runId}`, r.runId) },
      { label: 'Status', cell: (r) => status(r.status) },
      { label: 'Stage', cell: (r) => r.stage },
      { label: 'Sources', cell: (r) => r.sourcesAsked.join(', ') },
      { label: 'Requested', cell: (r) => when(r.requestedAt) },
      { label: 'Duration', cell: (r) => (r.durationMs === null ? '—' : `${(r.durationMs / 1000).toFixed(1)} s`) },
      { label: 'Unmatched', cell: (r) => r.unmatched },
      { label: 'Fields written', cell: (r) => r.fieldsWritten },
      { label: 'API calls', cell: (r) => r.apiCalls },
    ], runs));
  }

  const STAGES = ['queued', 'pull', 'resolve', 'score', 'writeback', 'done'];
  async function renderRun(id) {
    const { run, summary, stageMs, errors } = await get(`/api/runs/${encodeURIComponent(id)}`);
    const done = run.status === 'succeeded' || run.status === 'failed';
    const pct = done ? 100 : Math.round((STAGES.indexOf(run.stage) / (STAGES.length - 1)) * 100);
    main.replaceChildren(
      h('h1', {}, `Run ${run.id} `, h('span', { id: 'run-status' }, status(run.status))),
      h('div', { className: 'progress', title: run.stage }, h('div', { style: null, id: 'run-progress', 'data-pct': pct })),
      h('p', {}, `Stage: ${run.stage} · trigger ${run.trigger}${run.full ? ' · full' : ''}${run.dryRun ? ' · dry run (nothing written)' : ''} · requested ${when(run.requestedAt)}`),
      summary.durationMs !== null ? h('p', {}, `Duration ${(summary.durationMs / 1000).toFixed(1)} s · API calls ${summary.apiCalls}`) : null,
      run.error ? h('pre', { className: 'status-failed' }, run.error) : null,
      h('h2', {}, 'Per source'),
      table([
        { label: 'Source', cell: (r) => r[0] },
        { label: 'Records', cell: (r) => r[1].records },
        { label: 'Changed', cell: (r) => r[1].changed },
        { label: 'Quarantined', cell: (r) => r[1].quarantined },
        { label: 'API calls', cell: (r) => r[1].apiCalls },
        { label: 'Logs', cell: (r) => link(`#/logs?${qs({ run: run.id, source: r[0] })}`, 'logs') },
      ], Object.entries(summary.sources)),
      h('h2', {}, 'Stages'),
      table([{ label: 'Stage', cell: (r) => r[0] }, { label: 'Duration', cell: (r) => `${(r[1] / 1000).toFixed(2)} s` }], Object.entries(stageMs)),
      h('p', {}, `Resolved ${summary.resolved} · unmatched ${summary.unmatched} · accounts scored ${summary.accountsScored} · fields written ${summary.fieldsWritten} on ${summary.accountsWritten} accounts · write failures ${summary.writeFailures}`),
      h('p', {}, link(`#/logs?${qs({ run: run.id })}`, 'All record logs of this run'), ' · ', link(`#/logs?${qs({ run: run.id, status: 'failed' })}`, 'Failed records'), ' · ', link(`#/logs?${qs({ run: run.id, status: 'unmatched' })}`, 'Unmatched records')),
      errors.length > 0 ? [h('h2', {}, 'Errors'), table([{ label: 'Record', cell: (e) => fmt(e.recordId) }, { label: 'Message', cell: (e) => e.message }], errors)] : null,
    );
    const bar = document.getElementById('run-progress');
    bar.style.width = `${pct}%`;
    if (!done) state.timer = setTimeout(() => { if (location.hash === `#/runs/${id}`) renderRun(id).catch(() => undefined); }, 1000);
  }

  // ---- logs -------------------------------------------------------------------------------------
  const LOG_STATUSES = ['', 'ok', 'quarantined', 'unmatched', 'written', 'failed', 'skipped', 'warning', 'error', 'info'];
  async function renderLogs(params) {
    const fields = ['run', 'source', 'account', 'record', 'reason', 'search'];
    const inputs = Object.fromEntries(fields.map((f) => [f, h('input', { name: f, value: params.get(f) || '', size: 12 })]));
    const statusSel = h('select', { name: 'status' }, LOG_STATUSES.map((s) => h('option', { value: s, selected: params.get('status') === s }, s || 'any status')));
    const form = h('form', { className: 'card', id: 'log-filter' }, fields.map((f) => h('label', {}, h('span', {}, f), inputs[f])), h('label', {}, h('span', {}, 'status'), statusSel), h('button', { type: 'submit' }, 'Filter'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const q = {};
      for (const f of fields) q[f] = inputs[f].value.trim();
      q.status = statusSel.value;
      location.hash = `#/logs?${qs(q)}`;
    });
    const q = Object.fromEntries([...params.entries()].filter(([, v]) => v));
    const { logs } = await get(`/api/logs?${qs({ ...q, limit: 200 })}`);
    const detail = h('div', { id: 'log-detail' });
    main.replaceChildren(h('h1', {}, 'Record logs'), form, detail, logs.length === 0 ? h('p', {}, 'No log lines match.') : table([
      { label: 'At', cell: (l) => when(l.at) },
      { label: 'Run', cell: (l) => (l.runId ? link(`#/runs/${l.runId}`, l.runId) : '—') },
      { label: 'Status', cell: (l) => status(l.status) },
      { label: 'Source', cell: (l) => fmt(l.source) },
      { label: 'Record', cell: (l) => h('a', { href: '#', className: 'open-log', onclick: (e) => { e.preventDefault(); showLog(detail, l); } }, `${fmt(l.kind)}:${fmt(l.recordId)}`) },
      { label: 'Account', cell: (l) => (l.accountId ? link(`#/accounts/${l.accountId}`, l.accountId) : '—') },
      { label: 'Message', cell: (l) => (l.message.length > 160 ? `${l.message.slice(0, 160)}…` : l.message) },
    ], logs));
  }
  function showLog(box, l) {
    box.replaceChildren(h('div', { className: 'card', id: 'log-entry' },
      h('h2', {}, `${fmt(l.kind)} ${fmt(l.recordId)} `, status(l.status)),
      h('p', {}, `Run ${fmt(l.runId)} · source ${fmt(l.source)} · account ${fmt(l.accountId)} · ${when(l.at)}`),
      h('pre', {}, l.message),
      l.recordId ? link(`#/logs?${qs({ record: l.recordId })}`, 'Every log line of this record') : null));
    box.scrollIntoView();
  }

  // ---- unmatched ------------------------------------------------------------------------------
  async function renderUnmatched(params) {
    const [{ total, groups, unmatched }, { accounts }] = await Promise.all([get(`/api/unmatched?${qs({ source: params.get('source'), reason: params.get('reason') })}`), get('/api/accounts')]);
    const list = h('datalist', { id: 'account-list' }, accounts.map((a) => h('option', { value: a.id }, a.name)));
    async function pin(domain, accountId, label) {
      const r = await act(() => api('POST', '/api/rules', { type: 'pin-domain', domain, accountId, reason: `pinned from the unmatched queue (${label})` }), `Rule saved: ${domain} → ${accountId}. It applies from the next run.`);
      if (r) renderUnmatched(params).then(() => flash(`Rule saved: ${domain} → ${accountId}. It applies from the next run.`));
    }
    main.replaceChildren(h('h1', {}, `Unmatched records (${total})`), list,
      table([{ label: 'Source', cell: (g) => g.source }, { label: 'Reason', cell: (g) => link(`#/unmatched?${qs({ source: g.source, reason: g.reason })}`, g.reason) }, { label: 'Records', cell: (g) => g.count }], groups),
      unmatched.length === 0 ? h('p', {}, 'Nothing unmatched.') : table([
        { label: 'Record', cell: (u) => h('span', {}, `${u.kind}:${u.id}`, h('br'), h('span', { className: 'muted' }, fmt(u.label))) },
        { label: 'Reason', cell: (u) => fmt(u.reason) },
        { label: 'Domain', cell: (u) => fmt(u.domain) },
        { label: 'Pin to an account', cell: (u) => {
          if (!u.domain) return h('span', { className: 'muted' }, 'no domain to pin');
          const other = h('input', { list: 'account-list', placeholder: 'account id', size: 18 });
          return h('div', { className: 'pin' },
            u.candidates.map((c) => adminButton(`Pin ${u.domain} to ${c.name || c.id}`, () => pin(u.domain, c.id, u.id), { 'data-account': c.id })),
            h('span', {}, other, adminButton('Pin', () => pin(u.domain, other.value.trim(), u.id), { className: 'secondary' })));
        } },
      ], unmatched));
  }

  // ---- accounts -------------------------------------------------------------------------------
  async function renderAccounts(params) {
    const search = h('input', { name: 'q', value: params.get('q') || '', placeholder: 'name contains' });
    const form = h('form', {}, search, h('button', { type: 'submit' }, 'Search'));
    form.addEventListener('submit', (e) => { e.preventDefault(); location.hash = `#/accounts?${qs({ q: search.value.trim() })}`; });
    const { accounts } = await get(`/api/accounts?${qs({ q: params.get('q') })}`);
    main.replaceChildren(h('h1', {}, 'Accounts'), form, table([
      { label: 'Account', cell: (a) => link(`#/accounts/${a.id}`, a.name) },
      { label: 'Score', cell: (a) => fmt(a.score) },
      { label: 'Band', cell: (a) => h('span', { className: `band-${a.band}` }, fmt(a.band)) },
      { label: 'Trend', cell: (a) => fmt(a.trend) },
    ], accounts));
  }

  async function renderAccount(id) {
    const a = await get(`/api/accounts/${encodeURIComponent(id)}`);
    const canvas = h('canvas', { id: 'score-chart', 'aria-label': 'score history' });
    const signals = a.signals ? Object.entries(a.signals).filter(([, v]) => v === null || typeof v !== 'object') : [];
    main.replaceChildren(
      h('h1', { id: 'account-name' }, a.account.name),
      h('div', { className: 'grid' },
        h('section', { className: 'card', id: 'health' }, h('h2', {}, 'Health'),
          h('p', {}, 'Score ', h('strong', {}, fmt(a.health.score)), ' · band ', h('span', { className: `band-${a.health.band}` }, fmt(a.health.band)), ' · trend ', fmt(a.health.trend), ' · model ', fmt(a.modelVersion)),
          h('h2', {}, 'Drivers'), a.health.drivers.length ? h('ul', { id: 'drivers' }, a.health.drivers.map((d) => h('li', {}, d))) : h('p', {}, 'No drivers yet.')),
        h('section', { className: 'card', id: 'plan' }, h('h2', {}, 'Success plan'), Object.keys(a.plan).length === 0 ? h('p', {}, 'No success plan (no recent Closed Won opportunity).')
          : table([{ label: 'Field', cell: (r) => r[0] }, { label: 'Value', cell: (r) => (r[0] === 'CS_Success_Plan__c' ? h('pre', {}, fmt(r[1])) : fmt(r[1])) }], Object.entries(a.plan)))),
      h('section', { className: 'card' }, h('h2', {}, 'Score history'), a.scoreHistory.length === 0 ? h('p', {}, 'No scores yet.') : h('div', { className: 'chart-box' }, canvas)),
      h('section', { className: 'card' }, h('h2', {}, 'Signals'), table([{ label: 'Signal', cell: (r) => r[0] }, { label: 'Value', cell: (r) => fmt(r[1]) }], signals)),
      h('section', { className: 'card' }, h('h2', {}, 'Values written'), a.writes.length === 0 ? h('p', {}, 'Nothing written yet.') : table([
        { label: 'At', cell: (w) => when(w.at) },
        { label: 'Run', cell: (w) => (w.runId.startsWith('run-') ? link(`#/runs/${w.runId}`, w.runId) : w.runId) },
        { label: 'Field', cell: (w) => w.field },
        { label: 'Old → new', cell: (w) => `${fmt(w.old)} → ${fmt(w.new)}` },
        { label: 'Model', cell: (w) => fmt(w.modelVersion) },
        { label: 'Outcome', cell: (w) => status(w.outcome) },
      ], a.writes)),
      h('p', {}, link(`#/logs?${qs({ account: id })}`, 'Record logs of this account')));
    if (a.scoreHistory.length > 0 && window.Chart) {
      if (state.chart) state.chart.destroy();
      state.chart = new window.Chart(canvas, {
        type: 'line',
        data: { labels: a.scoreHistory.map((s) => s.day), datasets: [{ label: 'Health score', data: a.scoreHistory.map((s) => s.score), borderColor: '#0b6bcb', tension: 0.2 }] },
        options: { maintainAspectRatio: false, animation: false, scales: { y: { min: 0, max: 100 } } },
      });
    }
  }

  // ---- settings -------------------------------------------------------------------------------
  async function renderSettings() {
    const [wb, mapping, rules, audit] = await Promise.all([get('/api/writeback'), get('/api/mapping'), get('/api/rules'), get('/api/audit?limit=50')]);
    const mapInputs = mapping.fields.map((f) => h('input', { name: f.field, value: f.salesforceField, size: 30 }));
    const preflight = h('div', { id: 'preflight' });
    main.replaceChildren(
      h('h1', {}, 'Settings'),
      h('section', { className: 'card' }, h('h2', {}, 'Write-back'), h('p', { id: 'writeback-state' }, wb.paused ? 'Paused: runs compute and log, nothing is written to Salesforce.' : 'Active: runs write changed fields to Salesforce.'),
        adminButton(wb.paused ? 'Resume write-back' : 'Pause write-back', async () => { await act(() => api('POST', `/api/writeback/${wb.paused ? 'resume' : 'pause'}`, {}), wb.paused ? 'Write-back resumed' : 'Write-back paused'); renderSettings(); })),
      h('section', { className: 'card' }, h('h2', {}, 'Field mapping'),
        table([{ label: 'Tidemark value', cell: (r) => r[0].field }, { label: 'Type', cell: (r) => r[0].type }, { label: 'Salesforce Account field', cell: (r) => r[1] }], mapping.fields.map((f, i) => [f, mapInputs[i]])),
        adminButton('Save mapping', async () => { const m = {}; for (const el of mapInputs) m[el.name] = el.value.trim(); await act(() => api('PUT', '/api/mapping', { mapping: m }), 'Mapping saved'); }),
        adminButton('Pre-flight check', async () => {
          const r = await act(() => api('POST', '/api/mapping/preflight', {}));
          if (r) preflight.replaceChildren(r.ok ? h('p', { className: 'status-ok' }, 'Every mapped field exists and is writable.') : h('ul', {}, r.problems.map((p) => h('li', { className: 'status-failed' }, p))));
        }, { className: 'secondary' }), preflight),
      h('section', { className: 'card' }, h('h2', {}, 'Manual identity rules'), rules.rules.length === 0 ? h('p', {}, 'No rules.') : table([
        { label: 'Rule', cell: (r) => `${r.type} ${r.domain || ''}${r.accountId ? ` → ${r.accountId}` : ''}` },
        { label: 'Reason', cell: (r) => r.reason },
        { label: 'By', cell: (r) => `${r.createdBy} ${when(r.createdAt)}` },
        { label: '', cell: (r) => adminButton('Remove', async () => { await act(() => api('DELETE', `/api/rules/${r.id}`), 'Rule removed'); renderSettings(); }, { className: 'secondary' }) },
      ], rules.rules)),
      h('section', { className: 'card' }, h('h2', {}, 'Audit log'), table([
        { label: 'At', cell: (e) => when(e.at) }, { label: 'Who', cell: (e) => e.actor }, { label: 'Action', cell: (e) => e.action }, { label: 'Target', cell: (e) => fmt(e.target) }, { label: 'Detail', cell: (e) => e.detail },
      ], audit.audit)),
      h('section', { className: 'card' }, h('h2', {}, 'API'), h('p', {}, 'API tokens: npm run tidemark -- tokens create --role admin|viewer. Reference: ', link('/api/openapi.json', '/api/openapi.json'), '. Queues: ', link('/admin/queues', 'bull-board'), '.'),
        h('button', { type: 'button', className: 'secondary', onclick: async () => { await api('POST', '/console/logout', {}); state.role = null; renderSignIn('Signed out.'); } }, 'Sign out')));
  }

  // ---- alerts banner ---------------------------------------------------------------------------
  async function renderAlerts() {
    const box = document.getElementById('alerts');
    try {
      const { alerts } = await get('/api/alerts');
      box.replaceChildren(...alerts.map((a) => h('div', { className: `alert ${a.severity}` }, `${a.severity === 'error' ? 'Error' : 'Warning'} since ${when(a.since)}: ${a.message}`)));
    } catch {
      box.replaceChildren();
    }
  }

  // ---- router ---------------------------------------------------------------------------------
  async function route() {
    clearTimeout(state.timer);
    if (!state.role) {
      try {
        const s = await api('GET', '/console/session');
        state.role = s.role;
        state.csrf = s.csrf;
      } catch {
        renderSignIn();
        return;
      }
    }
    document.getElementById('nav').hidden = false;
    renderAlerts();
    document.getElementById('who').textContent = `signed in as ${state.role}`;
    const [path, query] = (location.hash.slice(1) || '/connectors').split('?');
    const params = new URLSearchParams(query || '');
    const parts = path.split('/').filter(Boolean);
    try {
      if (parts[0] === 'runs' && parts[1]) await renderRun(decodeURIComponent(parts[1]));
      else if (parts[0] === 'runs') await renderRuns();
      else if (parts[0] === 'logs') await renderLogs(params);
      else if (parts[0] === 'unmatched') await renderUnmatched(params);
      else if (parts[0] === 'accounts' && parts[1]) await renderAccount(decodeURIComponent(parts[1]));
      else if (parts[0] === 'accounts') await renderAccounts(params);
      else if (parts[0] === 'settings') await renderSettings();
      else await renderConnectors();
    } catch (err) {
      if (err.message !== 'signed out') main.replaceChildren(h('p', { className: 'status-failed' }, err.message));
    }
  }
  window.addEventListener('hashchange', () => { document.getElementById('flash').replaceChildren(); route(); });
  route();
})();
