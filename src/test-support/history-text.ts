/** The text of some HTML: tags out, spaces folded. */
export const htmlText = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** A timeline's rows as text, oldest first: each row's head, its changes and its comment (not who or when). */
export const timelineRows = (html: string) =>
  [...html.matchAll(/<li class="timeline-item[^"]*">([\s\S]*?)<\/li>\s*(?=<li class="timeline-item|<\/ol>)/g)].map((m) =>
    htmlText(m[1].replace(/<div class="timeline-meta">[\s\S]*?<\/div>/, '')),
  );

/** A history list's "Change" cells (/lead-histories, /orders-histories), newest first. */
export const historyListChanges = (html: string) =>
  [...html.matchAll(/<td[^>]*data-label="Change"[^>]*>([\s\S]*?)<\/td>/g)].map((m) => htmlText(m[1]));
