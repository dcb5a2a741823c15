// The web UI of `embedflow serve`: renders each page from the JSON API and polls it while the page
// is open. Text goes into the page as text nodes only, never as markup.
'use strict';

const RUNS_POLL_MS = 1000;
const PAGE_POLL_MS = 2000;

/** An element with attributes (`text` sets its text) and children (strings become text nodes). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const link = (href, text, attrs) => el('a', Object.assign({ href }, attrs), text);
const path = (...parts) => parts.map(encodeURIComponent).join('/');
const time = (t) => (t ? t.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–');
const num = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'));
const short = (id) => (id ? id.slice(0, 12) : '–');
const modelName = (ref) => (ref ? ref.split(/[/@]/)[0] : null);

function seconds(s) {
  if (s === null || s === undefined) return '–';
  if (s < 60) return s.toFixed(1) + ' s';
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

function status(value, id) {
  return el('span', { class: `status status-${value}`, id }, value);
}

function progress(run, idPrefix) {
  const p = run.progress;
  const label = p === null ? (run.status === 'RUNNING' ? 'starting' : '–') : `${Math.floor(p * 100)}%`;
  return el('span', { class: 'progress' },
    el('progress', { max: 1, value: p === null ? null : p, id: idPrefix ? `${idPrefix}-bar` : null }),
    el('span', { class: 'progress-text', id: idPrefix ? `${idPrefix}-text` : null }, label));
}

function facts(pairs) {
  const list = el('dl', { class: 'facts' });
  for (const [name, value] of pairs) {
    if (value === null || value === undefined || value === '') continue;
    list.append(el('dt', {}, name), el('dd', {}, value));
  }
  return list;
}

function table(id, headers, rows) {
  const head = el('tr', {}, headers.map((h) => el('th', { class: h.endsWith('#') ? 'num' : null }, h.replace(/#$/, ''))));
  return el('table', { id }, el('thead', {}, head), el('tbody', {}, rows));
}

function cells(...values) {
  return values.map((v) => {
    if (v instanceof Node) return el('td', {}, v);
    return typeof v === 'number' ? el('td', { class: 'num' }, num(v)) : el('td', {}, v ?? '–');
  });
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  if (response.status === 401) {
    window.location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
    throw new HttpError(401, 'signed out');
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new HttpError(response.status, (body && body.error) || `${response.status} ${response.statusText}`);
  return body;
}

function showError(message) {
  const box = document.getElementById('error');
  box.textContent = message || '';
  box.hidden = !message;
}

function render(title, ...content) {
  document.title = `${title} · embedflow`;
  document.getElementById('main').replaceChildren(el('h1', {}, title), ...content);
}

/**
 * Calls `load` now and then every `ms` while the page is visible, one call at a time; `load`
 * returns false to stop. The page is marked ready after the first successful call.
 */
function poll(ms, load) {
  let timer = null;
  const tick = async () => {
    timer = null;
    if (document.hidden) return;
    let again = true;
    try {
      again = (await load()) !== false;
      showError(null);
      document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString('en-GB');
      document.body.dataset.ready = 'true';
    } catch (e) {
      if (e.status === 401) return;
      showError(e.message);
      again = e.status !== 404;
    }
    if (again) timer = setTimeout(tick, ms);
  };
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && timer === null) tick();
  });
  tick();
}

// ---- runs ----

function runRows(runs) {
  return runs.map((r) => el('tr', { 'data-run': r.id }, cells(
    link('/runs/' + path(r.id), r.id), r.kind, status(r.status), progress(r),
    r.model ? link('/models/' + path(modelName(r.model)), r.model) : '–',
    r.spec ? link('/schedules/' + path(r.spec), r.spec) : '–',
    r.rowsOut, r.rowsRejected, r.rowsPerSecond, time(r.startedAt), seconds(r.durationSeconds),
    el('span', { class: 'links' }, r.report ? link(r.report, 'report') : null, r.lineage ? link(r.lineage, 'lineage') : null))));
}

