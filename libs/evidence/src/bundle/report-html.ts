import { effectiveAtOf, foldPlan, own, formatUkDate, type Action, type ActionRag, type ActionRagRating, type PlanState, type RagRuleSet, type StoredPlanEvent } from '#domain';
import { referencesOf, summariseEvent, type RagTrendPoint } from '#plan-views';
import { BUNDLE_FILES } from './bundle-format.js';
import type { BundledPlanState } from './bundled-plan-state.js';

/**
 * report.html: the bundle as a person reads it, in a browser or on paper. One self-contained file
 * (inline CSS and SVG, no scripts, nothing fetched), laid out like the council's own plan, with UK
 * dates and ratings in words as well as colour. Every piece of plan text is escaped: plan data is
 * typed by people and can hold <, & and quotes.
 */

export interface BundleReportFacts {
  /** The zip's file name, for the commands in "How to verify". */
  bundleFileName: string;
  createdAt: string;
  generator: { name: string; version: string };
  keyFingerprint: string;
  eventCount: number;
  headHash: string;
  merkleRootHash: string;
  rules: RagRuleSet;
  evidenceFiles: { included: boolean; missing: readonly string[]; bundled: readonly string[] };
  since?: { treeSize: number; rootHash: string; createdAt: string; asAt: string; time: 'recorded' | 'effective' };
}

/**
 * `folded`, when the caller has it: the fold of all `events` (in recorded time, the plan as at the cut-off), whose
 * references the audit trail names; without it the events are folded here.
 */
