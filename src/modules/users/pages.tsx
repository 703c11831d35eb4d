import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { forbidden, invalid, notFound } from '../../http/errors.js';
import { compile, validate } from '../../http/validation.js';
import { audit } from '../../web/audit.js';
import { formBody } from '../../web/form-body.js';
import { ROLE_LABELS, ROLE_PLURALS } from '../../web/labels.js';
import { listQuery } from '../../web/list-query.js';
import { queryText } from '../../web/query.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { renderFormPage } from '../../web/form-page.js';
import { backUrl, done, refuseBack } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import { endUserSessions } from '../../web/session-store.js';
import type { WebUser } from '../../web/types.js';
import { accountOptions } from '../accounts/queries.js';
import { callCenterOptions } from '../call-centers/queries.js';
import { unassignUnservable } from '../call-centre/agents.js';
import { checkUserInput } from './input.js';
import { isManager, mayAct, mayCreate, mayList, mayUseUsers, TEAM_ROLES, userPolicy } from './policy.js';
import {
  assignmentLabels,
  countByRole,
  directReports,
  findUser,
  findUserById,
  listUsers,
  managerOptions,
  presentUser,
  productOptions,
  USER_SORTS,
  warehouseOptions,
  type UserRow,
} from './queries.js';
import { ROLES, ROLE_SLUGS, type Role } from '../../core/roles.js';
import { deleteBody, EXTRA_FIELDS, MANAGED_BY } from './schemas.js';
import { deleteUsers, insertUser, setUserStatus, updateUser } from './service.js';
import { RoleOverview, UserForm, UserPage, usersUrl, userUrl, UsersList, type FormOptions } from './views.js';

const ROLE_BY_SLUG = new Map<string, Role>(ROLES.map((r) => [ROLE_SLUGS[r], r]));

const userList = listQuery({
  sorts: USER_SORTS,
  defaultSort: 'created_at',
  filters: { account_id: Type.String({ maxLength: 64 }), manager_id: Type.String({ maxLength: 64 }) },
});
const idParam = compile(Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }));

/** The role of `/users/{role}`: an unknown slug is a 404, a list the caller may not open a 403. */
interface RoleRoute {
  Params: { role: string };
}
interface UserRoute {
  Params: { role: string; id: string };
}

function listRole(req: FastifyRequest<RoleRoute>): Role {
  const role = ROLE_BY_SLUG.get(req.params.role);
  if (!role) throw notFound();
  if (!mayList(req.user!, role)) throw forbidden();
  return role;
}

/** The user of `/users/{role}/{id}/…` the caller can see (else 404), and the action allowed (else 403). */
async function target(web: FastifyInstance, req: FastifyRequest<UserRoute>, action?: Parameters<typeof mayAct>[1]): Promise<UserRow> {
  const role = listRole(req);
  const user = await findUser(web.db, req.user!, role, req.params.id);
  if (!user) throw notFound();
  if (action && !mayAct(req.user!, action, user)) throw forbidden();
  return user;
}

async function formOptions(web: FastifyInstance, viewer: WebUser, role: Role, creating: boolean): Promise<FormOptions> {
  const fields = EXTRA_FIELDS[role];
  const managedBy = MANAGED_BY[role];
  const [accounts, managers, products, warehouses, callCenters] = await Promise.all([
    role === 'seller' && creating && viewer.role !== 'seller' ? accountOptions(web.db) : undefined,
    managedBy ? managerOptions(web.db, managedBy) : undefined,
    fields.includes('products_ids_to_confirm') ? productOptions(web.db) : undefined,
    fields.includes('warehouses_ids_to_manage') ? warehouseOptions(web.db) : undefined,
    fields.includes('call_center_id') ? callCenterOptions(web.db) : undefined,
  ]);
  return { accounts, managers, products, warehouses, callCenters };
}

const nounOf = (role: Role, viewer: WebUser) =>
  role === 'seller' && viewer.role === 'seller' ? 'team member' : role === 'delivery' ? 'delivery person' : ROLE_LABELS[role].toLowerCase();

