import type { FastifyInstance, FastifyRequest } from 'fastify';
import { formatDate } from '../../web/format.js';
import { pictureUrl } from '../../web/picture-url.js';
import { Type } from '@sinclair/typebox';
import { compile, ErrorBag, messages } from '../../http/validation.js';
import { renderPage } from '../../web/page.js';
import { usePage } from '../../web/page-context.js';
import { done } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import { ROLE_LABELS } from '../../web/labels.js';
import { Button, Card, Checkbox, DefinitionList, Field, Form, FieldErrorList } from '../../web/ui.js';
import { MAX_PICTURE_BYTES, PICTURE_TYPES, deletePicture, readPicture, savePicture } from './avatars.js';
import { SettingsHeader } from './components.js';
import { loadProfile, type ProfileRow } from './queries.js';
import { saveProfile } from './service.js';
import { checkPictureUpload, multipartForms } from './uploads.js';
import { sendStoredPicture } from '../../web/stored-picture.js';

const optionalText = (max: number) => Type.String({ minLength: 1, maxLength: max, nullable: true });

/** full_name is always sent; the other texts clear when empty and stay as they are when absent. */
const ProfileBody = compile(
  Type.Object({
    full_name: Type.String({ minLength: 1, maxLength: 100 }),
    phone: Type.Optional(optionalText(100)),
    whatsapp_phone: Type.Optional(optionalText(100)),
    company: Type.Optional(optionalText(100)),
    hide_money: Type.Optional(Type.Boolean()),
    remove_picture: Type.Optional(Type.Boolean()),
  }),
);

const PROFILE_UPDATED = 'Profile updated.';

const profileJson = (p: ProfileRow) => ({
  id: p.id,
  full_name: p.full_name,
  email: p.email,
  role: p.role,
  account_id: p.account_id,
  phone: p.phone,
  whatsapp_phone: p.whatsapp_phone,
  company: p.company,
  hide_money: p.hide_money,
  picture_url: pictureUrl(p.picture_path),
});

function PictureField(p: { current: string | null; initial: string }) {
  const { errors } = usePage();
  const messages = errors.of('picture');
  const url = pictureUrl(p.current);
  return (
    <div class={messages.length ? 'field has-error' : 'field'}>
      <label for="f-picture">Picture</label>
      <div class="picture-row">
        {url ? (
          <img class="avatar-lg" src={url} alt="Your current picture" width="64" height="64" />
        ) : (
          <span class="avatar avatar-lg" aria-hidden="true">
            {p.initial}
          </span>
        )}
        <input
          id="f-picture"
          name="picture"
          type="file"
          accept={Object.values(PICTURE_TYPES).join(',')}
          aria-invalid={messages.length ? 'true' : undefined}
          aria-describedby={['f-picture-hint', messages.length ? 'f-picture-error' : ''].filter(Boolean).join(' ')}
        />
      </div>
      <p class="hint" id="f-picture-hint">
        PNG, JPEG or WebP, up to 1 MB.
      </p>
      <FieldErrorList id="f-picture" messages={messages} />
      {url && <Checkbox name="remove_picture" label="Remove the picture" />}
    </div>
  );
}

