import type { ComponentChildren } from 'preact';
import { navGroups } from './nav.js';
import { usePage } from './page-context.js';
import { ROLE_LABELS } from './labels.js';
import { pictureUrl } from './picture-url.js';
import { asset } from './assets.js';

function Icon({ name }: { name: string }) {
  return (
    <svg class="icon" aria-hidden="true" width="18" height="18">
      <use href={`${asset('icons.svg')}#${name}`} />
    </svg>
  );
}

/** The flash: a success, or a refusal with the messages no field of the page showed (the body is rendered first). */
function Flash() {
  const { flash, errors } = usePage();
  const unshown = errors.unshown();
  return (
    <>
      {flash.success && (
        <>
          <div class="flash flash-success" role="status">
            {flash.success}
          </div>
          {/* A live region's text present at load is not read out: public/app.js fills this twin after load. */}
          <div class="sr-only" aria-live="polite" data-announce={flash.success}></div>
        </>
      )}
      {(flash.error || unshown.length > 0) && (
        <div class="flash flash-error" role="alert">
          {flash.error}
          {unshown.length > 0 && (
            <ul class="plain-list">
              {unshown.map((m) => (
                <li>{m}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </>
  );
}

/** The notifications bell: a link to /notifications with the unread count (read by web/scope.ts loadUser). */
function Bell({ count }: { count: number }) {
  const label = count === 0 ? 'Notifications' : `Notifications, ${count} unread`;
  return (
    <a href="/notifications" class="bell" aria-label={label} title={label} data-bell>
      <Icon name="bell" />
      {count > 0 && (
        <span class="bell-count" aria-hidden="true">
          {count > 99 ? '99+' : count}
        </span>
      )}
    </a>
  );
}

function ImpersonationBanner() {
  const { user, csrf } = usePage();
  if (!user?.impersonator) return null;
  return (
    <div class="banner" role="region" aria-label="Impersonation">
      <span>
        You are logged in as <strong>{user.full_name}</strong> ({user.email}). {user.impersonator.full_name} is behind this session.
      </span>
      <form method="post" action="/impersonate/leave">
        <input type="hidden" name="_token" value={csrf} />
        <button type="submit" class="btn btn-small">
          Back to {user.impersonator.full_name}
        </button>
      </form>
    </div>
  );
}

export function Layout({ title, bare, children }: { title: string; bare?: boolean; children: ComponentChildren }) {
  const { user, csrf, url } = usePage();
  const groups = user ? navGroups(user) : [];
  const active = (href: string) => (href === '/' ? url.pathname === '/' : url.pathname === href || url.pathname.startsWith(href + '/'));
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · codops`}</title>
        <link rel="stylesheet" href={asset('app.css')} />
        <link rel="icon" href={asset('favicon.svg')} type="image/svg+xml" />
        <script src={asset('app.js')} defer></script>
      </head>
      <body class={bare || !user ? 'guest' : 'app'}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        {user && !bare ? (
          <div class="shell">
            <header class="topbar">
              {/* A link to the menu (it opens by :target without JavaScript); app.js makes it a toggle. */}
              <a href="#main-nav" class="menu-button" role="button" aria-controls="main-nav" aria-expanded="false" data-menu-toggle>
                <Icon name="menu" />
                <span class="sr-only">Menu</span>
              </a>
              <a href="/" class="brand">
                <img src={asset('favicon.svg')} alt="" width="24" height="24" /> codops
              </a>
              <Bell count={user.unread_notifications ?? 0} />
              <div class="user-menu">
                <details>
                  <summary>
                    <span class="avatar" aria-hidden="true">
                      {user.picture_path ? (
                        <img src={pictureUrl(user.picture_path)!} alt="" width="30" height="30" />
                      ) : (
                        user.full_name.slice(0, 1).toUpperCase()
                      )}
                    </span>
                    <span class="user-name">{user.full_name}</span>
                  </summary>
                  <div class="menu-panel">
                    <p class="menu-who">
                      {user.email}
                      <br />
                      <span class="muted">{ROLE_LABELS[user.role]}</span>
                    </p>
                    <a href="/settings/profile">Profile</a>
                    <a href="/settings/password">Password</a>
                    <form method="post" action="/logout">
                      <input type="hidden" name="_token" value={csrf} />
                      <button type="submit" class="linklike">
                        Log out
                      </button>
                    </form>
                  </div>
                </details>
              </div>
            </header>
            <nav class="sidebar" id="main-nav" aria-label="Main">
              <div class="nav-groups">
                {groups.map((g, i) => (
                  <>
                    {g.section && (
                      <p class="nav-section" id={`nav-section-${i}`}>
                        {g.section}
                      </p>
                    )}
                    <ul aria-labelledby={g.section ? `nav-section-${i}` : undefined}>
                      {g.items.map((n) => (
                        <li>
                          <a href={n.href} class={active(n.href) ? 'active' : undefined} aria-current={active(n.href) ? 'page' : undefined}>
                            <Icon name={n.icon} />
                            {n.label}
                          </a>
                        </li>
                      ))}
                    </ul>
                  </>
                ))}
              </div>
            </nav>
            <a href="#" class="backdrop" tabindex={-1} aria-hidden="true" data-menu-close></a>
            <main id="main" class="content">
              <ImpersonationBanner />
              <Flash />
              {children}
            </main>
          </div>
        ) : (
          <main id="main" class="guest-main">
            <Flash />
            {children}
          </main>
        )}
      </body>
    </html>
  );
}
