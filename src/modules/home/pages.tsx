import type { FastifyInstance } from 'fastify';
import type { Queryable } from '../../db/database.js';
import { addNav, NAV } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import type { WebUser } from '../../web/types.js';
import type { Role } from '../../core/roles.js';
import { Card, Kpi, PageHeader, TableWrap } from '../../web/ui.js';
import { ROLE_LABELS } from '../../web/labels.js';
import { LEAD_STATUSES } from '../leads/transitions.js';
import { ORDER_STATUSES } from '../orders/transitions.js';
import { balanceOf, type Balance } from '../ledger/queries.js';
import { BalanceKpis } from '../ledger/views.js';
import { sendRound } from '../deliveries/pages.js';
import { stockFigures, type StockFigures } from '../stocks/queries.js';
import { homePeriods } from '../../lib/time-zone.js';
import { leadAccess, type LeadScope } from '../leads/queries.js';

type Counts = Record<string, number>;
interface Figures {
  leads: { today: Counts; month: Counts };
  orders: { today: Counts; month: Counts };
  /** Orders that reached shipped, delivered or returned in the period, whenever they were created. */
  moves: { today: Counts; month: Counts };
}

/**
 * Leads and orders today and over the last 30 days, by status, as the viewer's leads list scopes
 * them (leadAccess): one account, a team's (the records with a line of one of `productIds`), or all.
 */
async function homeFigures(q: Queryable, scope: LeadScope, { today, month }: { today: Date; month: Date }): Promise<Figures> {
  // Every count by status, today (since $3) and over the 30 days (since $4), of the viewer's scope ($1, $2).
  const byPeriod = async (sql: string) => {
    const { rows } = await q.query<{ status: string; today: number; month: number }>(sql, [
      scope.accountId,
      scope.productIds ?? null,
      today,
      month,
    ]);
    return {
      today: Object.fromEntries(rows.map((r) => [r.status, r.today])),
      month: Object.fromEntries(rows.map((r) => [r.status, r.month])),
    };
  };
  const created = (table: 'leads' | 'orders') => {
    const lines = table === 'leads' ? 'SELECT lead_id FROM lead_lines WHERE' : 'SELECT order_id FROM order_lines WHERE';
    return byPeriod(
      `SELECT status, count(*) FILTER (WHERE created_at >= $3)::int AS today, count(*)::int AS month
         FROM ${table} WHERE deleted_at IS NULL AND created_at >= $4
          AND ($1::text IS NULL OR account_id = $1)
          AND ($2::text[] IS NULL OR id IN (${lines} product_id = ANY($2::text[]))) GROUP BY status`,
    );
  };
  // "Shipped today" and the delivery rate count the day of the move (statistics.md's orders), not
  // the day the order was created: an order confirmed yesterday and shipped today is today's.
  const moved = byPeriod(
    `SELECT h.new_status AS status, count(DISTINCT h.order_id) FILTER (WHERE h.created_at >= $3)::int AS today,
            count(DISTINCT h.order_id)::int AS month
       FROM order_histories h JOIN orders o ON o.id = h.order_id AND o.deleted_at IS NULL
      WHERE h.created_at >= $4 AND h.new_status IN ('shipped', 'delivered', 'returned')
        AND h.old_status IS DISTINCT FROM h.new_status
        AND ($1::text IS NULL OR h.account_id = $1)
        AND ($2::text[] IS NULL OR h.order_id IN (SELECT order_id FROM order_lines WHERE product_id = ANY($2::text[])))
      GROUP BY h.new_status`,
  );
  const [leads, orders, moves] = await Promise.all([created('leads'), created('orders'), moved]);
  return { leads, orders, moves };
}

const sum = (c: Counts) => Object.values(c).reduce((a, b) => a + b, 0);
const pct = (part: number, whole: number) => (whole === 0 ? '—' : `${Math.round((part / whole) * 100)} %`);

