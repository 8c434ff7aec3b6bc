/**
 * Realistic, seeded action plans as the ledger would record them: a plan is imported (created with its
 * workstreams, recommendations and 50–300 actions), then every month each live action gets a progress
 * update; some get RAG assessments, evidence, target slips, reassignments, status changes, audits,
 * completion, and now and then an entry is corrected. The events are the domain's own shapes (targets are
 * read by the real fuzzy-target parser; the as-at benchmark upcasts, i.e. zod-validates, every one of
 * them), appended through the real store with a simulated clock so recorded time spans years.
 */
import * as domain from '../../dist/libs/domain/src/index.js';

const { CURRENT_SCHEMA_VERSION, parseTarget, planStreamName, startOfDayInstant } = domain;
import { IdSource, Random } from './random.js';

const COUNCILS = ['Central Bedfordshire Council', 'Haringey Council', 'Birmingham City Council', 'Doncaster Council', 'Rochdale Borough Council', 'Rotherham MBC', 'Slough Borough Council', 'Kent County Council', 'Isle of Wight Council', 'Sandwell MBC'];
const RESPONDS_TO = ['Lord Laming 2009', 'Ofsted inspection of safeguarding and looked after children services, 2012', 'Serious case review: Child T (2011)', 'Joint targeted area inspection, 2016', 'Munro review of child protection, 2011'];
const PEOPLE = ['Rachel Deakin', 'Edwina Grant', 'Gordon Jamieson', 'Karen Oellermann', 'Sue Harrison', 'Paul Scott', 'Helen Redding', 'Mark Taylor', 'Anne Marie Hughes', 'David Perry', 'Jo Fisher', 'Nadia Ahmed', 'Tom Whitaker', 'Priya Shah', 'Siobhan Kelly', 'Ian Cartwright', 'LSCB Manager', 'Head of Safeguarding', 'Assistant Director Children’s Social Care', 'Designated Nurse'];
const AUDITORS = ['Independent Reviewing Officer', 'LSCB Quality Assurance Sub-group', 'Internal Audit (Shared Service)', 'Ofsted HMI (monitoring visit)'];
const THEMES = ['multi-agency referral pathway', 'core group attendance', 'child protection conference timeliness', 'supervision of frontline social workers', 'thresholds document', 'private fostering awareness', 'missing from education protocol', 'CAF training for schools', 'serious case review learning', 'early help assessments', 'recording of the child’s voice', 'caseload weighting tool', 'out-of-hours duty cover', 'health visitor information sharing', 'police–social care strategy discussions'];
const OPENINGS = ['Good progress this month:', 'Work continues on the', 'Slower progress than planned on the', 'The working group met to review the', 'Following the LSCB meeting, the', 'Audit of 30 cases showed the', 'Staff briefings completed for the', 'Draft circulated to partners for the'];
const SENTENCES = [
  'Findings were reported to the CSSMT and actions agreed with named owners and dates.',
  'Attendance by health and police partners has improved but remains below the 90% standard.',
  'A further dip-sample is planned for next quarter to test whether practice has changed.',
  'Two team managers are covering the vacant posts; recruitment closes at the end of the month.',
  'The revised procedure has been uploaded to the LSCB website and cascaded through team meetings.',
  'Performance data for the month shows 87% of initial assessments completed within 10 working days.',
  'Training attended by 46 staff across children’s social care, education and health.',
  'Awaiting national guidance before the local protocol can be finalised.',
  'Issue escalated to the Director as the dependency on the ICS upgrade has slipped.',
  'Case file audits rated 14 of 20 cases as good or better; learning fed back to the practitioners.',
];
const RAG_RATIONALES = ['On track against milestones; evidence seen.', 'Milestone missed; recovery plan agreed at the board.', 'Dependent on partner agency; risk escalated.', 'Completed ahead of target; embedding to be tested by audit.', 'Data not yet available to evidence impact.'];
const SLIP_REASONS = ['Awaiting national guidance', 'Key post vacant until recruitment completes', 'ICS system upgrade delayed by the supplier', 'Partner agency restructure', 'Consultation period extended at the request of schools'];
const TARGET_TEXTS = (year) => [`30 September ${year}`, `March ${year}`, `31 December ${year}`, `June ${year}`, 'Quarterly', 'Ongoing', `Sept ${year} and ongoing`, '6 monthly', `July ${year}`, 'Awaiting guidance'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAY_MS = 86_400_000;

/** PlanCreated v2 names the tenant; builds of the ledger from before tenants had no such field. */
function tenantOf(organisation) {
  return domain.organisationIdFromName ? { organisationId: domain.organisationIdFromName(organisation) } : {};
}

/** The first day of a month counted from January 2009 (month 0). */
export function monthStart(month) {
  return Date.UTC(2009, month, 1);
}

function isoDate(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

function lastDayOfMonth(month) {
  return monthStart(month + 1) - DAY_MS;
}

function paragraph(random, min, max) {
  let text = `${random.pick(OPENINGS)} ${random.pick(THEMES)}.`;
  while (text.length < min) text += ` ${random.pick(SENTENCES)}`;
  return text.length > max ? text.slice(0, max).trimEnd() : text;
}

/**
 * One simulated plan. `importBatch()` returns the events of its import; `monthBatch(month)` the events
 * recorded in one month, with the instant they were recorded at. Keeps only what it needs to decide
 * what can happen next (status, leads, targets), never the events themselves, so 1M events fit in memory.
 */
export class SimulatedPlan {
  constructor({ seed, planId, startMonth, actions, months, correctionRate = 0.05, completionRate = 1 }) {
    this.random = new Random(seed);
    this.ids = new IdSource(new Random(seed ^ 0x5bd1e995));
    this.planId = planId;
    this.streamId = planStreamName(planId);
    this.startMonth = startMonth;
    this.endMonth = startMonth + months;
    this.actionCount = actions;
    this.correctionRate = correctionRate;
    /** Scales the chance an action completes in a month: a plan's pace. */
    this.completionRate = completionRate;
    this.actions = [];
    this.recommendations = [];
    this.recentProgress = [];
    this.eventCount = 0;
    this.organisation = this.random.pick(COUNCILS);
  }

  /** Recorded at a working hour of a day in the month. */
  recordedInstant(month, day) {
    return monthStart(month) + (day - 1) * DAY_MS + this.random.int(8 * 3600, 18 * 3600) * 1000 + this.random.int(0, 999);
  }

  event(type, data, recordedMs, { effectiveAt, reason, actor } = {}) {
    const who = actor ?? this.random.pick(PEOPLE);
    const metadata = { schemaVersion: CURRENT_SCHEMA_VERSION[type], actor: { id: who, displayName: who }, correlationId: this.ids.next(recordedMs) };
    if (effectiveAt) metadata.effectiveAt = effectiveAt;
    if (reason) metadata.reason = reason;
    this.eventCount += 1;
    return { eventId: this.ids.next(recordedMs), type, data, metadata };
  }

  importBatch() {
    const r = this.random;
    const month = this.startMonth;
    const recordedMs = this.recordedInstant(month, r.int(1, 10));
    const effectiveAt = startOfDayInstant(isoDate(monthStart(month)));
    const actor = r.pick(PEOPLE);
    const opts = { effectiveAt, actor };
    const events = [];
    const year = 2009 + Math.floor(month / 12);
    events.push(
      this.event('PlanCreated', { planId: this.planId, title: `${this.organisation}: safeguarding improvement plan`, organisation: this.organisation, ...tenantOf(this.organisation), respondsTo: r.pick(RESPONDS_TO), period: `${year}–${year + 3}`, owner: 'Director of Children’s Services' }, recordedMs, opts),
    );
    const workstreams = [];
    for (let w = 0; w < r.int(3, 8); w++) {
      const workstreamId = this.ids.next(recordedMs);
      workstreams.push(workstreamId);
      events.push(this.event('WorkstreamAdded', { workstreamId, number: String(w + 1), title: `Workstream ${w + 1}: ${r.pick(THEMES)}`, strategicLead: r.pick(PEOPLE), keyAim: paragraph(r, 80, 300) }, recordedMs, opts));
    }
    const recommendationCount = Math.max(5, Math.round(this.actionCount / r.int(3, 8)));
    for (let i = 0; i < recommendationCount; i++) {
      const recommendationId = this.ids.next(recordedMs);
      const workstreamId = workstreams[i % workstreams.length];
      const ref = r.chance(0.2) ? `${i + 1}(${'abc'[r.int(0, 2)]})` : String(i + 1);
      this.recommendations.push({ id: recommendationId, ref, workstreamId, actionIds: [], signedOff: false });
      events.push(this.event('RecommendationAdded', { recommendationId, ref, text: paragraph(r, 120, 600), source: r.pick(RESPONDS_TO), workstreamId }, recordedMs, opts));
    }
    for (let i = 0; i < this.actionCount; i++) {
      const recommendation = this.recommendations[i % this.recommendations.length];
      const actionId = this.ids.next(recordedMs);
      const startMonth = month + r.int(0, 9);
      const target = parseTarget(r.pick(TARGET_TEXTS(2009 + Math.floor((startMonth + r.int(6, 30)) / 12))));
      const leads = r.sample(PEOPLE, r.int(1, 3));
      const ref = `${recommendation.ref}.${recommendation.actionIds.length + 1}`;
      recommendation.actionIds.push(actionId);
      this.actions.push({ id: actionId, ref, recommendation, leads, target, status: 'not_started', startMonth, completed: false });
      const startText = `${MONTH_NAMES[startMonth % 12]} ${2009 + Math.floor(startMonth / 12)}`;
      events.push(
        this.event(
          'ActionAdded',
          {
            actionId,
            ref,
            recommendationId: recommendation.id,
            workstreamId: recommendation.workstreamId,
            description: paragraph(r, 100, 500),
            ...(r.chance(0.6) ? { performanceIndicators: paragraph(r, 60, 250) } : {}),
            leads,
            priority: r.pick(['High', 'Medium', 'Low']),
            start: { text: startText, date: isoDate(monthStart(startMonth)) },
            target,
            dependencies: r.chance(0.15) ? [`Workstream ${r.int(1, workstreams.length)} action ${r.int(1, 9)}.`] : [],
          },
          recordedMs,
          opts,
        ),
      );
    }
    return { streamId: this.streamId, recordedMs, events };
  }

  /** The month's entries (null if the plan has ended): progress "as at" the end of last month, recorded this month. */
  monthBatch(month) {
    if (month <= this.startMonth || month > this.endMonth) return null;
    const r = this.random;
    const recordedMs = this.recordedInstant(month, r.int(3, 25));
    const progressAsAt = isoDate(lastDayOfMonth(month - 1));
    const events = [];
    for (const action of this.actions) {
      if (action.completed || action.startMonth >= month) continue;
      if (action.status === 'not_started') {
        events.push(this.event('ActionStatusChanged', { actionId: action.id, from: 'not_started', to: 'in_progress' }, recordedMs, { reason: 'Work has started', effectiveAt: startOfDayInstant(isoDate(monthStart(action.startMonth))) }));
        action.status = 'in_progress';
      }
      // Most updates arrive in the month; one in ten is written up late, for a month already gone.
      const late = r.chance(0.1);
      const progress = this.event(
        'ProgressUpdateRecorded',
        { actionId: action.id, narrative: paragraph(r, 80, 450), asAt: late ? isoDate(lastDayOfMonth(month - 1 - r.int(1, 2))) : progressAsAt },
        recordedMs,
        { actor: action.leads[0] },
      );
      progress.metadata.effectiveAt = startOfDayInstant(progress.data.asAt);
      events.push(progress);
      this.recentProgress.push(progress);
      if (this.recentProgress.length > 50) this.recentProgress.shift();
      if (r.chance(0.3)) {
        events.push(this.event('RagAssessed', { actionId: action.id, rating: r.pick(['green', 'green', 'amber', 'amber', 'red']), rationale: r.pick(RAG_RATIONALES) }, recordedMs, { effectiveAt: startOfDayInstant(progressAsAt) }));
      }
      if (r.chance(0.03)) {
        events.push(
          this.event('EvidenceAttached', { actionId: action.id, evidenceId: this.ids.next(recordedMs), name: `${r.pick(['Audit report', 'Minutes', 'Training register', 'Procedure v2', 'Performance report'])} ${isoDate(recordedMs)}.pdf`, mediaType: 'application/pdf', size: r.int(20_000, 4_000_000), sha256: r.hex(64) }, recordedMs),
        );
      }
      if (r.chance(0.025)) {
        const to = parseTarget(r.pick(TARGET_TEXTS(2009 + Math.floor((month + r.int(3, 18)) / 12))));
        if (to.text !== action.target.text) {
          events.push(this.event('TargetDateSlipped', { actionId: action.id, from: action.target, to }, recordedMs, { reason: r.pick(SLIP_REASONS) }));
          action.target = to;
        }
      }
      if (r.chance(0.012)) {
        const to = r.sample(PEOPLE, r.int(1, 2));
        if (to.join() !== action.leads.join()) {
          events.push(this.event('ActionReassigned', { actionId: action.id, from: action.leads, to }, recordedMs, { reason: 'Change of post holder' }));
          action.leads = to;
        }
      }
      if (action.status === 'in_progress' && r.chance(0.01)) {
        events.push(this.event('ActionStatusChanged', { actionId: action.id, from: 'in_progress', to: 'blocked' }, recordedMs, { reason: r.pick(SLIP_REASONS) }));
        action.status = 'blocked';
      } else if (action.status === 'blocked' && r.chance(0.3)) {
        events.push(this.event('ActionStatusChanged', { actionId: action.id, from: 'blocked', to: 'in_progress' }, recordedMs, { reason: 'Dependency resolved' }));
        action.status = 'in_progress';
      }
      if (month % 3 === 0 && r.chance(0.05)) {
        const auditDate = isoDate(monthStart(month) + r.int(0, 20) * DAY_MS);
        events.push(
          this.event(
            'AuditOutcomeRecorded',
            { auditId: this.ids.next(recordedMs), subject: { kind: 'action', actionId: action.id }, auditDate, auditor: r.pick(AUDITORS), rating: r.pick(['good', 'good', 'requires_improvement', 'inadequate', 'outstanding']), findings: paragraph(r, 150, 700), followUpDue: isoDate(monthStart(month + 3)) },
            recordedMs,
            { effectiveAt: startOfDayInstant(auditDate) },
          ),
        );
      }
      const due = action.target.due ? Date.parse(action.target.due) : monthStart(action.startMonth + 24);
      if (action.status === 'in_progress' && r.chance((monthStart(month) > due ? 0.12 : 0.015) * this.completionRate)) {
        events.push(this.event('ActionCompleted', { actionId: action.id, from: 'in_progress', completedOn: progressAsAt }, recordedMs, { effectiveAt: startOfDayInstant(progressAsAt), reason: 'Evidence of completion reviewed by the lead' }));
        action.status = 'completed';
        action.completed = true;
        const recommendation = action.recommendation;
        if (!recommendation.signedOff && recommendation.actionIds.every((id) => this.actions.find((a) => a.id === id).completed)) {
          events.push(this.event('RecommendationSignedOff', { recommendationId: recommendation.id, signedOffOn: progressAsAt }, recordedMs, { effectiveAt: startOfDayInstant(progressAsAt) }));
          recommendation.signedOff = true;
        }
      }
    }
    if (this.recentProgress.length > 0 && r.chance(this.correctionRate)) {
      const original = r.pick(this.recentProgress);
      events.push(this.event('EntryCorrected', { correctedEventId: original.eventId, correctedEventType: 'ProgressUpdateRecorded', kind: 'amended', amendments: { narrative: paragraph(r, 80, 300) } }, recordedMs, { reason: 'Narrative referred to the wrong case audit' }));
    }
    return events.length === 0 ? null : { streamId: this.streamId, recordedMs, events };
  }
}

/** The fixed id of the plan every as-at and bundle figure is measured on. */
export const TARGET_PLAN_ID = '0190a5b0-0000-7000-8000-000000000001';

/**
 * The batches of a whole store, in recorded order: one target plan of exactly `targetEvents` events
 * plus filler plans (50–300 actions, 2–5 years each, staggered over four years) up to `totalEvents`.
 * Yields { streamId, recordedMs, events } for each append.
 */
export function* storeBatches({ seed, totalEvents, targetEvents = 10_000 }) {
  const random = new Random(seed);
  // A large, slow plan (as the biggest councils' plans are), so it reaches 10k entries whatever the seed.
  const target = new SimulatedPlan({ seed: seed ^ 0x1234567, planId: TARGET_PLAN_ID, startMonth: 5, actions: 280, months: 120, completionRate: 0.4 });
  let targetLeft = targetEvents;
  let fillerLeft = totalEvents - targetEvents;
  const plans = [target];
  // Roughly 6k events per filler: stagger their starts so the store's history spans years, whatever its size.
  let fillerCount = Math.ceil(fillerLeft / 6_000);
  const fillerStarts = Array.from({ length: fillerCount }, (_, i) => Math.floor((i * 48) / Math.max(1, fillerCount)));
  let nextFiller = 0;
  const take = (batch, isTarget) => {
    const left = isTarget ? targetLeft : fillerLeft;
    if (left <= 0) return null;
    const events = batch.events.slice(0, left);
    if (isTarget) targetLeft -= events.length;
    else fillerLeft -= events.length;
    return { ...batch, events };
  };
  for (let month = 0; targetLeft > 0 || fillerLeft > 0; month++) {
    const batches = [];
    while (nextFiller < fillerCount && fillerStarts[nextFiller] <= month) {
      const plan = new SimulatedPlan({ seed: random.uint32(), planId: new IdSource(random).next(monthStart(month)), startMonth: month, actions: random.int(50, 300), months: random.int(24, 60) });
      plans.push(plan);
      nextFiller += 1;
    }
    for (const plan of plans) {
      const batch = month === plan.startMonth ? plan.importBatch() : plan.monthBatch(month);
      if (batch) {
        batch.plan = plan;
        batches.push(batch);
      }
    }
    // Every filler has ended and the budget is not used up: start another one next month.
    if (fillerLeft > 0 && nextFiller >= fillerCount && plans.every((p) => p === target || month >= p.endMonth)) {
      fillerStarts.push(month + 1);
      fillerCount += 1;
    }
    batches.sort((a, b) => a.recordedMs - b.recordedMs);
    for (const batch of batches) {
      const taken = take(batch, batch.plan === target);
      if (taken && taken.events.length > 0) yield taken;
    }
    if (month > 600) throw new Error('The generator ran past 50 years: something is wrong with its parameters');
  }
}
