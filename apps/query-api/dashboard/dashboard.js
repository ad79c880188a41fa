/* global document, window, localStorage, Chart */
// The call-centre manager's dashboard: reads the query API (GET /v1/segments, /v1/customers,
// /v1/win-back, /v1/teams/:id/measures, /v1/changes) with the key the page asks for, and draws it
// with chart.js. Every value shown comes from the API; text goes in with textContent only.
import { ApiError, apiKey, followChanges, getJson, throttle } from './api.js';

const LIFECYCLE = ['awareness', 'exploration', 'expansion', 'commitment', 'dissolution'];
const TRUST = ['calculus', 'knowledge', 'identification'];
const LOYALTY = ['cognition', 'acceptance', 'preference', 'loyalty'];
const TIERS_TOP_DOWN = ['diamond', 'gold', 'silver', 'iron', 'lead'];
const REASONS = ['deliberate', 'unintentional', 'competitor', 'price', 'lost_eligibility', 'unspecified'];
const COLOURS = {
  awareness: '#94a3b8', exploration: '#38bdf8', expansion: '#6366f1', commitment: '#16a34a', dissolution: '#dc2626',
  calculus: '#fbbf24', knowledge: '#3b82f6', identification: '#16a34a',
  cognition: '#cbd5e1', acceptance: '#7dd3fc', preference: '#818cf8', loyalty: '#16a34a',
  diamond: '#06b6d4', gold: '#eab308', silver: '#a3a3a3', iron: '#78716c', lead: '#475569',
};
const REASON_COLOUR = '#f97316';
/** What each rule of a timeline means (docs/relationship-model.md §2, §3). */
const RULES = {
  'first-seen': 'first event of the customer',
  'first-purchase': 'first purchase',
  'repeat-purchases': 'repeat purchases within the window',
  commitment: 'tenure, regular purchases, satisfaction and trust',
  'relationship-ended': 'the customer ended the relationship',
  'volume-decline': 'purchase volume halved',
  inactivity: 'no purchase for the inactivity period',
  'win-back': 'a purchase after dissolution',
  knowledge: 'enough interactions over time, competence',
  identification: 'time in knowledge, satisfaction, referral or tenure',
  'sla-breach': 'a serious complaint unresolved past its SLA',
  'refund-after-resolution': 'a refund after a complaint marked resolved',
};
const REFRESH_MS = 2000;
const POLL_MS = 60_000;
const FEED_MAX = 60;
const TEAMS_ITEM = 'crm-dashboard-teams';

const $ = (id) => document.getElementById(id);
const number = new Intl.NumberFormat('en');
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const percent = (x) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)} %`);
/** Money is in minor units of each customer's view currency: shown in major units. */
const major = (minor) => minor / 100;
const money = (minor) => compact.format(major(minor));
const utc = (iso) => (iso ? `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '–');
const dayOf = (iso) => (iso ? new Date(iso).toISOString().slice(0, 10) : '–');
const duration = (sec) => (sec === null ? '–' : `${Math.floor(sec / 60)}:${String(Math.round(sec % 60)).padStart(2, '0')}`);

