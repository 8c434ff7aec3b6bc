import { z } from 'zod';

/**
 * Who may do what. A role is held in an organisation (from the identity) or granted on one plan or
 * all plans of an organisation (a grant, itself an event). Permissions are what routes ask for.
 */
export const Role = z.enum(['admin', 'editor', 'auditor', 'inspector', 'regulator', 'approver']);
export type Role = z.infer<typeof Role>;

export const PERMISSIONS = [
  'plan.create', // create a plan in one's organisation
  'plan.read', // read a plan: now, as at any date, its events, its history
  'plan.shape', // add workstreams, recommendations and actions; sign off; import
  'action.record', // progress, status, reassignment, slips, evidence, completion, reopening
  'qa.record', // audit outcomes and manual RAG assessments
  'entry.correct', // correct a mistaken entry
  'update.approve', // accept or reject updates submitted on a plan that requires approval
  'update.request', // a plan manager's: set the update window and leads' contacts, open and close update rounds, see escalations
  'audit-log.read', // who changed what
  'bundle.export', // evidence bundles and signed tree heads
  'access.manage', // grant and revoke access
  'access-log.read', // who read what
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: PERMISSIONS,
  editor: ['plan.read', 'action.record', 'entry.correct'],
  auditor: ['plan.read', 'qa.record', 'entry.correct', 'audit-log.read'],
  // An inspector reads everything in the plans granted, as at any date, and exports bundles; never writes.
  inspector: ['plan.read', 'audit-log.read', 'bundle.export'],
  // A regulator downloads and verifies bundles only.
  regulator: ['bundle.export'],
  // An approver accepts or rejects the updates editors submit; someone else's only (the decider refuses one's own).
  // An approver is the plan's manager for updates: they also ask for them (rounds) and see what is escalated.
  approver: ['plan.read', 'update.approve', 'update.request', 'audit-log.read'],
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** Reads by these roles are sensitive: they go in the access log. */
export const LOGGED_READER_ROLES: readonly Role[] = ['inspector', 'regulator'];
