import { own } from '../shared/dictionary.js';
import type { AccessState } from '../access/access-state.js';
import { personMay } from '../access/reader-at.js';
import { DEFAULT_RAG_RULES, type RagRuleSet } from '../rag/rag-rules.js';
import type { PlanState } from './plan-state.js';
import { updateRequestsOf, type UpdateRequest } from './update-requests.js';

/** One person's reminder: every action they lead that is due an update, plan by plan. */
export interface ReminderDigest {
  userId: string;
  displayName: string;
  email: string;
  /** The UTC day it is for: at most one digest per person per day. */
  day: string;
  plans: { planId: string; title: string; requests: UpdateRequest[] }[];
}

/**
 * Who is owed a reminder at `asAt`, and for what: for each plan, the requests of the actions whose leads have a
 * contact (LeadContactSet), gathered by person. Left out: a person already sent one on that day (a failed delivery
 * does not count, so it is tried again), and any plan the person may no longer read at `now` (their grants and
 * credentials as the access rules read them at the moment of sending). Pure.
 */
export function reminderDigests(plans: readonly PlanState[], access: AccessState, asAt: string, now: string, rules: RagRuleSet = DEFAULT_RAG_RULES): ReminderDigest[] {
  const day = asAt.slice(0, 10);
  const alreadySent = new Set<string>();
  for (const plan of plans) for (const r of plan.updates.reminders) if (r.outcome === 'sent' && r.day === day) alreadySent.add(r.userId);
  const digests = new Map<string, ReminderDigest>();
  for (const plan of plans) {
    const requests = updateRequestsOf(plan, asAt, rules);
    const byPerson = new Map<string, UpdateRequest[]>();
    for (const request of requests) {
      const people = new Set<string>();
      for (const lead of request.leads) {
        const contact = own(plan.updates.contacts, lead);
        if (!contact || alreadySent.has(contact.userId) || people.has(contact.userId)) continue;
        if (!personMay(access, contact.userId, { organisationId: plan.organisationId, planId: plan.id }, 'plan.read', now)) continue;
        people.add(contact.userId);
        const digest = digests.get(contact.userId) ?? { userId: contact.userId, displayName: contact.displayName, email: contact.email, day, plans: [] };
        // The address most recently named for them wins when plans disagree.
        digest.email = contact.email;
        digests.set(contact.userId, digest);
        byPerson.set(contact.userId, [...(byPerson.get(contact.userId) ?? []), request]);
      }
    }
    for (const [userId, list] of byPerson) digests.get(userId)!.plans.push({ planId: plan.id, title: plan.title, requests: list });
  }
  return [...digests.values()].sort((a, b) => a.userId.localeCompare(b.userId));
}