/** An element with text and attributes; children appended (strings become text nodes). */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else if (key === 'onclick') node.addEventListener('click', value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

/** A link-looking button that opens a customer. */
const customerLink = (customerId) => el('button', { type: 'button', class: 'id-link', text: customerId, onclick: () => openCustomer(customerId, { scroll: true }) });

// --- charts ---------------------------------------------------------------------------------

const charts = new Map();

function chartDefaults() {
  Chart.defaults.animation = false; // live updates redraw at once; no half-drawn screenshots
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.size = 11;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
}

/** Creates the chart on its canvas, or replaces its data and options and redraws it. */
function draw(id, config) {
  const existing = charts.get(id);
  if (existing) {
    existing.data = config.data;
    existing.options = config.options ?? {};
    existing.update();
    return;
  }
  charts.set(id, new Chart($(id), config));
}

const noLegend = { plugins: { legend: { display: false } } };
const counts = (record, keys) => keys.map((key) => record?.[key] ?? 0);
const colours = (keys) => keys.map((key) => COLOURS[key] ?? '#999');
/** The keys of the model first, then any the API adds (so nothing it counts is left out). */
const keysOf = (known, record) => [...known, ...Object.keys(record ?? {}).filter((key) => !known.includes(key))];

function drawFunnel(report, now) {
  const stages = keysOf(LIFECYCLE, report.counts.byLifecycleStage);
  const datasets = [{ label: `at the pass (${dayOf(report.asOf)})`, data: counts(report.counts.byLifecycleStage, stages), backgroundColor: colours(stages) }];
  if (now) datasets.push({ label: 'now', data: counts(now, stages), backgroundColor: '#1f29330f', borderColor: colours(stages), borderWidth: 2 });
  draw('chart-funnel', { type: 'bar', data: { labels: stages, datasets }, options: { indexAxis: 'y', scales: { x: { beginAtZero: true } } } });
}

/** Σ of the per-day transitions into day or week buckets (weeks start on Monday, UTC), gaps filled with zeros. */
function bucketTransitions(rows, bucket, field) {
  const DAY = 86_400_000;
  const keyOf = (ms) => {
    if (bucket === 'day') return new Date(ms).toISOString().slice(0, 10);
    const weekday = (new Date(ms).getUTCDay() + 6) % 7;
    return new Date(ms - weekday * DAY).toISOString().slice(0, 10);
  };
  const byKey = new Map();
  if (rows.length > 0) {
    const first = Date.parse(`${rows[0].day}T00:00:00Z`);
    const last = Date.parse(`${rows[rows.length - 1].day}T00:00:00Z`);
    for (let ms = first; ms <= last; ms += DAY) if (!byKey.has(keyOf(ms))) byKey.set(keyOf(ms), {});
  }
  for (const row of rows) {
    const target = byKey.get(keyOf(Date.parse(`${row.day}T00:00:00Z`)));
    for (const [key, n] of Object.entries(row[field] ?? {})) target[key] = (target[key] ?? 0) + n;
  }
  return byKey;
}

/** The flows shown one by one (the most frequent); the rest are summed as `other flows`. */
const FLOWS_SHOWN = 8;
const FLOW_SHADES = ['#1e3a8a', '#2563eb', '#60a5fa', '#0f766e', '#14b8a6', '#a16207', '#f59e0b', '#b91c1c'];

function drawFlows(report) {
  const rows = [...report.transitionsPerDay].sort((a, b) => (a.day < b.day ? -1 : 1));
  const byFlow = $('flows-kind').value === 'flow';
  const buckets = bucketTransitions(rows, $('flows-bucket').value, byFlow ? 'byFlow' : 'byStage');
  let datasets;
  if (byFlow) {
    // Each flow `from→to` a series, the most frequent first; a first stage is `new→awareness`.
    const totals = new Map();
    for (const row of rows) for (const [flow, n] of Object.entries(row.byFlow ?? {})) totals.set(flow, (totals.get(flow) ?? 0) + n);
    const flows = [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([flow]) => flow);
    const shown = flows.slice(0, FLOWS_SHOWN);
    const rest = flows.slice(FLOWS_SHOWN);
    datasets = shown.map((flow, i) => ({ label: flow, data: [...buckets.values()].map((b) => b[flow] ?? 0), backgroundColor: FLOW_SHADES[i % FLOW_SHADES.length] }));
    if (rest.length > 0) datasets.push({ label: `${rest.length} other flows`, data: [...buckets.values()].map((b) => rest.reduce((n, flow) => n + (b[flow] ?? 0), 0)), backgroundColor: '#cbd5e1' });
  } else {
    const stages = keysOf(LIFECYCLE, Object.assign({}, ...rows.map((r) => r.byStage)));
    datasets = stages.map((stage) => ({ label: stage, data: [...buckets.values()].map((b) => b[stage] ?? 0), backgroundColor: COLOURS[stage] ?? '#999' }));
  }
  draw('chart-flows', {
    type: 'bar',
    data: { labels: [...buckets.keys()], datasets },
    options: { scales: { x: { stacked: true, ticks: { maxTicksLimit: 14 } }, y: { stacked: true, beginAtZero: true } } },
  });
}

function drawSegments(report) {
  draw('chart-tiers', {
    type: 'bar',
    data: { labels: TIERS_TOP_DOWN, datasets: [{ label: 'customers', data: counts(report.counts.byTier, TIERS_TOP_DOWN), backgroundColor: colours(TIERS_TOP_DOWN) }] },
    options: { ...noLegend, indexAxis: 'y', scales: { x: { beginAtZero: true } } },
  });
  const trust = keysOf(TRUST, report.counts.byTrustStage);
  draw('chart-trust', {
    type: 'doughnut',
    data: { labels: trust, datasets: [{ label: 'customers', data: counts(report.counts.byTrustStage, trust), backgroundColor: colours(trust) }] },
    options: { plugins: { legend: { position: 'right' } } },
  });
  const loyalty = keysOf(LOYALTY, report.counts.byLoyaltyStage);
  draw('chart-loyalty', {
    type: 'bar',
    data: { labels: loyalty, datasets: [{ label: 'customers', data: counts(report.counts.byLoyaltyStage, loyalty), backgroundColor: colours(loyalty) }] },
    options: { ...noLegend, scales: { y: { beginAtZero: true } } },
  });
  const reasons = keysOf(REASONS, report.churn.byReason);
  draw('chart-churn', {
    type: 'bar',
    data: { labels: reasons.map((r) => r.replace('_', ' ')), datasets: [{ label: 'lost customers', data: counts(report.churn.byReason, reasons), backgroundColor: REASON_COLOUR }] },
    options: { ...noLegend, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  $('churn-note').textContent = `${number.format(report.churn.dissolved)} customers in dissolution (${percent(report.churn.rate)}); unspecified = dissolved by a time rule.`;
}

function drawRetention(report) {
  const { periods, periodDays, activity } = report.retention;
  draw('chart-retention', {
    type: 'bar',
    data: {
      labels: periods.map((p) => dayOf(p.to)),
      datasets: [
        { type: 'line', label: 'retained share', data: periods.map((p) => (p.rate === null ? null : p.rate * 100)), borderColor: '#3f51b5', backgroundColor: '#3f51b5', yAxisID: 'rate' },
        { label: 'active', data: periods.map((p) => p.active), backgroundColor: '#cbd5e1', yAxisID: 'customers' },
        { label: 'retained', data: periods.map((p) => p.retained), backgroundColor: '#93c5fd', yAxisID: 'customers' },
      ],
    },
    options: {
      scales: {
        rate: { position: 'right', min: 0, max: 100, ticks: { callback: (v) => `${v} %` } },
        customers: { position: 'left', beginAtZero: true },
      },
    },
  });
  $('retention-note').textContent = `Of the customers active (${activity}) in a ${periodDays}-day period (labelled by its end), the share active in the next.`;
}

function drawValue(report) {
  const basis = report.customerEquityBasis;
  draw('chart-equity', {
    type: 'bar',
    data: {
      labels: ['historical', 'forward, discounted', 'forward, undiscounted'],
      datasets: [{ label: 'value', data: [major(basis.historicalValue), major(basis.forwardValue), major(basis.undiscountedForwardValue)], backgroundColor: ['#64748b', '#3f51b5', '#c7d2fe'] }],
    },
    options: { ...noLegend, scales: { y: { beginAtZero: true, ticks: { callback: (v) => compact.format(v) } } } },
  });
  const distribution = report.lifetimeValueDistribution;
  if (distribution) {
    const band = (b) => `${compact.format(major(b.from))}${b.to === null ? '+' : `–${compact.format(major(b.to))}`}`;
    // From the first band that holds a customer: the empty low bands say nothing.
    const first = Math.max(0, distribution.buckets.findIndex((b) => b.customers > 0));
    const bands = distribution.buckets.slice(first);
    draw('chart-ltv', {
      type: 'bar',
      data: { labels: bands.map(band), datasets: [{ label: 'customers', data: bands.map((b) => b.customers), backgroundColor: '#3f51b5' }] },
      options: { ...noLegend, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    const q = distribution.quantiles;
    $('ltv-note').textContent = `Lifetime value per customer (historical + discounted forward): median ${money(q.p50)}, p90 ${money(q.p90)}, p99 ${money(q.p99)}, mean ${money(distribution.mean)}.`;
  }
  const c = report.concentration;
  draw('chart-concentration', {
    type: 'doughnut',
    data: {
      labels: [`top ${Math.round(c.topCustomerShare * 100)} % (${c.topCustomers} customers)`, 'the others'],
      datasets: [{ label: '365-day value', data: [major(c.topValue), major(c.totalValue - c.topValue)], backgroundColor: ['#3f51b5', '#e2e8f0'] }],
    },
    options: { plugins: { legend: { position: 'bottom' } } },
  });
  $('equity-note').textContent =
    `Equity ${money(report.customerEquity)} = historical value + forward value over ${Math.round(basis.horizonDays / 365)} years discounted at ${percent(basis.annualDiscountRate)} a year (${basis.method}); ` +
    `the top ${Math.round(c.topCustomerShare * 100)} % bring ${percent(c.valueShare)} of the 365-day value (reference ${percent(c.referenceValueShare)}). Amounts in major units of the customers' own currencies.`;
}

// --- data -----------------------------------------------------------------------------------

const state = { report: null, now: null, changes: 0, newCustomers: 0, customerId: null, stream: null };

/** Customers per lifecycle stage now: the list's totals (the pass's stages, moved by every event since). */
async function stageCountsNow() {
  const totals = await Promise.all(LIFECYCLE.map((stage) => getJson(`/v1/customers?lifecycleStage=${stage}&limit=1`).then((page) => page.total)));
  return Object.fromEntries(LIFECYCLE.map((stage, i) => [stage, totals[i]]));
}

function renderKpis() {
  const { report, now } = state;
  if (report) {
    $('kpi-population').textContent = number.format(report.population);
    $('kpi-churn').textContent = percent(report.churn.rate);
    $('kpi-equity').textContent = money(report.customerEquity);
    $('kpi-concentration').textContent = percent(report.concentration.valueShare);
    const periods = report.retention.periods.filter((p) => p.rate !== null);
    $('kpi-retention').textContent = periods.length > 0 ? percent(periods[periods.length - 1].rate) : '–';
  }
  if (now) $('kpi-now').textContent = number.format(Object.values(now).reduce((a, b) => a + b, 0));
  $('kpi-changes').textContent = number.format(state.changes);
  $('kpi-new').textContent = number.format(state.newCustomers);
}

async function refreshAggregates() {
  const [report, now] = await Promise.all([getJson('/v1/segments'), stageCountsNow()]);
  state.report = report;
  state.now = now;
  $('pass-info').textContent =
    `Population pass as of ${utc(report.asOf)} · ${number.format(report.population)} customers · lifetime value by ${report.fit.method}` +
    `${report.fit.fallbackReason ? ` (${report.fit.fallbackReason})` : ''} · ${report.projectionVersion} · loaded ${new Date().toLocaleTimeString('en-GB')}`;
  renderKpis();
  drawFunnel(report, now);
  drawFlows(report);
  drawSegments(report);
  drawRetention(report);
  drawValue(report);
  await Promise.all([refreshWinBack(), refreshTeams()]);
  document.body.dataset.state = 'ready';
}

async function refreshWinBack() {
  const reason = $('winback-reason').value;
  const page = await getJson(`/v1/win-back?limit=15${reason ? `&reason=${encodeURIComponent(reason)}` : ''}`);
  const rows = page.items.map((item, i) =>
    el('tr', {},
      el('td', { class: 'num', text: String(i + 1) }),
      el('td', {}, customerLink(item.customerId)),
      el('td', { text: item.reason.replace('_', ' ') }),
      el('td', { text: dayOf(item.dissolvedAt) }),
      el('td', { class: 'num', text: money(item.historicalValue) }),
      el('td', { class: 'num', text: money(item.winBackValue) })));
  $('winback-table').tBodies[0].replaceChildren(...rows);
  $('winback-total').textContent = `${number.format(page.total)} lost customer${page.total === 1 ? '' : 's'}${reason ? ` (${reason.replace('_', ' ')})` : ''}, ranked by the pass of ${utc(page.asOf)}; showing the first ${page.items.length}.`;
}

const teamIds = () => [...new Set($('teams').value.split(/[\s,]+/).map((t) => t.trim()).filter(Boolean))].slice(0, 20);

async function refreshTeams() {
  // No teams chosen in this browser yet: the first ones the API lists (GET /v1/teams).
  if (teamIds().length === 0) {
    const listed = await getJson('/v1/teams');
    $('teams').value = listed.ids.slice(0, 8).join(', ');
  }
  const teams = teamIds();
  const range = new URLSearchParams();
  if ($('teams-from').value) range.set('from', $('teams-from').value);
  if ($('teams-to').value) range.set('to', $('teams-to').value);
  const query = range.size > 0 ? `?${range}` : '';
  const measures = await Promise.all(teams.map((team) => getJson(`/v1/teams/${encodeURIComponent(team)}/measures${query}`)));
  const rate = (key) => measures.map((m) => (m.total[key] === null ? null : m.total[key] * 100));
  draw('chart-teams', {
    type: 'bar',
    data: {
      labels: teams,
      datasets: [
        { label: 'first-contact resolution', data: rate('firstContactResolutionRate'), backgroundColor: '#3f51b5' },
        { label: 'empowerment', data: rate('empowermentRate'), backgroundColor: '#16a34a' },
        { label: 'complaints within SLA', data: rate('complaintsWithinSlaRate'), backgroundColor: '#f59e0b' },
        { label: 'abandoned', data: rate('abandonedShare'), backgroundColor: '#dc2626' },
      ],
    },
    options: { scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v} %` } } } },
  });
  const rows = measures.map((m) =>
    el('tr', {},
      el('td', { text: m.id }),
      el('td', { class: 'num', text: number.format(m.total.contacts) }),
      el('td', { class: 'num', text: `${number.format(m.total.inbound)} / ${number.format(m.total.outbound)}` }),
      el('td', { class: 'num', text: duration(m.total.averageHandleTimeSec) }),
      el('td', { class: 'num', text: percent(m.total.firstContactResolutionRate) }),
      el('td', { class: 'num', text: percent(m.total.empowermentRate) }),
      el('td', { class: 'num', text: percent(m.total.abandonedShare) }),
      el('td', { class: 'num', text: percent(m.total.complaintsWithinSlaRate) })));
  $('teams-table').tBodies[0].replaceChildren(...(rows.length > 0 ? rows : [el('tr', {}, el('td', { colspan: '8', class: 'note', text: 'Type team ids above (e.g. T-01, T-02).' }))]));
}

// --- one customer ---------------------------------------------------------------------------

async function openCustomer(customerId, { scroll = false } = {}) {
  state.customerId = customerId;
  $('customer-id').value = customerId;
  $('customer-error').textContent = '';
  try {
    await renderCustomer(customerId);
    if (scroll) $('customer-card').scrollIntoView({ block: 'start' });
  } catch (error) {
    $('customer').hidden = true;
    $('customer-error').textContent = error instanceof ApiError && error.status === 404 ? `No customer ${customerId}` : `Could not load ${customerId}: ${error.message}`;
    if (error instanceof ApiError && error.refused) lock(error);
  }
}

const path = (customerId) => `/v1/customers/${encodeURIComponent(customerId)}`;

async function renderCustomer(customerId) {
  const [record, timeline] = await Promise.all([getJson(path(customerId)), getJson(`${path(customerId)}/timeline`)]);
  if (state.customerId !== customerId) return; // another customer was opened meanwhile
  const { view, segment } = record;
  const clv = segment?.clv;
  const traits = Object.entries(view.loyalty.traits).filter(([, t]) => t.value).map(([name]) => name.replace(/([A-Z])/g, ' $1').toLowerCase());
  const name = record.personalData?.status === 'present' ? record.personalData.displayName : null;
  $('customer-title').textContent = `${record.customerId}${name ? ` · ${name}` : ''}${record.customerId !== customerId ? ` (merged from ${customerId})` : ''}`;
  const facts = [
    ['Lifecycle stage', `${view.lifecycle.stage} since ${utc(view.lifecycle.since)}${view.lifecycle.dissolvedBy ? ` (by ${view.lifecycle.dissolvedBy}${view.churnReason ? `: ${view.churnReason}` : ''})` : ''}`],
    ['Development', `${view.lifecycle.assessment.development}; win-backs ${view.lifecycle.winBacks}`],
    ['Trust stage', `${view.trust.stage} since ${utc(view.trust.since)}`],
    ['Trust scores', `competence ${Math.round(view.trust.competence)}, benevolence ${Math.round(view.trust.benevolence)}, integrity ${Math.round(view.trust.integrity)}`],
    ['Loyalty formation', view.loyalty.formationStage],
    ['Loyal traits', traits.length > 0 ? traits.join(', ') : 'none'],
    ['Satisfaction', view.satisfaction.average === null ? 'not rated' : `${(1 + 4 * view.satisfaction.average).toFixed(1)} / 5 (${view.satisfaction.ratings} rating${view.satisfaction.ratings === 1 ? '' : 's'}), NPS ${view.satisfaction.npsClass ?? '–'}`],
    ['Complaints', `${view.complaints.filed} filed, ${view.complaints.resolved} resolved (${view.complaints.resolvedWithinSla} within SLA), ${view.complaints.open.length} open`],
    ['Tier', segment ? `${segment.tier} (pass of ${dayOf(segment.asOf)})` : 'no population pass yet'],
    ['Historical value', `${money(view.historicalValue)} ${view.currency ?? ''}`],
    ['Lifetime value', clv ? `forward ${money(clv.forwardValue)} (discounted), alive ${clv.probabilityAlive === null ? '–' : percent(clv.probabilityAlive)}, ${clv.expectedPurchases.toFixed(1)} purchases expected (${clv.method})` : '–'],
    ['Events', `${number.format(view.eventCount)}, first ${utc(view.firstSeenAt)}, last ${utc(view.lastEventAt)}`],
    ['View', `as of ${utc(view.asOf)}, position ${record.position}`],
  ];
  $('customer-facts').replaceChildren(...facts.flatMap(([term, value]) => [el('dt', { text: term }), el('dd', { text: value })]));
  const rows = timeline.entries.map((entry) =>
    el('tr', { 'data-kind': entry.kind },
      el('td', { text: utc(entry.occurredAt).replace(' UTC', '') }),
      el('td', { text: entry.kind }),
      el('td', {}, el('span', { class: 'stage', text: entry.from ?? 'new' }), ' → ', el('span', { class: 'stage', text: entry.to })),
      el('td', { class: 'wrap' }, el('span', { text: entry.rule }), el('span', { class: 'rule-why', text: RULES[entry.rule] ?? '' })),
      entry.eventId
        ? el('td', { class: 'mono', title: 'The eventId of the event that caused it', text: entry.eventId })
        : el('td', { class: 'time-rule', title: 'No event caused it: the rule became true at this instant', text: 'time rule (no event)' })));
  $('timeline-table').tBodies[0].replaceChildren(...rows);
  $('violations').replaceChildren(
    ...timeline.trustViolations.map((v) => el('li', { text: `${utc(v.occurredAt)}: ${v.kind} of complaint ${v.complaintId}, trust ${v.from} → ${v.to}${v.eventId ? ` (event ${v.eventId})` : ' (time rule)'}` })),
  );
  $('customer').hidden = false;
}

// --- live -----------------------------------------------------------------------------------

const LIVE_LABELS = { connecting: 'connecting…', open: 'live', retrying: 'reconnecting…', refused: 'key refused', off: 'offline' };

const scheduleAggregates = throttle(() => refreshAggregates().catch(showError), REFRESH_MS);
const scheduleCustomer = throttle(() => (state.customerId ? renderCustomer(state.customerId).catch(showError) : undefined), REFRESH_MS);

function onChange(change) {
  state.changes++;
  if (change.key === 'lifecycleStage' && change.from === null) state.newCustomers++;
  renderKpis();
  const feed = $('feed');
  feed.querySelector('.feed-empty')?.remove();
  feed.prepend(
    el('li', { 'data-customer': change.customerId },
      el('span', { class: 'when', text: new Date().toLocaleTimeString('en-GB') }),
      customerLink(change.customerId),
      ` ${change.key.replace('Stage', '')}: ${change.from ?? 'new'} → ${change.to}`,
      el('span', { class: 'note', text: ` (${change.eventType ?? 'time rule'})` })),
  );
  while (feed.children.length > FEED_MAX) feed.lastElementChild.remove();
  scheduleAggregates();
  if (change.customerId === state.customerId) scheduleCustomer();
}

function startStream() {
  state.stream?.stop();
  state.stream = followChanges({
    onChange,
    onReset: () => {
      // The server no longer holds what we missed: re-read what is shown.
      scheduleAggregates();
      scheduleCustomer();
    },
    onState: (live, detail) => {
      $('live').dataset.state = live;
      $('live').textContent = live === 'retrying' ? `reconnecting in ${Math.round(detail / 1000)} s` : LIVE_LABELS[live];
      if (live === 'refused') lock(detail);
    },
  });
}

// --- key, start -----------------------------------------------------------------------------

function showError(error) {
  if (error instanceof ApiError && error.refused) return lock(error);
  $('pass-info').textContent = `Could not load the figures: ${error.message}`;
}

function lock(error) {
  state.stream?.stop();
  state.stream = null;
  apiKey.forget();
  document.body.dataset.state = 'locked';
  $('board').hidden = true;
  $('forget-key').hidden = true;
  $('key-panel').hidden = false;
  $('live').dataset.state = 'off';
  $('live').textContent = LIVE_LABELS.off;
  if (error) $('key-error').textContent = error.status === 403 ? `This key may not read: ${error.message}` : 'The API did not accept this key.';
}

async function unlock() {
  document.body.dataset.state = 'loading';
  $('key-error').textContent = '';
  try {
    await refreshAggregates();
  } catch (error) {
    if (error instanceof ApiError && error.refused) return lock(error);
    $('key-error').textContent = `Could not load the figures: ${error.message}`;
    document.body.dataset.state = 'locked';
    return;
  }
  $('key-panel').hidden = true;
  $('board').hidden = false;
  $('forget-key').hidden = false;
  if ($('feed').children.length === 0) $('feed').append(el('li', { class: 'feed-empty', text: 'Waiting for changes…' }));
  startStream();
}

function init() {
  chartDefaults();
  $('teams').value = localStorage.getItem(TEAMS_ITEM) ?? '';
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('api-key').value.trim();
    $('api-key').value = '';
    if (!key) return;
    apiKey.set(key);
    unlock();
  });
  $('forget-key').addEventListener('click', () => {
    lock(null);
    $('key-error').textContent = 'Key forgotten.';
  });
  $('flows-bucket').addEventListener('change', () => state.report && drawFlows(state.report));
  $('flows-kind').addEventListener('change', () => state.report && drawFlows(state.report));
  $('winback-reason').addEventListener('change', () => refreshWinBack().catch(showError));
  $('teams-form').addEventListener('submit', (event) => {
    event.preventDefault();
    localStorage.setItem(TEAMS_ITEM, teamIds().join(', '));
    refreshTeams().catch(showError);
  });
  $('customer-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const id = $('customer-id').value.trim();
    if (id) openCustomer(id);
  });
  // A pass runs on its own schedule and sends no change: look for a new one now and then.
  window.setInterval(() => state.stream && scheduleAggregates(), POLL_MS);
  if (apiKey.get()) unlock();
}

init();