function ProfilePage({ p }: { p: ProfileRow }) {
  return (
    <>
      <SettingsHeader title="Settings" subtitle="Your profile, password and API keys." />
      <div class="settings-grid">
        <Card title="Profile">
          <Form action="/settings/profile" method="PATCH" multipart label="Profile">
            <div class="form-grid">
              <Field name="full_name" label="Full name" value={p.full_name} required autocomplete="name" />
              <Field name="phone" label="Phone" type="tel" value={p.phone} autocomplete="tel" required={!!p.phone} />
              <Field name="whatsapp_phone" label="WhatsApp number" type="tel" value={p.whatsapp_phone} />
              <Field name="company" label="Company" value={p.company} autocomplete="organization" />
            </div>
            <PictureField current={p.picture_path} initial={p.full_name.slice(0, 1).toUpperCase()} />
            <div>
              <Checkbox name="hide_money" label="Hide money" checked={p.hide_money} />
              <p class="hint">Hides prices, totals and balances in lists, for screens others can see.</p>
            </div>
            <div class="form-actions">
              <Button>Save the profile</Button>
            </div>
          </Form>
        </Card>
        <Card title="Account">
          <DefinitionList
            items={[
              ['Email', p.email],
              ['Role', ROLE_LABELS[p.role]],
              ...(p.account_name ? ([['Shop account', p.account_name]] as [string, string][]) : []),
              ['Member since', formatDate(p.created_at)],
            ]}
          />
          <p class="hint">To change your email address, ask an administrator.</p>
        </Card>
      </div>
    </>
  );
}

/** Checks an uploaded picture, if any: a file of at most 1 MB, PNG, JPEG or WebP by its bytes. */
const checkPicture = (value: unknown, bag: ErrorBag) =>
  checkPictureUpload(value, bag, 'picture', { maxBytes: MAX_PICTURE_BYTES, required: false });

const isForm = (req: FastifyRequest) => !/application\/json/i.test(String(req.headers['content-type'] ?? ''));

export async function profilePages(web: FastifyInstance) {
  // Only this plugin's routes take multipart forms (the picture).
  await multipartForms(web, { maxFileBytes: MAX_PICTURE_BYTES });
  const route = formRoutes(web);
  const { db, files } = web;

  web.get('/settings/profile', async (req, reply) => {
    const p = await loadProfile(db, req.user!.id);
    if (wantsJson(req)) return reply.send({ data: profileJson(p) });
    return renderPage(req, reply, { title: 'Profile', body: <ProfilePage p={p} /> });
  });

  web.get('/settings/profile/picture', async (req, reply) => {
    const path = req.user!.picture_path;
    return sendStoredPicture(reply, path ? await readPicture(files, path) : undefined);
  });

  route('PATCH', '/settings/profile', { config: { back: '/settings/profile' } }, async (req, reply) => {
    const user = req.user!;
    const raw = { ...((req.body ?? {}) as Record<string, unknown>) };
    const upload = raw.picture;
    // The file never goes back into the session as "old input".
    delete raw.picture;
    req.body = raw;
    // An unticked checkbox sends nothing: on a form, absent means off.
    if (isForm(req)) raw.hide_money ??= '0';

    const bag = new ErrorBag();
    const input = ProfileBody.check(raw, bag);
    const picture = checkPicture(upload, bag);
    const before = await loadProfile(db, user.id);
    // As on the users pages (decisions.md, Phones): a phone once set cannot be emptied.
    if ('phone' in input && input.phone == null && before.phone) bag.add('phone', messages.required('phone'));
    bag.throwIfAny(ProfileBody.schema);

    const newPath = picture ? await savePicture(files, user.id, picture.data, picture.kind) : undefined;
    const keep = (k: 'phone' | 'whatsapp_phone' | 'company') => (k in input ? (input[k] ?? null) : before[k]);
    const picturePath = newPath ?? (input.remove_picture ? null : before.picture_path);
    const changes = {
      full_name: input.full_name,
      phone: keep('phone'),
      whatsapp_phone: keep('whatsapp_phone'),
      company: keep('company'),
      hide_money: input.hide_money ?? before.hide_money,
      picture: picturePath === before.picture_path ? undefined : picturePath ? 'replaced' : 'removed',
    };
    try {
      await db.tx((q) => saveProfile(q, user, changes, picturePath));
    } catch (err) {
      await deletePicture(files, newPath);
      throw err;
    }
    if (picturePath !== before.picture_path) await deletePicture(files, before.picture_path);
    const after = await loadProfile(db, user.id);
    return done(req, reply, { message: PROFILE_UPDATED, redirect: '/settings/profile', data: profileJson(after) });
  });
}
