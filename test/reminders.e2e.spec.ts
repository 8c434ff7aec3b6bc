import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { PlanCommandService } from '#application';
import { ReminderScheduler } from '../apps/api/src/reminders/reminder-scheduler.js';
import { startLedger, type RunningLedger } from './support/ledger-app.js';
import { importOfstedPlan } from './support/ofsted-plan.js';
import { runLedgerCli } from './support/run-cli.js';

/**
 * Reminders by email against a real SMTP server (smtp-server) on 127.0.0.1, on the Central Bedfordshire Ofsted
 * plan: an update round opened, a digest received with links into the web service, a refusal recorded and
 * retried, at most one a day, nobody reminded of a plan they may not read; and with no SMTP, nothing attempted.
 */
interface Received {
  to: string[];
  raw: string;
}
const received: Received[] = [];
let refuse = false;
let smtp: SMTPServer;
let port: number;
let ledger: RunningLedger;
let planId: string;
const manager = { actor: 'Karen Oellermann', role: 'approver' as const };
const sue = { name: 'Sue Ioannou', userId: 'sue-ioannou.editor.central-bedfordshire-council', email: 'sue.ioannou@centralbedfordshire.gov.uk' };
const pat = { name: 'Pat Other', userId: 'pat-other.admin.bedford-borough-council', email: 'pat.other@bedford.gov.uk' };
const PUBLIC_URL = 'https://ledger.example-council.gov.uk';
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

const smtpEnv = () => ({ LEDGER_SMTP_URL: `smtp://127.0.0.1:${port}`, LEDGER_SMTP_FROM: 'Safeguarding ledger <ledger@centralbedfordshire.gov.uk>', LEDGER_PUBLIC_URL: PUBLIC_URL, LEDGER_REMINDER_INTERVAL_MINUTES: '0' });
const run = (asAt?: string) => ledger.app.get(ReminderScheduler).run.runOnce(asAt);
const eventTypes = async () => ((await ledger.request('GET', `/plans/${planId}/events?maxCount=10000`)).body.events as { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }[]);

/**
 * The CLI as a process, run without blocking: the SMTP server it talks to lives in this process, so a
 * synchronous spawn would keep the server from answering.
 */