function runsPage() {
  poll(RUNS_POLL_MS, async () => {
    const runs = await api('/api/runs?limit=100');
    render('Runs', runs.length === 0 ? el('p', { class: 'muted' }, 'No runs yet.')
      : table('runs', ['Run', 'Kind', 'Status', 'Progress', 'Model', 'Spec', 'Rows out#', 'Rejected#', 'Rows/s#', 'Started', 'Took', ''],
        runRows(runs)));
  });
}

function runPage(id) {
  poll(RUNS_POLL_MS, async () => {
    const { run: r, config, metrics } = await api('/api/runs/' + path(id));
    render(`Run ${r.id}`,
      el('p', {}, status(r.status, 'run-status'), ' ', progress(r, 'run-progress')),
      el('p', { class: 'links' }, r.report ? link(r.report, 'Report', { id: 'report-link' }) : null,
        r.lineage ? link(r.lineage, 'Lineage of its table', { id: 'lineage-link' }) : null),
      facts([['kind', r.kind], ['model', r.model ? link('/models/' + path(modelName(r.model)), r.model) : null],
        ['spec', r.spec ? link('/schedules/' + path(r.spec), r.spec) : null], ['trigger', r.trigger],
        ['queue request', r.queueRequest], ['started', time(r.startedAt)], ['finished', r.finishedAt ? time(r.finishedAt) : null],
        ['took', seconds(r.durationSeconds)], ['rows planned', num(r.rowsIn)],
        [r.status === 'RUNNING' ? 'rows done so far' : 'rows out', num(r.rowsOut)],
        ['rows rejected', num(r.rowsRejected)], ['rows truncated', num(r.rowsTruncated)], ['rows/s', num(r.rowsPerSecond)],
        ['input', r.input], ['output', r.output], ['model snapshot', r.modelSnapshotId], ['data snapshot', r.dataSnapshotId],
        ['code version', r.codeVersion], ['replay of', r.replayOf ? link('/runs/' + path(r.replayOf), r.replayOf) : null],
        ['log', r.logLocation], ['error', r.error]]),
      el('h2', {}, 'Metrics'), metrics ? keyValues('metrics', metrics) : el('p', { class: 'muted' }, 'None recorded yet.'),
      el('h2', {}, 'Configuration'), config ? keyValues('config', config) : el('p', { class: 'muted' }, '–'));
    return r.status === 'RUNNING';
  });
}

function keyValues(id, object) {
  if (typeof object !== 'object') return el('pre', {}, String(object));
  return table(id, ['Name', 'Value'], Object.entries(object).map(([k, v]) =>
    el('tr', {}, cells(k, typeof v === 'object' && v !== null ? el('code', {}, JSON.stringify(v)) : v))));
}

// ---- models ----

function modelsPage() {
  poll(PAGE_POLL_MS * 2, async () => {
    const models = await api('/api/models');
    render('Models', models.length === 0 ? el('p', { class: 'muted' }, 'No models yet: `embedflow model import DIR --name NAME`.')
      : table('models', ['Model', 'Versions#', 'Latest', 'Registered', 'Aliases'], models.map((m) => el('tr', { 'data-model': m.name },
        cells(link('/models/' + path(m.name), m.name), m.versions, m.latest, time(m.latestCreatedAt),
          m.aliases.map((a) => `${a.alias} → ${a.version}`).join(', ') || '–')))));
  });
}

function modelPage(name) {
  poll(PAGE_POLL_MS * 2, async () => {
    const m = await api('/api/models/' + path(name));
    render(`Model ${m.name}`,
      el('h2', {}, 'Versions'),
      table('versions', ['Version', 'Snapshot', 'Registered', 'Source', 'Aliases'], m.versions.map((v) => el('tr', {},
        cells(v.ref, el('code', { title: v.snapshotId }, short(v.snapshotId)), time(v.createdAt), v.source, v.aliases.join(', ') || '–')))),
      el('h2', {}, 'Aliases'),
      m.aliases.length === 0 ? el('p', { class: 'muted' }, 'No aliases.')
        : table('aliases', ['Alias', 'Version#', 'Moved'], m.aliases.map((a) => el('tr', {}, cells(a.ref, a.version, time(a.updatedAt))))),
      el('h2', {}, 'Alias history'),
      m.history.length === 0 ? el('p', { class: 'muted' }, 'No moves.')
        : table('alias-history', ['When', 'Alias', 'From', 'To', 'By', 'Why'], m.history.map((h) => el('tr', {},
          cells(time(h.at), h.alias, h.from === null ? 'created' : `${m.name}/${h.from}`, h.to === null ? 'deleted' : `${m.name}/${h.to}`,
            h.actor, h.reason)))),
      el('h2', {}, 'Runs of its snapshots'),
      m.runs.length === 0 ? el('p', { class: 'muted' }, 'No runs.')
        : table('model-runs', ['Run', 'Kind', 'Status', 'Progress', 'Model', 'Spec', 'Rows out#', 'Rejected#', 'Rows/s#', 'Started', 'Took', ''],
          runRows(m.runs)));
  });
}

