import {Controller, HttpCode, Inject, Param, Req, Res, UseFilters } from '@nestjs/common';
import { hrefOf, Route } from '../http/route.decorator.js';
import { QueryBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AccessControl } from '#application';
import { DomainError, formatUkDate, own, Role, type AccessState, type Grant, type Identity, type IssuedToken } from '#domain';
import { ListPlansQuery } from '../cqrs/plan-queries.js';
import { ApiError } from '../http/api-error.js';
import { actorFromIdentity } from '../http/auth/identity.js';
import { ROLE_NAMES } from './plan-page.js';
import { organisationAdministrator } from './organisation-administrator.js';
import { WebErrorFilter } from './web-error.filter.js';
import { readDateParts } from './date-fields.js';
import { errorSummaryOf, pageContext, type FieldErrors } from './web-page-context.js';
import { renderPage } from './web-renderer.js';
import { WebSessions } from './web-sessions.js';

const Text = z.preprocess((v) => (typeof v === 'string' ? v : undefined), z.string().optional());
const PersonForm = z.object({ userId: Text, displayName: Text });
const GrantForm = z.object({ userId: Text, role: Text, planId: Text, reason: Text, 'expiresAt-day': Text, 'expiresAt-month': Text, 'expiresAt-year': Text });
const TokenForm = z.object({ userId: Text, role: Text, 'expiresAt-day': Text, 'expiresAt-month': Text, 'expiresAt-year': Text });
const RevokeForm = z.object({ reason: Text });

/** The same rule as the access events' ids: what `ledger users add` accepts. */
const USER_ID = /^[\w.@-]{1,100}$/;
const ANCHORS = new Map([['expiresAt', 'expiresAt-day']]);
/** A token lives at most a year: a credential left in a script should not outlive its purpose by much. */
const TOKEN_MAX_DAYS = 366;

const ROLE_ITEMS = Role.options.map((role) => ({ value: role, text: capitalise(ROLE_NAMES.get(role) ?? role) }));

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A date typed into the form means until the end of that day, UTC. */
function endOfDay(date: string): string {
  return `${date}T23:59:59.999Z`;
}

type GrantState = 'live' | 'expired' | 'revoked';
function grantState(grant: Grant | IssuedToken, now: string): GrantState {
  if (grant.revoked) return 'revoked';
  return grant.expiresAt && grant.expiresAt <= now ? 'expired' : 'live';
}

/**
 * The administrator's pages: people, access grants and tokens of their own organisation, through the
 * same AccessControl the API and the CLI use. The route table asks for access.manage; organisation-wide
 * administration comes from one's OWN role only (authoriseOrganisation), never from a grant on some
 * other organisation's plan.
 */
