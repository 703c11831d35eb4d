import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalid } from '../../http/errors.js';
import { ErrorBag } from '../../http/validation.js';
import { audit } from '../../web/audit.js';
import { formBody } from '../../web/form-body.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { done } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import { Button, Card, Field, Form, PageHeader, TextArea } from '../../web/ui.js';
import { callCentrePolicy } from './policy.js';
import { SettingsPatch, settingsPatch } from './schemas.js';
import { readSettings, writeSettings, type CallCentreSettings } from './settings.js';

const URL = '/settings/call-centre';

function SettingsForm({ s }: { s: CallCentreSettings }) {
  return (
    <Card>
      <Form action={URL} method="PATCH" label="Call-centre settings">
        <div class="form-grid">
          <Field
            name="max_attempts"
            label="Max attempts"
            type="number"
            min={1}
            step="1"
            value={s.max_attempts}
            hint="The no reply that reaches this count cancels the lead as unreachable."
            required
          />
          <Field
            name="claim_minutes"
            label="Claim minutes"
            type="number"
            min={1}
            step="1"
            value={s.claim_minutes}
            hint="How long a lead stays with its agent without an outcome."
            required
          />
          <Field
            name="duplicate_window_days"
            label="Duplicate window (days)"
            type="number"
            min={0}
            step="1"
            value={s.duplicate_window_days}
            hint="How far back intake looks for a duplicate."
            required
          />
          <TextArea name="cancel_reasons" label="Cancel reasons (one per line)" value={s.cancel_reasons.join('\n')} rows={7} required />
        </div>
        <div class="form-actions">
          <Button>Save settings</Button>
        </div>
      </Form>
    </Card>
  );
}

/** A form sends the reasons as lines of one text; JSON as an array (a JSON string is `must be an array`). */
function readPatch(req: FastifyRequest) {
  const body = { ...formBody(req) };
  const sentAsJson = /^application\/json\b/i.test(req.headers['content-type'] ?? '');
  if (!sentAsJson && typeof body.cancel_reasons === 'string') {
    body.cancel_reasons = body.cancel_reasons
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
  }
  const bag = new ErrorBag();
  const input = settingsPatch.check(body, bag);
  if (bag.size > 0 && !wantsJson(req)) {
    // On the page the reasons are one field: a line's message (`cancel_reasons.3`) is shown beside it.
    const placed: Record<string, string[]> = {};
    for (const [key, list] of Object.entries(bag.toJSON(SettingsPatch)))
      (placed[key.startsWith('cancel_reasons.') ? 'cancel_reasons' : key] ??= []).push(...list);
    throw invalid(placed);
  }
  bag.throwIfAny(SettingsPatch);
  return input;
}

export async function callCentreSettingsPages(web: FastifyInstance) {
  const { db } = web;
  const route = formRoutes(web);
  const can = { config: { can: callCentrePolicy.can('settings') } };
  addNav({ label: 'Call centre', href: URL, icon: 'phone', visible: callCentrePolicy.can('settings'), section: 'Settings' });

  web.get(URL, can, async (req, reply) => {
    const s = await readSettings(db);
    if (wantsJson(req)) return reply.send({ data: s });
    return renderPage(req, reply, {
      title: 'Call-centre settings',
      body: (
        <>
          <PageHeader title="Call-centre settings" subtitle="Attempts, claims, duplicates and the reasons agents cancel with." />
          <SettingsForm s={s} />
        </>
      ),
    });
  });

  route('PATCH', URL, can, async (req: FastifyRequest, reply: FastifyReply) => {
    const input = readPatch(req);
    const s = await db.tx(async (q) => {
      const saved = await writeSettings(q, input);
      await audit(q, req.user!, 'call-centre.settings', { type: 'settings', id: 'call-centre' }, input);
      return saved;
    });
    return done(req, reply, { message: 'Call-centre settings saved.', redirect: URL, data: s });
  });
}
