import nodemailer from 'nodemailer';
import type { SmtpSettings } from '../ledger-config.js';

/** One reminder digest as a mail: plain text, so it reads the same in every council's mail client. */
export interface ReminderMessage {
  to: string;
  subject: string;
  text: string;
}

/** Hands a message to the mail server; rejects when the server refuses it or cannot be reached. */
export interface ReminderMailer {
  send(message: ReminderMessage): Promise<void>;
  close(): void;
}

/** Reminders through the configured SMTP server (nodemailer), with short timeouts so one slow server never holds a run for long. */
export function smtpMailer(settings: SmtpSettings): ReminderMailer {
  const timeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
  const server = settings.url ? fromUrl(settings.url) : settings;
  const transport = nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: server.secure === true,
    ...(server.user ? { auth: { user: server.user, pass: server.pass } } : {}),
    ...timeouts,
  });
  return {
    async send(message) {
      await transport.sendMail({ from: settings.from, to: message.to, subject: message.subject, text: message.text });
    },
    close() {
      transport.close();
    },
  };
}

/** smtp://user:pass@host:587 or smtps://host (TLS from the start, port 465 by default). */
function fromUrl(url: string): Omit<SmtpSettings, 'from' | 'url'> {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 587,
    secure,
    ...(parsed.username ? { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } : {}),
  };
}
