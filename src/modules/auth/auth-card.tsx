import type { ComponentChildren } from 'preact';
import { asset } from '../../web/assets.js';

/** The card of the signed-out pages (log in, reset, setup). */
export function AuthCard(p: { title: string; children: ComponentChildren }) {
  return (
    <div class="auth-card">
      <a href="/login" class="brand">
        <img src={asset('favicon.svg')} alt="" width="28" height="28" /> codops
      </a>
      <h1>{p.title}</h1>
      {p.children}
    </div>
  );
}