export async function usersPages(web: FastifyInstance) {
  const route = formRoutes(web);
  const any = { config: { can: mayUseUsers } };

  addNav(
    { label: 'Users', href: '/users', icon: 'users', visible: (u) => u.role === 'admin' },
    { label: 'Team', href: '/users/team', icon: 'users', visible: isManager },
    { label: 'Team', href: '/users/sellers', icon: 'users', visible: (u) => u.role === 'seller' },
  );

  web.get('/users', any, async (req, reply) => {
    const user = req.user!;
    if (user.role === 'seller') return reply.redirect('/users/sellers', 302);
    if (isManager(user)) return reply.redirect('/users/team', 302);
    const counts = await countByRole(web.db, user, ROLES);
    if (wantsJson(req)) return reply.send({ data: ROLES.map((r) => ({ role: r, slug: ROLE_SLUGS[r], ...counts[r] })) });
    return renderPage(req, reply, {
      title: 'Users',
      body: <RoleOverview title="Users" subtitle="Everyone who works on the platform, by role." roles={ROLES} counts={counts} />,
    });
  });

  web.get('/users/team', { config: { can: isManager } }, async (req, reply) => {
    const roles = [...(TEAM_ROLES[req.user!.role] ?? []), 'seller'] as Role[];
    const counts = await countByRole(web.db, req.user!, roles);
    if (wantsJson(req)) return reply.send({ data: roles.map((r) => ({ role: r, slug: ROLE_SLUGS[r], ...counts[r] })) });
    return renderPage(req, reply, {
      title: 'Team',
      body: (
        <RoleOverview
          title="Your team"
          subtitle="The people assigned to you, and the sellers you work for."
          roles={roles}
          counts={counts}
        />
      ),
    });
  });

  web.get<RoleRoute>('/users/:role', any, async (req, reply) => {
    const role = listRole(req);
    const page = await listUsers(web.db, req.user!, role, userList(req));
    if (wantsJson(req)) return reply.send({ data: page.rows.map(presentUser), meta: page.meta });
    const options = req.user!.role === 'admin' ? await formOptions(web, req.user!, role, true) : {};
    const accounts = role === 'seller' && req.user!.role !== 'seller' ? await accountOptions(web.db) : undefined;
    return renderPage(req, reply, {
      title: role === 'seller' && req.user!.role === 'seller' ? 'Team' : ROLE_PLURALS[role],
      body: <UsersList role={role} rows={page.rows} meta={page.meta} accounts={accounts} managers={options.managers} />,
    });
  });

  web.get<RoleRoute>('/users/:role/create', any, async (req, reply) => {
    const role = listRole(req);
    if (!mayCreate(req.user!, role)) throw forbidden();
    const preset = { account_id: queryText(req, 'account_id'), manager_id: queryText(req, 'manager_id') };
    const noun = nounOf(role, req.user!);
    return renderFormPage(req, reply, {
      title: `New ${noun}`,
      subtitle:
        role === 'seller' && req.user!.role === 'seller' ? 'They log in to your shop with their own email and password.' : undefined,
      back: { href: usersUrl(role), label: req.user!.role === 'seller' ? 'Team' : ROLE_PLURALS[role] },
      form: <UserForm role={role} options={await formOptions(web, req.user!, role, true)} preset={preset} />,
    });
  });

  web.post<RoleRoute>('/users/:role/store', any, async (req, reply) => {
    const role = listRole(req);
    if (!mayCreate(req.user!, role)) throw forbidden();
    const input = await checkUserInput(web.db, { viewer: req.user!, role }, formBody(req));
    const created = await web.db.tx(async (q) => {
      const accountId = role === 'seller' ? input.account_id! : null;
      const id = await insertUser(q, role, accountId, input);
      const { password: _p, ...logged } = input;
      void _p;
      await audit(q, req.user!, 'users.create', { type: 'user', id, accountId }, { role, ...logged });
      return (await findUser(q, req.user!, role, id))!;
    });
    const noun = nounOf(role, req.user!);
    return done(req, reply, {
      message: `${created.full_name} is added as ${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}.`,
      redirect: userUrl(created),
      data: presentUser(created),
      status: 201,
    });
  });

  web.get<UserRoute>('/users/:role/:id/show', any, async (req, reply) => {
    const user = await target(web, req);
    if (wantsJson(req)) return reply.send({ data: presentUser(user) });
    const [labels, reports] = await Promise.all([
      assignmentLabels(web.db, user),
      Object.values(MANAGED_BY).some((r) => r.includes(user.role)) ? directReports(web.db, user.id) : [],
    ]);
    return renderPage(req, reply, { title: user.full_name, body: <UserPage user={user} labels={labels} reports={reports} /> });
  });

  web.get<UserRoute>('/users/:role/:id/edit', any, async (req, reply) => {
    const user = await target(web, req, 'update');
    return renderFormPage(req, reply, {
      title: `Edit ${user.full_name}`,
      subtitle: ROLE_LABELS[user.role],
      back: { href: userUrl(user), label: user.full_name },
      form: <UserForm role={user.role} user={user} options={await formOptions(web, req.user!, user.role, false)} />,
    });
  });

  const update = async (req: FastifyRequest<UserRoute>, reply: FastifyReply) => {
    const before = await target(web, req, 'update');
    const input = await checkUserInput(web.db, { viewer: req.user!, role: before.role, existing: before }, formBody(req));
    const after = await web.db.tx(async (q) => {
      const changes = await updateUser(q, before as unknown as Record<string, unknown> & { id: string }, input);
      if (Object.keys(changes).length > 0) {
        await audit(q, req.user!, 'users.update', { type: 'user', id: before.id, accountId: before.account_id }, changes);
      }
      if ('status' in changes || 'products_ids_to_confirm' in changes) await unassignUnservable(q, [before.id]);
      // A deactivated user is logged out at once; a new password ends their other sessions.
      if (input.status === 'inactive' && 'status' in changes) await endUserSessions(q, before.id);
      else if (changes.credentials) await endUserSessions(q, before.id, before.id === req.user!.id ? req.session.sessionId : undefined);
      return (await findUser(q, req.user!, before.role, before.id))!;
    });
    if (after.status !== before.status) web.bearer.forgetAll();
    return done(req, reply, { message: `${after.full_name} is updated.`, redirect: userUrl(after), data: presentUser(after) });
  };
  route<UserRoute>('PATCH', '/users/:role/:id/update', any, update);
  route<UserRoute>('PUT', '/users/:role/:id/update', any, update);

  for (const [action, status] of [
    ['activate', 'active'],
    ['deactivate', 'inactive'],
  ] as const) {
    route<UserRoute>('PATCH', `/users/:role/:id/${action}`, any, async (req, reply) => {
      const before = await target(web, req, 'activate');
      const after = await web.db.tx(async (q) => {
        if (await setUserStatus(q, before.id, status)) {
          await audit(
            q,
            req.user!,
            `users.${action}`,
            { type: 'user', id: before.id, accountId: before.account_id },
            { status: [before.status, status] },
          );
        }
        if (status === 'inactive') await endUserSessions(q, before.id);
        return (await findUser(q, req.user!, before.role, before.id))!;
      });
      web.bearer.forgetAll();
      return done(req, reply, {
        message:
          status === 'active' ? `${after.full_name} can log in again.` : `${after.full_name} is deactivated and logged out everywhere.`,
        redirect: backUrl(req, userUrl(after)),
        data: presentUser(after),
      });
    });
  }

  route<RoleRoute>('DELETE', '/users/:role/delete', any, async (req, reply) => {
    const role = listRole(req);
    if (!userPolicy(role).authorize(req.user!, 'delete')) throw forbidden();
    const { ids } = validate(deleteBody, formBody(req));
    const users = await Promise.all([...new Set(ids)].map((id) => findUser(web.db, req.user!, role, id)));
    if (users.some((u) => !u)) throw notFound();
    const self = ids.indexOf(req.user!.id);
    if (self >= 0) {
      // No button offers it (a forged post): a page has no field to show `ids.N` beside, so it is told in the flash.
      const message = 'You cannot delete your own user.';
      if (wantsJson(req)) throw invalid({ [`ids.${self}`]: [message] });
      return refuseBack(req, reply, message, usersUrl(role));
    }
    await web.db.tx(async (q) => {
      await deleteUsers(
        q,
        users.map((u) => u!.id),
      );
      for (const u of users)
        await audit(
          q,
          req.user!,
          'users.delete',
          { type: 'user', id: u!.id, accountId: u!.account_id },
          { full_name: u!.full_name, email: u!.email },
        );
    });
    web.bearer.forgetAll();
    const message = users.length === 1 ? `${users[0]!.full_name} is removed.` : `${users.length} users are removed.`;
    return done(req, reply, { message, redirect: usersUrl(role) });
  });

  web.post<UserRoute>('/users/:id/impersonate', { config: { can: (u) => u.role === 'admin' } }, async (req, reply) => {
    const { id } = validate(idParam, req.params);
    const who = await findUserById(web.db, id);
    if (!who) throw notFound();
    if (!mayAct(req.user!, 'impersonate', who)) throw forbidden();
    if (!who.usable) {
      const message = `${who.full_name} cannot log in (inactive user or account): activate them first.`;
      if (wantsJson(req)) throw invalid({ id: [message] });
      return refuseBack(req, reply, message, userUrl(who));
    }
    const admin = req.user!;
    await audit(web.db, admin, 'users.impersonate', { type: 'user', id: who.id, accountId: who.account_id });
    await req.session.regenerate();
    req.session.userId = who.id;
    req.session.impersonatorId = admin.id;
    req.session.lastSeen = Date.now();
    return done(req, reply, { message: `You are now logged in as ${who.full_name}.`, redirect: '/' });
  });

  web.post('/impersonate/leave', { config: { can: (u) => Boolean(u.impersonator) } }, async (req, reply) => {
    const user = req.user!;
    const admin = user.impersonator!;
    await audit(web.db, user, 'users.impersonate.leave', { type: 'user', id: user.id, accountId: user.account_id });
    await req.session.regenerate();
    req.session.userId = admin.id;
    req.session.lastSeen = Date.now();
    return done(req, reply, { message: `Welcome back, ${admin.full_name}.`, redirect: userUrl(user) });
  });
}