function runCliAsync(args: string[], env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(process.cwd(), 'bin/ledger.js'), ...args], { cwd: process.cwd(), env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refuse) {
        const error = Object.assign(new Error('Mailbox temporarily unavailable'), { responseCode: 450 });
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  port = (smtp.server.address() as AddressInfo).port;
  ledger = await startLedger(smtpEnv());
  planId = await importOfstedPlan(ledger.app.get(PlanCommandService));
  await ledger.tokenFor(sue.name, 'editor');
  await ledger.tokenFor(pat.name, 'admin', 'bedford-borough-council');
});
afterAll(async () => {
  await ledger.stop();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

describe('reminders by email', () => {
  let leadOfSue: string;
  let actionOfSue: { actionId: string; ref: string };

  it('sends one digest to the person named for a lead, with a link to each action due and the reason, after a round opens', async () => {
    const due = (await ledger.request('GET', `/plans/${planId}/update-requests`)).body;
    const [first, second] = due.byLead.filter((g: { lead: string }) => g.lead !== '(no lead named)');
    leadOfSue = first.lead;
    actionOfSue = first.requests[0];
    expect((await ledger.request('POST', `/plans/${planId}/lead-contacts`, { ...manager, body: { lead: leadOfSue, userId: sue.userId, displayName: sue.name, email: sue.email } })).status).toBe(201);
    // Pat belongs to another council and holds no grant on this plan: they are never told of it.
    expect((await ledger.request('POST', `/plans/${planId}/lead-contacts`, { ...manager, body: { lead: second.lead, userId: pat.userId, displayName: pat.name, email: pat.email } })).status).toBe(201);
    expect((await ledger.request('POST', `/plans/${planId}/lead-contacts`, { ...manager, body: { lead: leadOfSue, userId: sue.userId, displayName: sue.name, email: 'not an address' } })).status).toBe(400);
    // "My actions due an update": the actions of the leads she is named for, and nobody else's.
    const mine = await ledger.request('GET', '/update-requests?mine=true', { actor: sue.name, role: 'editor' });
    expect(mine.status).toBe(200);
    expect(mine.body.requests.length).toBe(first.requests.length);
    expect(mine.body.requests.every((r: { leads: string[] }) => r.leads.includes(leadOfSue))).toBe(true);
    expect((await ledger.request('GET', '/update-requests?mine=true', manager)).body.requests).toEqual([]);
    const opened = await ledger.request('POST', `/plans/${planId}/update-rounds`, { ...manager, body: { title: 'December monitoring', dueBy: inDays(14) } });
    expect(opened.status).toBe(201);
    const roundId: string = opened.body.events[0].data.roundId;

    refuse = true;
    const refused = await run();
    expect(refused).toMatchObject({ attempted: true, sent: [] });
    expect(refused.failed.map((f) => f.email)).toEqual([sue.email]);
    expect(refused.failed[0]!.error).toMatch(/450|temporarily unavailable/i);
    expect(received).toEqual([]);
    const failedEvent = (await eventTypes()).filter((e) => e.type === 'ReminderFailed');
    expect(failedEvent).toHaveLength(1);
    expect(failedEvent[0]!.data).toMatchObject({ userId: sue.userId, email: sue.email });

    refuse = false;
    const retried = await run();
    expect(retried.failed).toEqual([]);
    expect(retried.sent.map((s) => s.email)).toEqual([sue.email]);
    expect(received).toHaveLength(1);
    const mail = received[0]!;
    expect(mail.to).toEqual([sue.email]);
    const text = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    expect(text).toMatch(/^Subject: Progress updates due: \d+ actions? \(/m);
    expect(text).toContain('Dear Sue Ioannou,');
    expect(text).toContain(`${PUBLIC_URL}/web/plans/${planId}/actions/${actionOfSue.actionId}`);
    expect(text).toContain(`Action ${actionOfSue.ref}:`);
    expect(received.some((m) => m.to.includes(pat.email))).toBe(false);

    // The round closes with what was not received: Sue was reminded but has not answered.
    const closed = await ledger.request('POST', `/plans/${planId}/update-rounds/${roundId}/closure`, { ...manager, body: { reason: 'Board papers due' } });
    expect(closed.status).toBe(201);
    expect(closed.body.events[0].data.missing.map((m: { actionId: string }) => m.actionId)).toContain(actionOfSue.actionId);
    const round = (await ledger.request('GET', `/plans/${planId}/update-rounds/${roundId}`, manager)).body.round;
    expect(round.status).toBe('closed');
    expect(round.missing.map((m: { actionId: string }) => m.actionId)).toContain(actionOfSue.actionId);
  });

  it('sends at most one digest a person a day, and records each as evidence in the audit log', async () => {
    const again = await run();
    expect(again).toMatchObject({ attempted: true, sent: [], failed: [] });
    expect(received).toHaveLength(1);
    const sent = (await eventTypes()).filter((e) => e.type === 'ReminderSent');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.metadata).toMatchObject({ actor: { id: 'ledger-reminders', displayName: 'Ledger reminders' } });
    const log = await ledger.request('GET', `/audit-log?planId=${planId}&limit=1000`);
    const summaries = log.body.entries.map((e: { summary: string }) => e.summary).join('\n');
    expect(summaries).toMatch(new RegExp(`Reminder for \\d+ actions? sent to ${sue.email.replace(/\./g, '\\.')}`));
    expect(summaries).toContain(`Reminder to ${sue.email}`);
    expect(summaries).toContain('could not be delivered (to be tried again)');
  });

  it('sends the next day from the command line, `ledger reminders send --as-at`, on the same ledger file', async () => {
    const env = { ...smtpEnv(), LEDGER_SIGNING_KEY_DIR: path.join(ledger.dir, 'keys'), LEDGER_EVIDENCE_DIR: path.join(ledger.dir, 'evidence') };
    const result = await runCliAsync(['reminders', 'send', '--as-at', inDays(1), '--json', '--db', path.join(ledger.dir, 'ledger.sqlite')], env);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ attempted: true, day: inDays(1), sent: [{ email: sue.email }], failed: [] });
    expect(received).toHaveLength(2);
    const bad = runLedgerCli(['reminders', 'send', '--as-at', 'tomorrow', '--db', path.join(ledger.dir, 'ledger.sqlite')], env);
    expect(bad.status).toBe(2);
  });
});

describe('without a mail server', () => {
  it('attempts nothing and appends nothing, and the lists still work', async () => {
    const plain = await startLedger();
    try {
      const id = await importOfstedPlan(plain.app.get(PlanCommandService));
      const lead = (await plain.request('GET', `/plans/${id}/update-requests`)).body.byLead[1].lead as string;
      await plain.tokenFor(sue.name, 'editor');
      await plain.request('POST', `/plans/${id}/lead-contacts`, { body: { lead, userId: sue.userId, displayName: sue.name, email: sue.email } });
      const revision = (await plain.request('GET', `/plans/${id}`)).body.revision;
      const before = received.length;
      expect(await plain.app.get(ReminderScheduler).run.runOnce()).toEqual({ attempted: false, day: new Date().toISOString().slice(0, 10), sent: [], failed: [] });
      expect((await plain.request('GET', `/plans/${id}`)).body.revision).toBe(revision);
      expect(received.length).toBe(before);
      expect((await plain.request('GET', `/plans/${id}/update-requests`)).body.requests.length).toBeGreaterThan(0);
      const cli = runLedgerCli(['reminders', 'send', '--db', path.join(plain.dir, 'ledger.sqlite')], { LEDGER_SIGNING_KEY_DIR: path.join(plain.dir, 'keys') });
      expect(cli).toMatchObject({ status: 0, stdout: expect.stringContaining('nothing was sent') });
    } finally {
      await plain.stop();
    }
  });
});
