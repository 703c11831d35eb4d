import type { Page } from 'playwright-core';

/**
 * What a reader would see as broken on the page: an element whose content is cut (table cells,
 * inputs, selects showing part of their choice, an empty input's hint, buttons), except inside a
 * container made to scroll; and form controls that overlap.
 */
export async function layoutProblems(page: Page): Promise<string[]> {
  // A string, not a function: tsx would add helpers (__name) the page does not have.
  return page.evaluate(LAYOUT_CHECK) as Promise<string[]>;
}

const LAYOUT_CHECK = `(() => {
  const out = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || s.visibility === 'hidden' || s.display === 'none') return false;
    const closed = el.closest('details:not([open])');
    return !closed || closed.querySelector(':scope > summary').contains(el);
  };
  const name = (el) =>
    el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
    ' "' + (el.value || el.textContent || '').trim().slice(0, 30) + '"';
  const ctx = document.createElement('canvas').getContext('2d');
  const textWidth = (el, text) => {
    const s = getComputedStyle(el);
    ctx.font = s.fontStyle + ' ' + s.fontWeight + ' ' + s.fontSize + ' ' + s.fontFamily;
    return ctx.measureText(text).width;
  };
  const cells = 'main td, main th, main button, main .btn, main textarea, header button, ' +
    'main input:not([type=checkbox]):not([type=radio]):not([type=hidden]):not([type=file])';
  for (const el of document.querySelectorAll(cells)) {
    if (!visible(el)) continue;
    if (el.scrollWidth > el.clientWidth + 1) out.push('content cut: ' + name(el) + ' (' + el.scrollWidth + ' > ' + el.clientWidth + ')');
  }
  for (const el of document.querySelectorAll('main select')) {
    if (!visible(el) || el.multiple) continue;
    const text = el.selectedOptions[0] ? el.selectedOptions[0].text : '';
    const s = getComputedStyle(el);
    const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    const need = textWidth(el, text);
    if (need > room + 1) out.push('choice cut: ' + name(el) + ' "' + text + '" (' + Math.round(need) + ' > ' + Math.round(room) + ')');
  }
  // An empty box's hint ("Reference, phone or nar…").
  for (const el of document.querySelectorAll('main input[placeholder]')) {
    if (!visible(el) || el.value) continue;
    const s = getComputedStyle(el);
    const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    const need = textWidth(el, el.placeholder);
    if (need > room + 1) out.push('hint cut: ' + name(el) + ' "' + el.placeholder + '" (' + Math.round(need) + ' > ' + Math.round(room) + ')');
  }
  // A word in a cell split over two lines ("Mar / rake / ch").
  for (const cell of document.querySelectorAll('main td, main th')) {
    if (!visible(cell)) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let broken = '';
    for (let node = walker.nextNode(); node && !broken; node = walker.nextNode()) {
      const re = /\\S+/g;
      let m;
      while ((m = re.exec(node.data)) && !broken) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1) broken = m[0];
      }
    }
    if (broken) out.push('word broken: ' + name(cell) + ' "' + broken + '"');
  }
  // An amount or a reference split over two lines anywhere ("10,000,248 / .50 MAD" in a card,
  // "ORD- / 00239"), or an IBAN inside one of its groups of 4: they are kept whole.
  const lines = (range) => new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  for (const el of document.querySelectorAll('main .money, main .ref, main .nowrap, main .iban')) {
    if (!visible(el)) continue;
    const range = document.createRange();
    if (!el.classList.contains('iban')) {
      range.selectNodeContents(el);
      if (lines(range) > 1) out.push('value broken: ' + name(el));
      continue;
    }
    const re = /\\S+/g;
    const text = el.firstChild;
    for (let m; text && (m = re.exec(text.data)); ) {
      range.setStart(text, m.index);
      range.setEnd(text, m.index + m[0].length);
      if (lines(range) > 1) out.push('value broken: ' + name(el) + ' "' + m[0] + '"');
    }
  }
  // A table that needs sideways scrolling at this width.
  for (const wrap of document.querySelectorAll('main .table-wrap')) {
    if (visible(wrap) && wrap.scrollWidth > wrap.clientWidth + 1) out.push('table scrolls sideways: ' + name(wrap.querySelector('table') || wrap) + ' (' + wrap.scrollWidth + ' > ' + wrap.clientWidth + ')');
  }
  if (document.documentElement.scrollWidth > document.documentElement.clientWidth + 1)
    out.push('page scrolls sideways (' + document.documentElement.scrollWidth + ' > ' + document.documentElement.clientWidth + ')');
  for (const form of document.querySelectorAll('main form')) {
    const controls = [...form.querySelectorAll('input:not([type=hidden]), select, textarea, button, label')].filter(visible);
    for (let i = 0; i < controls.length; i++)
      for (let j = i + 1; j < controls.length; j++) {
        const a = controls[i];
        const b = controls[j];
        if (a.contains(b) || b.contains(a) || a.control === b || b.control === a) continue;
        const r1 = a.getBoundingClientRect();
        const r2 = b.getBoundingClientRect();
        const w = Math.min(r1.right, r2.right) - Math.max(r1.left, r2.left);
        const h = Math.min(r1.bottom, r2.bottom) - Math.max(r1.top, r2.top);
        if (w > 2 && h > 2) out.push('overlap: ' + name(a) + ' and ' + name(b));
      }
  }
  return out;
})()`;
