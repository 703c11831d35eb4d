import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';

interface Mail {
  to: string;
  subject: string;
  text: string;
  /** A link the message carries, logged when mail is written to disk. */
  link?: string;
}

/**
 * Sends through SMTP when MAIL_URL is set; otherwise writes each message to DATA_DIR/mail/ as an
 * .eml file and logs its link, so a local install works without a mail server.
 */
export async function sendMail(
  config: Pick<Config, 'mailUrl' | 'mailFrom' | 'dataDir'>,
  log: FastifyBaseLogger,
  mail: Mail,
): Promise<void> {
  const { default: nodemailer } = await import('nodemailer'); // at the first mail, not at startup
  if (config.mailUrl) {
    await nodemailer
      .createTransport(config.mailUrl)
      .sendMail({ from: config.mailFrom, to: mail.to, subject: mail.subject, text: mail.text });
    return;
  }
  const info = await nodemailer.createTransport({ streamTransport: true, buffer: true }).sendMail({
    from: config.mailFrom,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
  });
  const dir = join(config.dataDir, 'mail');
  mkdirSync(dir, { recursive: true, mode: 0o700 }); // a reset link is a login: its owner's alone
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.to.replace(/[^\w@.-]/g, '_')}.eml`);
  writeFileSync(file, info.message as Buffer, { mode: 0o600 });
  log.info({ to: mail.to, file, link: mail.link }, `mail written to ${file}${mail.link ? `: ${mail.link}` : ''}`);
}