// ---- schedules and the queue ----

async function queueStatus() {
  try {
    return await api('/api/queue');
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}

function schedulesPage() {
  poll(PAGE_POLL_MS, async () => {
    const [queue, specs] = await Promise.all([queueStatus(), api('/api/schedules')]);
    const tenants = queue ? Object.entries(queue.tenants) : [];
    render('Schedules and queue',
      queue ? facts([['daemon', queue.owner], ['leads', queue.leader ? 'yes' : 'no: another replica schedules'],
        ['as of', time(queue.at)], ['task slots', queue.capacitySlots ?? 'not read yet']])
        : el('p', { class: 'muted' }, 'The queue is shown by `embedflow serve`.'),
      el('h2', {}, 'Queue per tenant'),
      tenants.length === 0 ? el('p', { class: 'muted' }, 'No tenant has requests.')
        : table('tenants', ['Tenant', 'Weight#', 'Slot quota#', 'Queued#', 'Backing off#', 'Admitted#', 'Slots held#'],
          tenants.map(([name, t]) => el('tr', { 'data-tenant': name },
            cells(name, t.weight, t.maxSlots ?? 'none', t.queued, t.backingOff, t.admitted, t.admittedSlots)))),
      el('h2', {}, 'Running'),
      !queue || queue.running.length === 0 ? el('p', { class: 'muted' }, 'Nothing running.')
        : table('running', ['Request#', 'Run', 'Spec', 'Tenant', 'Slots#', 'Started', 'Stopping'], queue.running.map((r) => el('tr', {},
          cells(r.request, link('/runs/' + path(r.run), r.run), link('/schedules/' + path(r.spec), r.spec), r.tenant, r.slots,
            time(r.startedAt), r.stopping)))),
      el('h2', {}, 'Refresh specs'),
      specs.length === 0 ? el('p', { class: 'muted' }, 'No refresh specs: `embedflow schedule add FILE`.')
        : table('specs', ['Spec', 'Tenant', 'Priority#', 'Status', 'Model', 'Triggers', 'Last fired', 'Next cron due'],
          specs.map((s) => el('tr', { 'data-spec': s.name }, cells(link('/schedules/' + path(s.name), s.name), s.tenant, s.priority,
            status(s.status), s.model, s.triggers, s.lastFired ? `${time(s.lastFired)} (${s.lastFiredKind})` : '–', time(s.nextCronDue))))));
  });
}

function schedulePage(name) {
  poll(PAGE_POLL_MS, async () => {
    const d = await api('/api/schedules/' + path(name));
    const s = d.spec;
    render(`Refresh spec ${s.name}`,
      facts([['status', status(s.status)], ['tenant', s.tenant], ['priority', s.priority], ['model', s.model],
        ['triggers', s.triggers], ['next cron due', s.nextCronDue ? time(s.nextCronDue) : null]]),
      el('h2', {}, 'Spec'), el('pre', {}, d.yaml),
      el('h2', {}, 'What its triggers saw'), keyValues('spec-state', d.state),
      el('h2', {}, 'Last firings'),
      d.firings.length === 0 ? el('p', { class: 'muted' }, 'None.')
        : table('firings', ['#', 'Fired', 'Kind', 'Detail'], d.firings.map((f) => el('tr', {}, cells(f.id, time(f.firedAt), f.kind, f.detail)))),
      el('h2', {}, 'Runs'),
      d.runs.length === 0 ? el('p', { class: 'muted' }, 'No runs yet.')
        : table('spec-runs', ['Run', 'Kind', 'Status', 'Progress', 'Model', 'Spec', 'Rows out#', 'Rejected#', 'Rows/s#', 'Started', 'Took', ''],
          runRows(d.runs)));
  });
}

// ---- lineage ----

function lineagePage(tableLocation) {
  if (!tableLocation) {
    poll(PAGE_POLL_MS * 2, async () => {
      const runs = await api('/api/runs?limit=500');
      const tables = new Map();
      for (const r of runs) if (r.lineage && !tables.has(r.output)) tables.set(r.output, r);
      render('Lineage', el('p', { class: 'muted' }, 'Tables written by succeeded runs, newest first.'),
        tables.size === 0 ? el('p', { class: 'muted' }, 'No tables yet.')
          : table('tables', ['Table', 'Last written by', 'When'], [...tables.values()].map((r) => el('tr', {},
            cells(link(r.lineage, r.output), link('/runs/' + path(r.id), r.id), time(r.finishedAt))))));
    });
    return;
  }
  poll(PAGE_POLL_MS * 2, async () => {
    const l = await api('/api/lineage?table=' + encodeURIComponent(tableLocation));
    render('Lineage',
      facts([['table', el('code', {}, l.table)], ['rows', num(l.rows)], ['rejected', num(l.rejected)], ['dimension', l.dimension],
        ['written', time(l.createdAt)]]),
      el('h2', {}, 'Model snapshot'),
      facts([['snapshot', el('code', { id: 'lineage-model-snapshot' }, l.modelSnapshotId)], ['recorded as', l.modelRecordedAs],
        ['versions', l.modelVersions.length === 0 ? 'none' : el('span', { class: 'links' },
          l.modelVersions.map((v) => link('/models/' + path(modelName(v)), v)))],
        ['aliases', l.modelAliases.join(', ') || 'none'], ['in snapshot store', l.modelInStore ? 'yes' : 'no (collected)']]),
      el('h2', {}, 'Data snapshot'),
      facts([['snapshot', el('code', { id: 'lineage-data-snapshot' }, l.dataSnapshotId)], ['root', l.dataRoot ?? 'not recorded']]),
      l.dataFiles.length === 0 ? null : table('data-files', ['File', 'Bytes#', 'SHA-256'], l.dataFiles.map((f) => el('tr', {},
        cells(f.path, f.size, el('code', { title: f.sha256 }, short(f.sha256)))))),
      el('h2', {}, 'Run'),
      l.run ? facts([['run', link('/runs/' + path(l.run.id), l.run.id, { id: 'lineage-run' })], ['status', status(l.run.status)],
        ['started', time(l.run.startedAt)], ['code version', l.run.codeVersion], ['spec', l.run.spec],
        ['report', l.run.report ? link(l.run.report, 'report') : null]])
        : el('p', { class: 'muted' }, `Run ${l.runId} is not recorded here.`));
  });
}

// ---- routing ----

const ROUTES = [
  [/^\/(runs)?$/, 'runs', () => runsPage()],
  [/^\/runs\/([^/]+)$/, 'runs', (m) => runPage(decodeURIComponent(m[1]))],
  [/^\/models$/, 'models', () => modelsPage()],
  [/^\/models\/([^/]+)$/, 'models', (m) => modelPage(decodeURIComponent(m[1]))],
  [/^\/schedules$/, 'schedules', () => schedulesPage()],
  [/^\/schedules\/([^/]+)$/, 'schedules', (m) => schedulePage(decodeURIComponent(m[1]))],
  [/^\/lineage$/, 'lineage', () => lineagePage(new URLSearchParams(location.search).get('table'))],
];

document.addEventListener('DOMContentLoaded', () => {
  for (const [pattern, nav, show] of ROUTES) {
    const match = location.pathname.match(pattern);
    if (match) {
      const active = document.querySelector(`nav a[data-nav="${nav}"]`);
      if (active) active.classList.add('active');
      show(match);
      return;
    }
  }
  render('Not found', el('p', {}, 'No such page.'));
});