@Controller()
@UseFilters(WebErrorFilter)
export class AdminController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(AccessControl) private readonly access: AccessControl,
    @Inject(WebSessions) private readonly sessions: WebSessions,
  ) {}

  @Route('adminPage')
  async overview(@Req() req: Request, @Res() res: Response) {
    const identity = organisationAdministrator(req);
    const state = await this.access.state();
    const now = new Date().toISOString();
    const people = this.people(state, identity);
    const grants = this.grants(state, identity).filter((g) => grantState(g, now) === 'live');
    const tokens = this.tokens(state, identity).filter((t) => grantState(t, now) === 'live');
    renderPage(res, 'admin.njk', { ...this.page(req, 'Administration'), organisationId: identity.organisationId, counts: { people: people.length, grants: grants.length, tokens: tokens.length } });
  }

  // People

  @Route('adminPeoplePage')
  async peoplePage(@Req() req: Request, @Res() res: Response) {
    const identity = organisationAdministrator(req);
    const state = await this.access.state();
    const now = new Date().toISOString();
    const rows = this.people(state, identity).map((user) => {
      const password = state.passwords.get(user.userId);
      const tokens = Object.values(state.tokens).filter((t) => t.userId === user.userId && grantState(t, now) === 'live').length;
      return { ...user, signsInWith: password ? `Password (${ROLE_NAMES.get(password.role) ?? password.role})` : 'No password', hasPassword: Boolean(password), tokens };
    });
    renderPage(res, 'admin-people.njk', { ...this.page(req, 'People'), organisationId: identity.organisationId, people: rows });
  }

  @Route('adminNewPersonPage')
  newPersonPage(@Req() req: Request, @Res() res: Response) {
    const identity = organisationAdministrator(req);
    renderPage(res, 'admin-person-new.njk', { ...this.page(req, 'Register a person'), organisationId: identity.organisationId, values: {}, errors: {} });
  }

  @Route('adminRegisterPerson')
  @HttpCode(200)
  async registerPerson(@Req() req: Request, @Res() res: Response) {
    const identity = organisationAdministrator(req);
    const form = PersonForm.parse(req.body ?? {});
    const values = { userId: (form.userId ?? '').trim(), displayName: (form.displayName ?? '').trim() };
    const errors: FieldErrors = {};
    if (!values.userId) errors.userId = 'Enter a user name';
    else if (!USER_ID.test(values.userId)) errors.userId = 'The user name must be 100 characters or fewer: letters, digits and . @ - _ only';
    if (!values.displayName) errors.displayName = 'Enter the person’s name';
    else if (values.displayName.length > 200) errors.displayName = 'The name must be 200 characters or fewer';
    if (Object.keys(errors).length === 0) {
      try {
        await this.access.registerUser({ ...values, organisationId: identity.organisationId }, actorFromIdentity(req));
        this.sessions.flash(req, `${values.displayName} is registered as ${values.userId}`);
        return res.redirect(303, hrefOf('adminPeoplePage'));
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        errors.userId = error.code === 'DUPLICATE_REFERENCE' ? 'There is already a person with this user name: choose another' : error.message;
      }
    }
    renderPage(res, 'admin-person-new.njk', { ...this.page(req, 'Register a person'), organisationId: identity.organisationId, values, errors, errorSummary: errorSummaryOf(errors) }, 400);
  }

  // Access grants

  @Route('adminGrantsPage')
  async grantsPage(@Req() req: Request, @Res() res: Response) {
    const identity = organisationAdministrator(req);
    const state = await this.access.state();
    const now = new Date().toISOString();
    const plans = await this.planTitles(identity);
    const rows = this.grants(state, identity)
      .sort((a, b) => b.grantedAt.localeCompare(a.grantedAt))
      .map((g) => ({ ...g, state: grantState(g, now), roleName: capitalise(ROLE_NAMES.get(g.role) ?? g.role), plan: g.planId ? (plans.get(g.planId) ?? g.planId) : 'Every plan' }));
    const groups = (['live', 'expired', 'revoked'] as const).map((key) => ({ key, grants: rows.filter((g) => g.state === key) }));
    renderPage(res, 'admin-grants.njk', { ...this.page(req, 'Access grants'), organisationId: identity.organisationId, groups });
  }

  @Route('adminNewGrantPage')
  async newGrantPage(@Req() req: Request, @Res() res: Response) {
    const identity = organisationAdministrator(req);
    await this.renderGrantForm(req, res, identity, {}, {});
  }

  @Route('adminGrant')
  @HttpCode(200)
  async grant(@Req() req: Request, @Res() res: Response) {
    const identity = organisationAdministrator(req);
    const form = GrantForm.parse(req.body ?? {});
    const values = {
      userId: (form.userId ?? '').trim(),
      role: form.role ?? '',
      planId: form.planId ?? '',
      reason: form.reason ?? '',
      day: form['expiresAt-day'] ?? '',
      month: form['expiresAt-month'] ?? '',
      year: form['expiresAt-year'] ?? '',
    };
    const errors: FieldErrors = {};
    if (!values.userId) errors.userId = 'Enter the user name of the person to grant access to';
    else if (!USER_ID.test(values.userId)) errors.userId = 'The user name must be 100 characters or fewer: letters, digits and . @ - _ only';
    const role = Role.safeParse(values.role);
    if (!role.success) errors.role = 'Choose the role the person is given';
    const plans = await this.planTitles(identity);
    // A plan of this organisation, looked up in a Map: never an id the form made up.
    if (values.planId && !plans.has(values.planId)) errors.planId = 'Choose one of your organisation’s plans, or every plan';
    const expiryRead = readDateParts(values, { label: 'The date access ends', future: true });
    const expiry = { date: 'date' in expiryRead ? expiryRead.date : undefined };
    if ('error' in expiryRead) errors.expiresAt = expiryRead.error;
    else if (expiry.date && endOfDay(expiry.date) <= new Date().toISOString()) errors.expiresAt = 'The date access ends must be today or in the future';
    if (!values.reason.trim()) errors.reason = 'Say why this access is granted';
    else if (values.reason.trim().length > 2_000) errors.reason = 'The reason must be 2,000 characters or fewer';
    if (Object.keys(errors).length > 0) return this.renderGrantForm(req, res, identity, values, errors, 400);
    await this.access.grant(
      { userId: values.userId, role: role.data!, ...(values.planId ? { planId: values.planId } : {}), ...(expiry.date ? { expiresAt: endOfDay(expiry.date) } : {}), reason: values.reason },
      identity.organisationId,
      actorFromIdentity(req),
    );
    this.sessions.flash(req, `${values.userId} now has the ${ROLE_NAMES.get(role.data!) ?? role.data} role on ${values.planId ? `“${plans.get(values.planId)}”` : 'every plan of your organisation'}${expiry.date ? ` until the end of ${formatDate(expiry.date)}` : ''}`);
    res.redirect(303, hrefOf('adminGrantsPage'));
  }

  @Route('adminRevokeGrantPage')
  async revokeGrantPage(@Param('grantId') grantId: string, @Req() req: Request, @Res() res: Response) {
    const identity = organisationAdministrator(req);
    const grant = await this.liveGrant(identity, grantId);
    renderPage(res, 'admin-revoke.njk', { ...this.page(req, 'Revoke access'), ...(await this.grantRevocation(identity, grant)), values: {}, errors: {} });
  }

  @Route('adminRevokeGrant')
  @HttpCode(200)
  async revokeGrant(@Param('grantId') grantId: string, @Req() req: Request, @Res() res: Response) {
    const identity = organisationAdministrator(req);
    const grant = await this.liveGrant(identity, grantId);
    const reason = (RevokeForm.parse(req.body ?? {}).reason ?? '').trim();
    const errors = reasonErrors(reason, 'access is revoked');
    if (Object.keys(errors).length > 0) {
      return renderPage(res, 'admin-revoke.njk', { ...this.page(req, 'Revoke access'), ...(await this.grantRevocation(identity, grant)), values: { reason }, errors, errorSummary: errorSummaryOf(errors) }, 400);
    }
    await this.access.revokeGrant(grant.grantId, identity.organisationId, reason, actorFromIdentity(req));
    this.sessions.flash(req, `${grant.userId}’s ${ROLE_NAMES.get(grant.role) ?? grant.role} access is revoked`);
    res.redirect(303, hrefOf('adminGrantsPage'));
  }

  // Tokens

  @Route('adminTokensPage')
  async tokensPage(@Req() req: Request, @Res() res: Response) {
    const identity = organisationAdministrator(req);
    const state = await this.access.state();
    const now = new Date().toISOString();
    const rows = this.tokens(state, identity)
      .sort((a, b) => b.expiresAt.localeCompare(a.expiresAt))
      .map((t) => ({ ...t, state: grantState(t, now), roleName: capitalise(ROLE_NAMES.get(t.role) ?? t.role), person: own(state.users, t.userId)?.displayName ?? t.userId }));
    renderPage(res, 'admin-tokens.njk', { ...this.page(req, 'Access tokens'), organisationId: identity.organisationId, tokens: rows });
  }

  @Route('adminNewTokenPage')
  async newTokenPage(@Req() req: Request, @Res() res: Response) {
    const identity = organisationAdministrator(req);
    await this.renderTokenForm(req, res, identity, { userId: typeof req.query.userId === 'string' ? req.query.userId : '' }, {});
  }

  @Route('adminIssueToken')
  @HttpCode(200)
  async issueToken(@Req() req: Request, @Res() res: Response) {
    const identity = organisationAdministrator(req);
    const form = TokenForm.parse(req.body ?? {});
    const values = { userId: form.userId ?? '', role: form.role ?? '', day: form['expiresAt-day'] ?? '', month: form['expiresAt-month'] ?? '', year: form['expiresAt-year'] ?? '' };
    const state = await this.access.state();
    const errors: FieldErrors = {};
    const person = own(state.users, values.userId);
    if (!person || person.organisationId !== identity.organisationId) errors.userId = 'Choose the person the token is for';
    const role = Role.safeParse(values.role);
    if (!role.success) errors.role = 'Choose the role the token signs in as';
    const expiryRead = readDateParts(values, { label: 'The date the token expires', future: true });
    const expiry = { date: 'date' in expiryRead ? expiryRead.date : undefined };
    if ('error' in expiryRead) errors.expiresAt = expiryRead.error;
    else if (!expiry.date) errors.expiresAt = 'Enter the date the token expires';
    else if (endOfDay(expiry.date) <= new Date().toISOString()) errors.expiresAt = 'The date the token expires must be today or in the future';
    else if (Date.parse(endOfDay(expiry.date)) > Date.now() + TOKEN_MAX_DAYS * 86_400_000) errors.expiresAt = 'The date the token expires must be within a year';
    if (Object.keys(errors).length > 0) return this.renderTokenForm(req, res, identity, values, errors, 400);
    const issued = await this.access.issueToken({ userId: person!.userId, role: role.data!, expiresAt: endOfDay(expiry.date!) }, actorFromIdentity(req));
    // Shown once, on this response only: it is never stored, and the page is sent with no-store.
    renderPage(res, 'admin-token-issued.njk', { ...this.page(req, 'Token issued'), issued, person, tokenRole: ROLE_NAMES.get(role.data!) ?? role.data }, 201);
  }

  @Route('adminRevokeTokenPage')
  async revokeTokenPage(@Param('tokenId') tokenId: string, @Req() req: Request, @Res() res: Response) {
    const identity = organisationAdministrator(req);
    const token = await this.liveToken(identity, tokenId);
    renderPage(res, 'admin-revoke.njk', { ...this.page(req, 'Revoke a token'), ...(await this.tokenRevocation(token)), values: {}, errors: {} });
  }

  @Route('adminRevokeToken')
  @HttpCode(200)
  async revokeToken(@Param('tokenId') tokenId: string, @Req() req: Request, @Res() res: Response) {
    const identity = organisationAdministrator(req);
    const token = await this.liveToken(identity, tokenId);
    const reason = (RevokeForm.parse(req.body ?? {}).reason ?? '').trim();
    const errors = reasonErrors(reason, 'the token is revoked');
    if (Object.keys(errors).length > 0) {
      return renderPage(res, 'admin-revoke.njk', { ...this.page(req, 'Revoke a token'), ...(await this.tokenRevocation(token)), values: { reason }, errors, errorSummary: errorSummaryOf(errors) }, 400);
    }
    await this.access.revokeToken(token.tokenId, reason, actorFromIdentity(req));
    this.sessions.flash(req, `Token ${token.tokenId} is revoked`);
    res.redirect(303, hrefOf('adminTokensPage'));
  }

  // Helpers


  private page(req: Request, title: string) {
    return pageContext(req, this.sessions.find(req), title, 'admin');
  }


  private people(state: AccessState, identity: Identity) {
    return Object.values(state.users)
      .filter((u) => u.organisationId === identity.organisationId)
      .sort((a, b) => a.displayName.localeCompare(b.displayName));
  }

  private grants(state: AccessState, identity: Identity): Grant[] {
    return Object.values(state.grants).filter((g) => g.organisationId === identity.organisationId);
  }

  /** Tokens of this organisation's people. */
  private tokens(state: AccessState, identity: Identity): IssuedToken[] {
    return Object.values(state.tokens).filter((t) => own(state.users, t.userId)?.organisationId === identity.organisationId);
  }

  /** This organisation's plans, id → title, through the same query the API's plan list runs. */
  private async planTitles(identity: Identity): Promise<Map<string, string>> {
    const plans = await this.queries.execute(new ListPlansQuery([{ organisationId: identity.organisationId }]));
    return new Map(plans.map((p) => [p.id, p.title]));
  }

  private async renderGrantForm(req: Request, res: Response, identity: Identity, values: Record<string, string>, errors: FieldErrors, status = 200): Promise<void> {
    const plans = await this.planTitles(identity);
    const planItems = [{ value: '', text: 'Every plan of your organisation' }, ...[...plans].map(([value, text]) => ({ value, text }))].map((item) => ({ ...item, selected: item.value === (values.planId ?? '') }));
    const roleItems = ROLE_ITEMS.map((item) => ({ ...item, checked: item.value === values.role }));
    renderPage(res, 'admin-grant-new.njk', { ...this.page(req, 'Grant access'), organisationId: identity.organisationId, values, errors, errorSummary: errorSummaryOf(errors, ANCHORS), planItems, roleItems }, status);
  }

  private async renderTokenForm(req: Request, res: Response, identity: Identity, values: Record<string, string>, errors: FieldErrors, status = 200): Promise<void> {
    const state = await this.access.state();
    const personItems = [{ value: '', text: 'Choose a person' }, ...this.people(state, identity).map((u) => ({ value: u.userId, text: `${u.displayName} (${u.userId})` }))].map((item) => ({
      ...item,
      selected: item.value === values.userId,
    }));
    const roleItems = ROLE_ITEMS.map((item) => ({ ...item, checked: item.value === values.role }));
    renderPage(res, 'admin-token-new.njk', { ...this.page(req, 'Issue a token'), values, errors, errorSummary: errorSummaryOf(errors, ANCHORS), personItems, roleItems }, status);
  }

  /** A live grant of this organisation, or Page not found (another organisation's grant does not exist here). */
  private async liveGrant(identity: Identity, grantId: string): Promise<Grant> {
    const grant = own((await this.access.state()).grants, grantId);
    if (!grant || grant.organisationId !== identity.organisationId) throw new ApiError(404, 'GRANT_NOT_FOUND', 'There is no such access grant in your organisation');
    if (grant.revoked) throw new ApiError(409, 'GRANT_REVOKED', 'This access grant is already revoked');
    return grant;
  }

  private async liveToken(identity: Identity, tokenId: string): Promise<IssuedToken> {
    const state = await this.access.state();
    const token = own(state.tokens, tokenId);
    if (!token || own(state.users, token.userId)?.organisationId !== identity.organisationId) throw new ApiError(404, 'TOKEN_NOT_FOUND', 'There is no such token in your organisation');
    if (token.revoked) throw new ApiError(409, 'TOKEN_REVOKED', 'This token is already revoked');
    return token;
  }

  private async grantRevocation(identity: Identity, grant: Grant) {
    const plans = await this.planTitles(identity);
    return {
      action: hrefOf('adminRevokeGrant', { grantId: grant.grantId }),
      back: hrefOf('adminGrantsPage'),
      heading: `Revoke ${grant.userId}’s access`,
      button: 'Revoke access',
      rows: [
        { key: { text: 'Person' }, value: { text: grant.userId } },
        { key: { text: 'Role' }, value: { text: capitalise(ROLE_NAMES.get(grant.role) ?? grant.role) } },
        { key: { text: 'Plan' }, value: { text: grant.planId ? (plans.get(grant.planId) ?? grant.planId) : 'Every plan of your organisation' } },
        { key: { text: 'Until' }, value: { text: grant.expiresAt ? formatDate(grant.expiresAt) : 'No end date' } },
        { key: { text: 'Granted' }, value: { text: `${formatDate(grant.grantedAt)} by ${grant.grantedBy}` } },
        { key: { text: 'Why' }, value: { text: grant.reason ?? '' } },
      ],
    };
  }

  private async tokenRevocation(token: IssuedToken) {
    const person = own((await this.access.state()).users, token.userId);
    return {
      action: hrefOf('adminRevokeToken', { tokenId: token.tokenId }),
      back: hrefOf('adminTokensPage'),
      heading: `Revoke token ${token.tokenId}`,
      button: 'Revoke token',
      rows: [
        { key: { text: 'Person' }, value: { text: person ? `${person.displayName} (${person.userId})` : token.userId } },
        { key: { text: 'Role' }, value: { text: capitalise(ROLE_NAMES.get(token.role) ?? token.role) } },
        { key: { text: 'Expires' }, value: { text: formatDate(token.expiresAt) } },
      ],
    };
  }
}

function reasonErrors(reason: string, what: string): FieldErrors {
  if (!reason) return { reason: `Say why ${what}` };
  if (reason.length > 2_000) return { reason: 'The reason must be 2,000 characters or fewer' };
  return {};
}

/** "1 Oct 2009", the UK way, in UTC. */
function formatDate(iso: string): string {
  return formatUkDate(iso.slice(0, 10));
}
