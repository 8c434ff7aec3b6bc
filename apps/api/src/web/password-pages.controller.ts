import { Controller, HttpCode, Inject, Param, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AccessControl, PasswordSignInError } from '#application';
import { own, Role } from '#domain';
import { ApiError } from '../http/api-error.js';
import { actorFromIdentity, identityOf } from '../http/auth/identity.js';
import { hrefOf, Route } from '../http/route.decorator.js';
import { ROLE_NAMES } from './plan-page.js';
import { organisationAdministrator } from './organisation-administrator.js';
import { WebErrorFilter } from './web-error.filter.js';
import { errorSummaryOf, pageContext, type FieldErrors } from './web-page-context.js';
import { renderPage } from './web-renderer.js';
import { WebSessions } from './web-sessions.js';

const Text = z.preprocess((v) => (typeof v === 'string' ? v : undefined), z.string().optional());
const SetPasswordForm = z.object({ role: Text, password: Text, confirmPassword: Text });
const ChangePasswordForm = z.object({ currentPassword: Text, password: Text, confirmPassword: Text });

/** The same bounds as AccessControl.setPassword (NCSC: length, not composition); checked here to word the error by the field. */
const MIN_LENGTH = 12;
const MAX_LENGTH = 200;

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The new password's problems, by field. Passwords are never sent back into the form, as the Design System advises. */
function newPasswordErrors(password: string, confirm: string): FieldErrors {
  const errors: FieldErrors = {};
  if (!password) errors.password = 'Enter a new password';
  else if (password.length < MIN_LENGTH) errors.password = `The password must be at least ${MIN_LENGTH} characters`;
  else if (password.length > MAX_LENGTH) errors.password = `The password must be ${MAX_LENGTH} characters or fewer`;
  if (!errors.password) {
    if (!confirm) errors.confirmPassword = 'Enter the new password again';
    else if (confirm !== password) errors.confirmPassword = 'The passwords do not match: enter the same new password twice';
  }
  return errors;
}

/**
 * Local passwords from the browser: an administrator sets or resets one for a person of their own
 * organisation, and a person who signs in with a password changes their own. Both go through
 * AccessControl.setPassword, as `ledger users set-password` does: only a salted scrypt hash is stored, in the
 * access stream (never a plan's, so never in a bundle or the audit log). A new password replaces the old at
 * once: the old one no longer signs in.
 */
@Controller()
@UseFilters(WebErrorFilter)
export class PasswordPagesController {
  constructor(
    @Inject(AccessControl) private readonly access: AccessControl,
    @Inject(WebSessions) private readonly sessions: WebSessions,
  ) {}

  @Route('adminPasswordPage')
  async adminPasswordPage(@Param('userId') userId: string, @Req() req: Request, @Res() res: Response) {
    const person = await this.personOfOrganisation(req, userId);
    const current = (await this.access.state()).passwords.get(person.userId);
    await this.renderAdminForm(req, res, person, { role: current?.role ?? '' }, {});
  }

  @Route('adminSetPassword')
  @HttpCode(200)
  async adminSetPassword(@Param('userId') userId: string, @Req() req: Request, @Res() res: Response) {
    const person = await this.personOfOrganisation(req, userId);
    const form = SetPasswordForm.parse(req.body ?? {});
    const values = { role: (form.role ?? '').trim() };
    const role = Role.safeParse(values.role);
    const errors: FieldErrors = {};
    if (!role.success) errors.role = 'Choose the role they sign in as';
    Object.assign(errors, newPasswordErrors(form.password ?? '', form.confirmPassword ?? ''));
    if (Object.keys(errors).length > 0) return this.renderAdminForm(req, res, person, values, errors, 400);
    await this.access.setPassword({ userId: person.userId, role: role.data!, password: form.password! }, actorFromIdentity(req));
    this.sessions.flash(req, `${person.displayName} can now sign in as ${person.userId} with the new password`);
    res.redirect(303, hrefOf('adminPeoplePage'));
  }

  @Route('ownPasswordPage')
  async ownPasswordPage(@Req() req: Request, @Res() res: Response) {
    await this.renderOwnForm(req, res, {});
  }

  @Route('changeOwnPassword')
  @HttpCode(200)
  async changeOwnPassword(@Req() req: Request, @Res() res: Response) {
    const identity = identityOf(req);
    const stored = (await this.access.state()).passwords.get(identity.userId);
    if (!stored) return this.renderOwnForm(req, res, {}, 400);
    const form = ChangePasswordForm.parse(req.body ?? {});
    const errors: FieldErrors = {};
    const currentPassword = form.currentPassword ?? '';
    if (!currentPassword) errors.currentPassword = 'Enter your current password';
    else {
      try {
        await this.access.authenticatePassword(identity.userId, currentPassword);
      } catch (error) {
        if (!(error instanceof PasswordSignInError)) throw error;
        errors.currentPassword = 'Your current password is not right';
      }
    }
    Object.assign(errors, newPasswordErrors(form.password ?? '', form.confirmPassword ?? ''));
    if (Object.keys(errors).length > 0) return this.renderOwnForm(req, res, errors, 400);
    await this.access.setPassword({ userId: identity.userId, role: stored.role, password: form.password! }, actorFromIdentity(req));
    this.sessions.flash(req, 'Your password is changed: use the new one next time you sign in');
    res.redirect(303, hrefOf('plansPage'));
  }

  /** A registered person of the administrator's own organisation, or Page not found (another's does not exist here). */
  private async personOfOrganisation(req: Request, userId: string) {
    const identity = organisationAdministrator(req);
    const person = own((await this.access.state()).users, userId);
    if (!person || person.organisationId !== identity.organisationId) throw new ApiError(404, 'USER_NOT_FOUND', 'There is no such person in your organisation');
    return person;
  }


  private async renderAdminForm(req: Request, res: Response, person: { userId: string; displayName: string }, values: { role: string }, errors: FieldErrors, status = 200): Promise<void> {
    const current = (await this.access.state()).passwords.get(person.userId);
    const roleItems = Role.options.map((role) => ({ value: role, text: capitalise(ROLE_NAMES.get(role) ?? role), checked: role === values.role }));
    renderPage(
      res,
      'admin-password.njk',
      {
        ...pageContext(req, this.sessions.find(req), `Set a password for ${person.displayName}`, 'admin'),
        person,
        hasPassword: Boolean(current),
        action: hrefOf('adminSetPassword', { userId: person.userId }),
        roleItems,
        errors,
        errorSummary: errorSummaryOf(errors, new Map([['role', 'role']])),
      },
      status,
    );
  }

  private async renderOwnForm(req: Request, res: Response, errors: FieldErrors, status = 200): Promise<void> {
    const identity = identityOf(req);
    const stored = (await this.access.state()).passwords.get(identity.userId);
    renderPage(
      res,
      'account-password.njk',
      { ...pageContext(req, this.sessions.find(req), 'Change your password', 'account'), hasPassword: Boolean(stored), action: hrefOf('changeOwnPassword'), errors, errorSummary: errorSummaryOf(errors) },
      status,
    );
  }
}
