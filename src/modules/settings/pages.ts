import type { FastifyInstance } from 'fastify';
import { addNav } from '../../web/nav.js';
import { apiKeyPages } from '../tokens/api-key-pages.js';
import { apiKeyPolicy } from '../tokens/policy.js';
import { webhookPages } from '../webhooks/pages.js';
import { passwordPages } from './password.js';
import { profilePages } from './profile.js';

/** Settings: profile and password for everyone, API keys and webhooks for admins and sellers. */
export async function settingsPages(web: FastifyInstance) {
  addNav(
    { label: 'Settings', href: '/settings/profile', icon: 'settings', visible: () => true, section: 'Settings' },
    { label: 'API keys', href: '/settings/api-keys', icon: 'key', visible: apiKeyPolicy.can('manage'), section: 'Settings' },
  );
  web.get('/settings', async (_req, reply) => reply.redirect('/settings/profile', 302));
  await web.register(profilePages);
  await web.register(passwordPages);
  await web.register(apiKeyPages);
  await web.register(webhookPages);
}