function StatusTable(p: { title: string; statuses: readonly string[]; figures: { today: Counts; month: Counts } }) {
  return (
    <Card title={p.title} region={false}>
      <TableWrap label={p.title}>
        <table class="table keep-columns">
          <caption class="sr-only">{p.title}</caption>
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Today
              </th>
              <th scope="col" class="num">
                Last 30 days
              </th>
            </tr>
          </thead>
          <tbody>
            {p.statuses.map((s) => (
              <tr>
                <td data-label="Status">{s.replace('_', ' ')}</td>
                <td data-label="Today" class="num">
                  {p.figures.today[s] ?? 0}
                </td>
                <td data-label="Last 30 days" class="num">
                  {p.figures.month[s] ?? 0}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </Card>
  );
}

/**
 * The KPIs of one period (dashboard.md: leads in, confirmation rate, orders shipped, delivery rate).
 * The confirmation rate is statistics.md's, the agents' board's: confirmed ÷ (confirmed + canceled +
 * wrong); a duplicate is the system's call at intake, not a decision on a call.
 */
function periodKpis(leads: Counts, moves: Counts) {
  const decided = ['confirmed', 'canceled', 'wrong'].reduce((n, s) => n + (leads[s] ?? 0), 0);
  const closed = (moves.delivered ?? 0) + (moves.returned ?? 0);
  return {
    leads: sum(leads),
    confirmation: pct(leads.confirmed ?? 0, decided),
    shipped: moves.shipped ?? 0,
    delivery: pct(moves.delivered ?? 0, closed),
  };
}

function Dashboard({ user, f, scope, balance }: { user: WebUser; f: Figures; scope: string; balance?: Balance }) {
  const today = periodKpis(f.leads.today, f.moves.today);
  const month = periodKpis(f.leads.month, f.moves.month);
  return (
    <>
      <PageHeader title={`Welcome, ${user.full_name}`} subtitle={scope} />
      <div class="kpis">
        <Kpi label="Leads today" value={today.leads} />
        <Kpi label="Leads, 30 days" value={month.leads} />
        <Kpi label="Confirmation rate today" value={today.confirmation} hint="confirmed ÷ (confirmed + canceled + wrong)" />
        <Kpi label="Confirmation rate, 30 days" value={month.confirmation} hint="confirmed ÷ (confirmed + canceled + wrong)" />
        <Kpi label="Orders shipped today" value={today.shipped} />
        <Kpi label="Orders shipped, 30 days" value={month.shipped} />
        <Kpi label="Delivery rate today" value={today.delivery} hint="delivered ÷ (delivered + returned)" />
        <Kpi label="Delivery rate, 30 days" value={month.delivery} hint="delivered ÷ (delivered + returned)" />
      </div>
      {balance && (
        <Card title="Your money">
          <BalanceKpis balance={balance} />
          <p>
            <a href="/balance-histories">See the ledger</a> · <a href="/invoices">Payouts</a>
          </p>
        </Card>
      )}
      <div class="grid-2">
        <StatusTable title="Leads by status" statuses={LEAD_STATUSES} figures={f.leads} />
        <StatusTable title="Orders by status" statuses={ORDER_STATUSES} figures={f.orders} />
      </div>
    </>
  );
}

/** A stock manager's own view: the stocks of the warehouses they manage (domain.md). */
function StockDashboard({ user, f }: { user: WebUser; f: StockFigures }) {
  return (
    <>
      <PageHeader title={`Welcome, ${user.full_name}`} subtitle="Your warehouses" />
      <div class="kpis">
        <Kpi label="Stocks" value={f.stocks} />
        <Kpi label="Units on hand" value={f.quantity} hint={`${f.reserved} reserved for orders`} />
        <Kpi label="Low stock" value={<a href="/stocks?low_stock=1">{f.low}</a>} hint="available at or under the warning quantity" />
        <Kpi label="Units in today" value={f.inToday} />
        <Kpi label="Units in, 30 days" value={f.inMonth} />
        <Kpi label="Units out today" value={f.outToday} />
        <Kpi label="Units out, 30 days" value={f.outMonth} />
      </div>
      <p>
        <a href="/stocks">Stocks</a> · <a href="/stocks-histories">Stock histories</a> · <a href="/warehouses">Warehouses</a>
      </p>
    </>
  );
}

/** Staff with figures of leads and orders: every account's, or their team's for the managers (leadAccess). */
const KPI_ROLES = new Set<Role>(['admin', 'manager-leader', 'manager', 'call-center-manager', 'follow-up-agent']);

export async function homePages(web: FastifyInstance) {
  addNav({ label: 'Home', href: '/', icon: 'home', visible: (u) => u.role !== 'delivery' });

  web.get('/', async (req, reply) => {
    const user = req.user!;
    // A courier's home is their round (the /deliveries page), no dashboard of figures.
    if (user.role === 'delivery') return sendRound(req, reply);
    // An agent lands on their call queue (dashboard.md).
    if (user.role === 'agent') return reply.redirect('/call-centre');
    // The figures of the leads the viewer's list shows: a seller their shop's, a manager their team's, others all.
    if (user.role === 'seller' || KPI_ROLES.has(user.role)) {
      const { scope } = await leadAccess(web.db, user);
      const f = await homeFigures(web.db, scope, homePeriods(web.config.timezone));
      const balance = user.role === 'seller' ? await balanceOf(web.db, user.account_id!) : undefined;
      const title = user.role === 'seller' ? 'Your shop' : scope.productIds ? 'Your team' : 'All accounts';
      return renderPage(req, reply, { title: 'Home', body: <Dashboard user={user} f={f} scope={title} balance={balance} /> });
    }
    if (user.role === 'stock-manager') {
      return renderPage(req, reply, {
        title: 'Home',
        body: <StockDashboard user={user} f={await stockFigures(web.db, user, homePeriods(web.config.timezone))} />,
      });
    }
    return renderPage(req, reply, {
      title: 'Home',
      body: (
        <>
          <PageHeader title={`Welcome, ${user.full_name}`} subtitle={ROLE_LABELS[user.role]} />
          <Card title="Your work">
            <ul class="work-links">
              {NAV.filter((n) => n.href !== '/' && n.visible(user)).map((n) => (
                <li>
                  <a class="btn btn-primary" href={n.href}>
                    {n.label}
                  </a>
                </li>
              ))}
            </ul>
          </Card>
        </>
      ),
    });
  });
}