export function renderBundleReport(state: BundledPlanState, events: readonly StoredPlanEvent[], facts: BundleReportFacts, folded?: Pick<PlanState, 'actions' | 'recommendations'>): string {
  const plan = state.plan;
  const title = `${plan.title} as at ${ukDateOfInstant(state.asAt)}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en-GB">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(`Evidence bundle: ${title}`)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    header(state, facts),
    summary(state, facts.rules),
    trendSection(state.trend.points),
    workstreamSection(state),
    planTable(state),
    discrepancySection(state),
    auditTrail(state, events, folded),
    howToVerify(state, facts),
    `<footer><p>Made by ${esc(facts.generator.name)} ${esc(facts.generator.version)} on ${esc(ukInstant(facts.createdAt))}. This report is a rendering of state.json and events.ndjson in the same bundle; the signed manifest covers it.</p></footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Sections

function header(state: BundledPlanState, facts: BundleReportFacts): string {
  const plan = state.plan;
  const rows: [string, string][] = [
    ['Organisation', esc(plan.organisation)],
    ['Responds to', esc(plan.respondsTo)],
    ...(plan.period ? ([['Period', esc(plan.period)]] as [string, string][]) : []),
    ...(plan.owner ? ([['Owner', esc(plan.owner)]] as [string, string][]) : []),
    ['As at', esc(ukInstant(state.asAt))],
    ['Time', esc(timeWords(state.time))],
    ['Events', `${facts.eventCount} (revisions 0 to ${facts.eventCount - 1})`],
    ['RAG rules', `version ${esc(state.rulesVersion)}`],
    ['Bundle made', `${esc(ukInstant(facts.createdAt))} by ${esc(facts.generator.name)} ${esc(facts.generator.version)}`],
  ];
  return `<header class="doc-header">
<p class="kicker">Evidence bundle for regulators and inspectors</p>
<h1>${esc(plan.title)}</h1>
<dl class="facts">${rows.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>
</header>`;
}

function summary(state: BundledPlanState, rules: RagRuleSet): string {
  const p = state.rag.plan;
  const counts: [ActionRagRating, number][] = (['green', 'amber', 'red', 'awaiting', 'no_target', 'superseded'] as const).map((r) => [r, p.byRating[r]]);
  return `<section class="summary" aria-labelledby="summary-h">
<h2 id="summary-h">Summary as at ${esc(ukDateOfInstant(state.asAt))}</h2>
<p class="sentence">${esc(p.sentence)}</p>
<p class="sub">${p.actionsComplete} of ${p.actionsTotal} actions complete. Overall rating: ${ragBadge(p.rating)}</p>
<ul class="counts">${counts.map(([r, n]) => `<li>${ragBadge(r)} <span class="n">${n}</span> ${n === 1 ? 'action' : 'actions'}</li>`).join('')}</ul>
<table class="key"><caption>RAG key, as the plan prints it</caption><tbody>
<tr><td class="rag rag-green"><strong>Green</strong></td><td>${esc(rules.key.green)}</td><td class="rag rag-amber"><strong>Amber</strong></td><td>${esc(rules.key.amber)}</td><td class="rag rag-red"><strong>Red</strong></td><td>${esc(rules.key.red)}</td></tr>
</tbody></table>
<p class="note">Ratings are derived by the ledger from recorded facts under RAG rules version ${esc(rules.version)}: each cell below gives the reason. Awaiting (waiting on something outside the council) and No target (nothing to measure against) are shown as themselves, never counted as Green.</p>
</section>`;
}

const CHART_SERIES: { key: keyof Pick<RagTrendPoint, 'green' | 'amber' | 'red' | 'awaiting' | 'noTarget'>; label: string; cls: string }[] = [
  { key: 'green', label: 'Green', cls: 'green' },
  { key: 'amber', label: 'Amber', cls: 'amber' },
  { key: 'red', label: 'Red', cls: 'red' },
  { key: 'awaiting', label: 'Awaiting', cls: 'awaiting' },
  { key: 'noTarget', label: 'No target', cls: 'no_target' },
];

function trendSection(points: readonly RagTrendPoint[]): string {
  if (points.length === 0) return '';
  const width = 1000;
  const height = 300;
  const left = 44;
  const right = 12;
  const top = 14;
  const bottom = 44;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const totals = points.map((p) => CHART_SERIES.reduce((sum, s) => sum + p[s.key], 0));
  const { top: niceMax, step: tickStep } = axisScale(Math.max(1, ...totals));
  const slot = plotW / points.length;
  const barW = Math.max(2, Math.min(36, slot * 0.7));
  const y = (value: number) => top + plotH - (value / niceMax) * plotH;
  const labelEvery = Math.ceil(points.length / 24);
  const ticks = Array.from({ length: Math.round(niceMax / tickStep) + 1 }, (_, i) => i * tickStep);
  const parts: string[] = [];
  for (const t of ticks) {
    parts.push(`<line class="grid" x1="${left}" x2="${width - right}" y1="${fmt(y(t))}" y2="${fmt(y(t))}"/>`);
    parts.push(`<text class="tick" x="${left - 6}" y="${fmt(y(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  points.forEach((p, i) => {
    const x = left + i * slot + (slot - barW) / 2;
    const isLast = i === points.length - 1;
    const when = isLast ? `As at ${ukDateOfInstant(p.at)}` : monthWords(p.at);
    let base = 0;
    for (const s of CHART_SERIES) {
      const n = p[s.key];
      if (n === 0) continue;
      parts.push(`<rect class="bar ${s.cls}" x="${fmt(x)}" y="${fmt(y(base + n))}" width="${fmt(barW)}" height="${fmt(y(base) - y(base + n))}"><title>${esc(`${when}: ${n} ${s.label}`)}</title></rect>`);
      base += n;
    }
    if (i % labelEvery === 0 || isLast) {
      const label = isLast ? 'As at' : shortMonth(p.at);
      parts.push(`<text class="month" x="${fmt(x + barW / 2)}" y="${height - bottom + 16}" text-anchor="middle">${esc(label)}</text>`);
      if (!isLast && (i === 0 || new Date(p.at).getUTCMonth() === 0)) {
        parts.push(`<text class="year" x="${fmt(x + barW / 2)}" y="${height - bottom + 31}" text-anchor="middle">${new Date(p.at).getUTCFullYear()}</text>`);
      }
    }
  });
  const completeLine = points.map((p, i) => `${fmt(left + i * slot + slot / 2)},${fmt(y(p.complete))}`).join(' ');
  parts.push(`<polyline class="complete" points="${completeLine}"/>`);
  points.forEach((p, i) => parts.push(`<circle class="complete-dot" cx="${fmt(left + i * slot + slot / 2)}" cy="${fmt(y(p.complete))}" r="3"><title>${esc(`${monthWords(p.at)}: ${p.complete} complete`)}</title></circle>`));
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const desc = `Actions by RAG rating at the end of each month from ${monthWords(first.at)} to ${ukDateOfInstant(last.at)}. At the end: ${CHART_SERIES.map((s) => `${last[s.key]} ${s.label}`).join(', ')}; ${last.complete} of ${last.actions} complete.`;
  return `<section class="trend" aria-labelledby="trend-h">
<h2 id="trend-h">RAG over time</h2>
<p class="note">${esc(desc)}</p>
<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="trend-title trend-desc" xmlns="http://www.w3.org/2000/svg">
<title id="trend-title">RAG ratings per month</title><desc id="trend-desc">${esc(desc)}</desc>
${parts.join('\n')}
</svg>
<ul class="legend">${CHART_SERIES.map((s) => `<li><span class="swatch ${s.cls}"></span>${s.label}</li>`).join('')}<li><span class="swatch line"></span>Complete</li></ul>
</section>`;
}

function workstreamSection(state: BundledPlanState): string {
  const rows = state.plan.workstreams.map((ws) => {
    const rag = own(state.rag.workstreams, ws.id);
    if (!rag) return '';
    return `<tr><td class="ref">${esc(ws.number)}</td><td>${esc(ws.title)}</td><td>${esc(ws.strategicLead ?? '')}</td><td class="num">${rag.recommendationsComplete} of ${rag.recommendationsTotal}</td><td class="num">${rag.actionsComplete} of ${rag.actionsTotal}</td>${ragCell(rag.rating)}</tr>`;
  });
  if (rows.length === 0) return '';
  return `<section class="workstreams" aria-labelledby="ws-h">
<h2 id="ws-h">Work streams</h2>
<table class="grid-table"><thead><tr><th scope="col">No.</th><th scope="col">Work stream</th><th scope="col">Strategic lead</th><th scope="col">Recommendations completed in full</th><th scope="col">Actions complete</th><th scope="col">RAG</th></tr></thead>
<tbody>${rows.join('')}</tbody></table>
</section>`;
}

function planTable(state: BundledPlanState): string {
  const plan = state.plan;
  const recommendations = new Map(plan.recommendations.map((r) => [r.id, r]));
  const groups: { heading: string; sub: string; actions: Action[] }[] = plan.workstreams.map((ws) => ({
    heading: `Work Stream ${ws.number}: ${ws.title}`,
    sub: [ws.keyAim ? `Key aim: ${ws.keyAim}` : '', ws.strategicLead ? `Strategic lead: ${ws.strategicLead}` : ''].filter(Boolean).join(' · '),
    actions: plan.actions.filter((a) => a.workstreamId === ws.id),
  }));
  const known = new Set(plan.workstreams.map((ws) => ws.id));
  const outside = plan.actions.filter((a) => !a.workstreamId || !known.has(a.workstreamId));
  if (outside.length > 0) groups.push({ heading: plan.workstreams.length > 0 ? 'Actions outside a work stream' : 'Actions', sub: '', actions: outside });

  const body = groups
    .filter((g) => g.actions.length > 0)
    .map((group) => {
      const rows: string[] = [`<tr class="group"><th colspan="7" scope="colgroup"><span class="group-title">${esc(group.heading)}</span>${group.sub ? `<span class="group-sub">${esc(group.sub)}</span>` : ''}</th></tr>`];
      group.actions.forEach((action, i) => {
        const previous = group.actions[i - 1];
        let recCell = '';
        if (!previous || previous.recommendationId !== action.recommendationId || !action.recommendationId) {
          let span = 1;
          while (action.recommendationId && group.actions[i + span]?.recommendationId === action.recommendationId) span++;
          const rec = action.recommendationId ? recommendations.get(action.recommendationId) : undefined;
          const text = rec ? `<span class="rec-ref">${esc(rec.ref)}</span> ${esc(rec.text)}` : '<span class="none">No recommendation</span>';
          recCell = `<td class="rec"${span > 1 ? ` rowspan="${span}"` : ''}>${text}</td>`;
        }
        const rag = own(state.rag.actions, action.id);
        rows.push(
          `<tr><td class="ref">${esc(action.ref)}</td>${recCell}<td>${esc(action.description)}${action.performanceIndicators ? `<span class="pi">${esc(action.performanceIndicators)}</span>` : ''}</td><td>${esc(action.leads.join(', ')) || '<span class="none">None named</span>'}</td><td>${targetCell(action)}</td><td>${progressCell(action, state.asAt)}</td>${rag ? ragCell(rag.rating, rag) : '<td class="rag">—</td>'}</tr>`,
        );
      });
      return rows.join('\n');
    })
    .join('\n');
  return `<section class="plan" aria-labelledby="plan-h">
<h2 id="plan-h">The plan as at ${esc(ukDateOfInstant(state.asAt))}</h2>
<table class="rag-table">
<colgroup><col class="c-ref"><col class="c-rec"><col class="c-action"><col class="c-lead"><col class="c-target"><col class="c-progress"><col class="c-rag"></colgroup>
<thead><tr><th scope="col">Ref</th><th scope="col">Recommendation</th><th scope="col">Action</th><th scope="col">Lead</th><th scope="col">Target (as written)</th><th scope="col">Latest progress</th><th scope="col">RAG</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</section>`;
}

function targetCell(action: Action): string {
  const now = action.target.text.trim() ? esc(action.target.text) : '<span class="none">None written</span>';
  if (action.targetChanges.length === 0) return now;
  const was = action.originalTarget.text.trim() ? esc(action.originalTarget.text) : 'none written';
  return `${now}<span class="was">Originally: ${was} (moved ${action.targetChanges.length} ${action.targetChanges.length === 1 ? 'time' : 'times'})</span>`;
}

function progressCell(action: Action, asAt: string): string {
  const day = asAt.slice(0, 10);
  const latest = [...action.progress].filter((p) => p.asAt <= day).sort((a, b) => (a.asAt < b.asAt ? -1 : a.asAt > b.asAt ? 1 : 0)).at(-1);
  const status =
    action.status === 'completed' && action.completedOn
      ? `<span class="status">Completed ${esc(formatUkDate(action.completedOn))}</span>`
      : action.status !== 'not_started'
        ? `<span class="status other">${esc(STATUS_WORDS[action.status] ?? action.status)}${action.statusChangedAt ? ` since ${esc(formatUkDate(action.statusChangedAt.slice(0, 10)))}` : ''}</span>`
        : '';
  if (!latest) return status || '<span class="none">None recorded</span>';
  return `${status}<span class="as-at">As at ${esc(formatUkDate(latest.asAt))}:</span> ${esc(latest.narrative)} <span class="by">(${esc(latest.actor)})</span>`;
}

function discrepancySection(state: BundledPlanState): string {
  const list = state.rag.discrepancies;
  if (list.length === 0) return '';
  return `<section class="discrepancies" aria-labelledby="disc-h">
<h2 id="disc-h">Manual ratings better than the facts support</h2>
<table class="grid-table"><thead><tr><th scope="col">Action</th><th scope="col">Declared</th><th scope="col">Derived</th><th scope="col">Why</th></tr></thead><tbody>
${list.map((d) => `<tr><td class="ref">${esc(d.ref)}</td>${ragCell(d.declared)}${ragCell(d.derived)}<td>${esc(d.message)}</td></tr>`).join('\n')}
</tbody></table>
</section>`;
}

function auditTrail(state: BundledPlanState, events: readonly StoredPlanEvent[], folded: Pick<PlanState, 'actions' | 'recommendations'> | undefined): string {
  const refs = referencesOf(folded ?? foldPlan(events));
  const cut = Date.parse(state.asAt);
  const rows = events.map((e) => {
    const effective = effectiveAtOf(e);
    const later = state.time === 'effective' && Date.parse(effective) > cut;
    const backDated = Date.parse(e.recordedAt) - Date.parse(effective) > 86_400_000;
    return `<tr${later ? ' class="later"' : ''}><td class="num">${e.revision}</td><td>${esc(ukInstant(e.recordedAt))}</td><td>${esc(ukInstant(effective))}${backDated ? '<span class="flag">back-dated</span>' : ''}${later ? '<span class="flag">after the as-at date</span>' : ''}</td><td>${esc(e.metadata.actor.displayName)}</td><td>${esc(summariseEvent(e, refs))}</td></tr>`;
  });
  const note =
    state.time === 'effective'
      ? 'Every event the ledger held when the bundle was made. Entries marked "after the as-at date" take effect later and are not in the plan above.'
      : 'Every event the ledger had recorded by the as-at instant.';
  return `<section class="audit" aria-labelledby="audit-h">
<h2 id="audit-h">Audit trail</h2>
<p class="note">${esc(note)} Recorded: when the ledger wrote it down. Effective: when it was true.</p>
<table class="grid-table audit-table"><thead><tr><th scope="col">No.</th><th scope="col">Recorded</th><th scope="col">Effective</th><th scope="col">By</th><th scope="col">What happened</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
</section>`;
}

function howToVerify(state: BundledPlanState, facts: BundleReportFacts): string {
  const zip = shellWord(facts.bundleFileName);
  const hexFingerprint = facts.keyFingerprint.replace(/^SHA256:/, '');
  const evidence = facts.evidenceFiles.included
    ? `${facts.evidenceFiles.bundled.length} attached evidence ${facts.evidenceFiles.bundled.length === 1 ? 'file is' : 'files are'} in the evidence/ folder, each named by its SHA-256.${facts.evidenceFiles.missing.length > 0 ? ` The ledger could not supply ${facts.evidenceFiles.missing.length}: ${facts.evidenceFiles.missing.map(esc).join(', ')}.` : ''}`
    : 'Attached evidence files were not included (the events still name each file by its SHA-256).';
  const since = facts.since
    ? `<p>This bundle was made since an earlier one (${facts.since.treeSize} events, Merkle root <code>${esc(facts.since.rootHash)}</code>, made ${esc(ukInstant(facts.since.createdAt))}). ${BUNDLE_FILES.consistency} proves that those events are unchanged at the start of this bundle; check it with <code>ledger verify ${zip} --previous earlier.zip</code>.</p>`
    : '';
  return `<section class="verify" aria-labelledby="verify-h">
<h2 id="verify-h">How to verify this bundle</h2>
<p>You do not need to trust the ledger or its operator. With standard tools (OpenSSL 3, sha256sum, unzip):</p>
<ol>
<li><p>Unzip into an empty folder and check every file against <code>SHA256SUMS</code>:</p>
<pre>mkdir bundle &amp;&amp; unzip -q ${esc(zip)} -d bundle &amp;&amp; cd bundle
sha256sum -c SHA256SUMS</pre></li>
<li><p>Check the Ed25519 signature on the manifest:</p>
<pre>openssl pkeyutl -verify -pubin -inkey signing-key.pem -rawin -in manifest.json -sigfile manifest.sig</pre></li>
<li><p>Check that the files are the ones the signed manifest lists:</p>
<pre>sed -n 's/^    "\\([^"]*[./][^"]*\\)": "\\([0-9a-f]\\{64\\}\\)",\\{0,1\\}$/\\2  \\1/p' manifest.json | sha256sum -c -</pre></li>
<li><p>Check that the key is the ledger operator's. This prints the key's fingerprint:</p>
<pre>openssl pkey -pubin -in signing-key.pem -outform DER | sha256sum</pre>
<p>For this bundle it prints <code>${esc(hexFingerprint)}</code>. It must be the fingerprint the ledger operator publishes: a bundle signed with any other key proves nothing, because anyone can make a key.</p></li>
<li><p>Check the hash chain, the Merkle root and that replaying the events gives exactly <code>state.json</code>, with the ledger's verifier (or your own: the format is documented in docs/evidence-bundle.md):</p>
<pre>ledger verify ${esc(zip)}</pre></li>
</ol>
${since}
<dl class="facts hashes">
<div><dt>Key fingerprint</dt><dd><code>${esc(facts.keyFingerprint)}</code></dd></div>
<div><dt>Merkle root</dt><dd><code>${esc(facts.merkleRootHash)}</code> over ${facts.eventCount} events</dd></div>
<div><dt>Chain head</dt><dd><code>${esc(facts.headHash)}</code> (revision ${facts.eventCount - 1})</dd></div>
<div><dt>RAG rules</dt><dd>version ${esc(state.rulesVersion)}</dd></div>
<div><dt>Evidence files</dt><dd>${evidence}</dd></div>
</dl>
</section>`;
}

// ---------------------------------------------------------------------------------------------
// Small pieces

const STATUS_WORDS: Record<string, string> = {
  in_progress: 'In progress',
  blocked: 'Blocked',
  awaiting_guidance: 'Awaiting guidance',
  superseded: 'Superseded',
  completed: 'Completed',
};

const RAG_WORDS: Record<ActionRagRating, string> = {
  green: 'Green',
  amber: 'Amber',
  red: 'Red',
  awaiting: 'Awaiting',
  superseded: 'Superseded',
  no_target: 'No target',
};

function ragCell(rating: ActionRagRating, rag?: ActionRag): string {
  const why = rag?.reasons[0] ? `<span class="why">${esc(rag.reasons[0])}</span>` : '';
  return `<td class="rag rag-${rating}"><strong>${RAG_WORDS[rating]}</strong>${why}</td>`;
}

function ragBadge(rating: ActionRagRating): string {
  return `<span class="badge rag-${rating}">${RAG_WORDS[rating]}</span>`;
}

function timeWords(time: 'recorded' | 'effective'): string {
  return time === 'recorded'
    ? 'Recorded time: the plan as the ledger held it at that instant, from entries recorded by then'
    : 'Effective time: what was true at that date, including entries recorded later about earlier dates';
}

/** "31 Mar 2013"; the instant's UTC date. */
function ukDateOfInstant(instant: string): string {
  return formatUkDate(new Date(instant).toISOString().slice(0, 10));
}

/** An instant exactly as toISOString writes it: the form the store records and the bundle's lines carry. */
const TO_ISO_STRING = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{3}Z$/;

/**
 * "31 Mar 2013, end of day", "1 Apr 2013", or "23 Nov 2026, 15:20:07 UTC". The audit trail writes two for each of
 * ten thousand events, and parsing a date string is most of the cost: an instant already written as toISOString
 * writes it, with fields in range, is read by its digits (new Date(instant).toISOString() would give it back
 * unchanged); anything else is parsed. report-html.unit.spec.ts checks the two readings agree.
 */
export function ukInstant(instant: string): string {
  const m = TO_ISO_STRING.exec(instant);
  if (m) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    if (month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && Number(m[4]) <= 23 && Number(m[5]) <= 59 && Number(m[6]) <= 59) {
      return ukInstantOf(`${day} ${MONTHS[month - 1]!} ${year}`, instant);
    }
  }
  const iso = new Date(instant).toISOString();
  return ukInstantOf(formatUkDate(iso.slice(0, 10)), iso);
}

function ukInstantOf(date: string, iso: string): string {
  const time = iso.slice(11, 23);
  if (time === '23:59:59.999') return `${date}, end of day`;
  if (time === '00:00:00.000') return date;
  return `${date}, ${iso.slice(11, 19)} UTC`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function shortMonth(instant: string): string {
  return MONTHS[new Date(instant).getUTCMonth()]!;
}

function monthWords(instant: string): string {
  const d = new Date(instant);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** The y axis: the smallest 1-2-5 step that covers the largest bar in at most six steps. */
function axisScale(max: number): { top: number; step: number } {
  for (let magnitude = 1; ; magnitude *= 10) {
    for (const unit of [1, 2, 5]) {
      const step = unit * magnitude;
      if (Math.ceil(max / step) <= 6) return { top: Math.ceil(max / step) * step, step };
    }
  }
}

function fmt(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

/** A file name as one shell word (the bundle's own names need no quoting; anything else gets single quotes). */
function shellWord(name: string): string {
  return /^[\w.@%+=:,/-]+$/.test(name) ? name : `'${name.replace(/'/g, `'\\''`)}'`;
}

/** HTML-escape text for element content and double-quoted attributes. */
export function esc(text: string): string {
  // Most text (dates, names, numbers) holds none of the five: one test then, and no replacement callback per call.
  return HTML_SPECIAL.test(text) ? text.replace(HTML_SPECIALS, (c) => HTML_ESCAPES.get(c)!) : text;
}

const HTML_SPECIAL = /[&<>"']/;
const HTML_SPECIALS = /[&<>"']/g;
const HTML_ESCAPES = new Map([
  ['&', '&amp;'],
  ['<', '&lt;'],
  ['>', '&gt;'],
  ['"', '&quot;'],
  ["'", '&#39;'],
]);

const STYLE = `
:root { --green: #00703c; --amber: #ffbf47; --red: #d4351c; --awaiting: #5694ca; --no_target: #b1b4b6; --superseded: #f3f2f1; --ink: #0b0c0c; --muted: #505a5f; --rule: #b1b4b6; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 1400px; padding: 24px 28px 40px; font: 14px/1.45 Arial, Helvetica, sans-serif; color: var(--ink); background: #fff; }
h1 { font-size: 26px; line-height: 1.2; margin: 4px 0 14px; }
h2 { font-size: 19px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); break-after: avoid; }
.kicker { margin: 0; color: var(--muted); font-size: 13px; text-transform: uppercase; letter-spacing: .06em; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 6px 24px; margin: 0; }
dl.facts div { display: flex; gap: 8px; border-top: 1px solid #e5e6e7; padding-top: 4px; }
dl.facts dt { flex: 0 0 110px; font-weight: bold; color: var(--muted); }
dl.facts dd { margin: 0; }
dl.hashes { grid-template-columns: 1fr; }
dl.hashes code { word-break: break-all; }
.sentence { font-size: 24px; font-weight: bold; margin: 6px 0; }
.sub { margin: 0 0 8px; }
.note { color: var(--muted); margin: 4px 0 10px; }
ul.counts { list-style: none; display: flex; flex-wrap: wrap; gap: 8px 18px; padding: 0; margin: 8px 0 12px; }
ul.counts .n { font-weight: bold; font-size: 16px; }
.badge { display: inline-block; min-width: 70px; padding: 2px 8px; border-radius: 3px; font-weight: bold; text-align: center; }
table { border-collapse: collapse; width: 100%; }
table.key { width: auto; margin: 8px 0; font-size: 13px; }
table.key caption { text-align: left; font-weight: bold; color: var(--muted); padding-bottom: 4px; }
table.key td { border: 1px solid var(--rule); padding: 4px 8px; vertical-align: top; }
.rag-green { background: var(--green); color: #fff; }
.rag-amber { background: var(--amber); color: var(--ink); }
.rag-red { background: var(--red); color: #fff; }
.rag-awaiting { background: var(--awaiting); color: var(--ink); }
.rag-no_target { background: var(--no_target); color: var(--ink); }
.rag-superseded { background: var(--superseded); color: var(--ink); text-decoration: line-through; }
td.rag strong { display: block; font-size: 13px; }
td.rag .why { display: block; font-size: 11px; line-height: 1.3; margin-top: 3px; }
.grid-table th, .grid-table td, .rag-table th, .rag-table td { border: 1px solid var(--rule); padding: 5px 7px; vertical-align: top; text-align: left; }
.grid-table thead th, .rag-table thead th { background: #1d3557; color: #fff; font-size: 13px; }
thead { display: table-header-group; }
td.num { text-align: right; white-space: nowrap; }
td.ref { white-space: nowrap; font-weight: bold; }
.rag-table { font-size: 12.5px; table-layout: fixed; }
.rag-table col.c-ref { width: 6%; } .rag-table col.c-rec { width: 17%; } .rag-table col.c-action { width: 22%; }
.rag-table col.c-lead { width: 11%; } .rag-table col.c-target { width: 10%; } .rag-table col.c-progress { width: 18%; } .rag-table col.c-rag { width: 16%; }
.rag-table td { overflow-wrap: anywhere; }
tr.group th { background: #dfe7f0; color: var(--ink); text-align: left; font-size: 14px; padding: 7px 8px; }
.group-title { display: block; font-weight: bold; }
.group-sub { display: block; font-weight: normal; font-size: 12px; color: #2b3a42; margin-top: 2px; }
td.rec { background: #fafafa; }
.rec-ref { font-weight: bold; }
.pi, .was, .by, .status { display: block; color: var(--muted); font-size: 11.5px; margin-top: 3px; }
.by { display: inline; }
.status { color: var(--green); font-weight: bold; margin: 0 0 2px; }
.status.other { color: var(--ink); }
.as-at { font-weight: bold; }
.none { color: var(--muted); font-style: italic; }
.audit-table { font-size: 12px; }
.audit-table td:nth-child(2), .audit-table td:nth-child(3), .audit-table td:nth-child(4) { white-space: nowrap; }
.grid-table td.rag { min-width: 90px; }
tr.later td { color: var(--muted); background: #f8f8f8; }
.flag { display: inline-block; margin-left: 6px; padding: 0 4px; border: 1px solid var(--muted); border-radius: 2px; font-size: 10.5px; white-space: nowrap; }
svg.chart { width: 100%; height: auto; max-height: 320px; display: block; }
svg .grid { stroke: #e5e6e7; stroke-width: 1; }
svg .tick, svg .month, svg .year { font: 12px Arial, Helvetica, sans-serif; fill: var(--muted); }
svg .year { font-weight: bold; }
svg .bar.green { fill: var(--green); } svg .bar.amber { fill: var(--amber); } svg .bar.red { fill: var(--red); }
svg .bar.awaiting { fill: var(--awaiting); } svg .bar.no_target { fill: var(--no_target); }
svg .complete { fill: none; stroke: var(--ink); stroke-width: 2; stroke-dasharray: 5 3; }
svg .complete-dot { fill: var(--ink); }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 6px 18px; padding: 0; margin: 6px 0 0; font-size: 13px; }
.swatch { display: inline-block; width: 14px; height: 14px; margin-right: 6px; vertical-align: -2px; border: 1px solid rgba(0,0,0,.2); }
.swatch.green { background: var(--green); } .swatch.amber { background: var(--amber); } .swatch.red { background: var(--red); }
.swatch.awaiting { background: var(--awaiting); } .swatch.no_target { background: var(--no_target); }
.swatch.line { height: 0; border: 0; border-top: 2px dashed var(--ink); vertical-align: 4px; }
pre { background: #f3f2f1; padding: 8px 10px; white-space: pre-wrap; word-break: break-all; font-size: 12.5px; }
code { font-family: Consolas, "Liberation Mono", Menlo, monospace; font-size: 12.5px; }
.verify ol { padding-left: 22px; } .verify li p { margin: 4px 0; }
footer { margin-top: 28px; padding-top: 8px; border-top: 1px solid var(--rule); color: var(--muted); font-size: 12px; }
@media print {
  @page { size: A4 landscape; margin: 12mm 10mm; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h1 { font-size: 18pt; }
  h2 { font-size: 13pt; margin-top: 16pt; }
  .rag-table { font-size: 8.5pt; }
  .audit-table, .grid-table { font-size: 8.5pt; }
  td.rag .why { font-size: 7.5pt; }
  tr, .badge, pre, dl.facts div { break-inside: avoid; }
  section.plan, section.audit, section.verify { break-before: page; }
  svg.chart { max-height: 200pt; }
}
`;
