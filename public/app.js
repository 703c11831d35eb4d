// Small enhancements; every page works without them.

// The phone menu: a toggle with aria-expanded, closed by the dimmed page behind it and by Escape.
const menuButton = document.querySelector('[data-menu-toggle]');
if (menuButton) {
  const shell = menuButton.closest('.shell');
  const setOpen = (open) => {
    shell.classList.toggle('menu-open', open);
    menuButton.setAttribute('aria-expanded', String(open));
    if (!open && window.location.hash === '#main-nav')
      window.history.replaceState(null, '', window.location.pathname + window.location.search);
  };
  menuButton.addEventListener('click', (e) => {
    e.preventDefault();
    setOpen(!shell.classList.contains('menu-open'));
  });
  document.querySelector('[data-menu-close]')?.addEventListener('click', (e) => {
    e.preventDefault();
    setOpen(false);
  });
  // A link with role=button answers Space as a button does (on its own a link takes only Enter, and
  // Space scrolled the page).
  menuButton.addEventListener('keydown', (e) => {
    if (e.key !== ' ') return;
    e.preventDefault();
    setOpen(!shell.classList.contains('menu-open'));
  });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || !shell.classList.contains('menu-open')) return;
    // The closed drawer is hidden: the focus inside it would be lost, so it goes back to the button.
    const inside = document.getElementById('main-nav')?.contains(document.activeElement);
    setOpen(false);
    if (inside) menuButton.focus();
  });
  // Tab past the drawer's last entry closes it: the page the focus moves to lies under the drawer
  // and its dimmed backdrop. (Back up into the top bar, still in view, leaves it open.)
  document.getElementById('main-nav')?.addEventListener('focusout', (e) => {
    const to = e.relatedTarget;
    if (shell.classList.contains('menu-open') && to instanceof Element && !to.closest('#main-nav, .topbar')) setOpen(false);
  });
}
// The user menu (a <details> over the page) closes as a menu does: Escape closes it and gives the focus
// back to its button; the focus leaving it (Tab past Log out) closes it, as it stayed open over the
// page's own buttons on a phone, hiding the ones the focus moved to.
const userMenu = document.querySelector('.user-menu details');
if (userMenu) {
  userMenu.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || !userMenu.open) return;
    userMenu.open = false;
    userMenu.querySelector('summary')?.focus();
  });
  userMenu.addEventListener('focusout', (e) => {
    if (e.relatedTarget instanceof Element && !userMenu.contains(e.relatedTarget)) userMenu.open = false;
  });
}
// A menu taller than the screen scrolls on its own: the current page's entry is brought into it.
const current = document.querySelector('.nav-groups a[aria-current="page"]');
const menu = current?.closest('.nav-groups');
if (menu && menu.scrollHeight > menu.clientHeight && current.offsetTop + current.offsetHeight > menu.clientHeight)
  menu.scrollTop = current.offsetTop - menu.clientHeight / 2;

// A refused form comes back with its first wrong field focused, so the keyboard, a screen reader
// (the field's label and message) and a phone's screen land on it, even far down a long form.
document.querySelector('main [aria-invalid="true"]')?.focus();

document.addEventListener('submit', (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement)) return;
  // A bulk form whose row checkboxes live in the table: with none ticked, say so instead of asking.
  const rows = form.id ? document.querySelectorAll(`input[type=checkbox][form="${form.id}"]`) : [];
  if (rows.length > 0 && ![...rows].some((r) => r.checked)) {
    e.preventDefault();
    let note = form.querySelector('[data-empty-note]');
    if (!note) {
      note = document.createElement('span');
      // Polite but not a status: the page's one status is its flash (a reader asking for it finds one).
      note.setAttribute('aria-live', 'polite');
      note.setAttribute('data-empty-note', '');
      note.className = 'form-note';
      form.append(note);
    }
    note.textContent = form.dataset.empty || 'Tick at least one row first.';
    return;
  }
  // A form that changes something is sent once: a second click while the first is on its way
  // (a double-click on "Send notification") would do it twice. A download leaves the page in place,
  // so the guard lapses after a few seconds; a page restored from the back button starts afresh.
  if (form.method === 'post' && form.dataset.sentAt && Date.now() - Number(form.dataset.sentAt) < 5000) {
    e.preventDefault();
    return;
  }
  // A form with several actions asks for the button's own confirmation, if any.
  const confirmText = e.submitter?.dataset.confirm ?? form.dataset.confirm;
  if (confirmText && !window.confirm(confirmText)) e.preventDefault();
  if (!e.defaultPrevented && form.method === 'post') form.dataset.sentAt = String(Date.now());
});
window.addEventListener('pageshow', (e) => {
  if (e.persisted) for (const form of document.forms) delete form.dataset.sentAt;
});
// A page's success message is announced: screen readers read a live region's changes, not the text
// it had at load, so its empty twin (web/layout.tsx) is filled once the page has settled.
for (const region of document.querySelectorAll('[data-announce]')) {
  setTimeout(() => {
    region.textContent = region.getAttribute('data-announce');
  }, 250);
}
document.addEventListener('click', async (e) => {
  const button = e.target instanceof Element ? e.target.closest('[data-copy]') : null;
  if (!button) return;
  const id = button.getAttribute('data-copy');
  const target = document.getElementById(id);
  if (!target) return;
  // The outcome in the button and in its live region: a button's new text is not announced.
  const status = document.querySelector(`[data-copy-status="${id}"]`);
  if (status) status.textContent = ''; // a second click is announced again
  const say = (text) => {
    button.textContent = text;
    if (status) status.textContent = text;
  };
  try {
    await navigator.clipboard.writeText(target.textContent.trim());
    say('Copied');
  } catch {
    const range = document.createRange();
    range.selectNodeContents(target);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    say('Press Ctrl+C');
  }
});

// Job progress bars (src/web/job-progress.tsx): poll GET /jobs/{id} until the job ends.
const jobText = (job) => {
  const processed = job.done + job.failed;
  const counts = job.total > 0 ? ` ${processed} of ${job.total} processed${job.failed ? `, ${job.failed} failed` : ''}.` : '';
  if (job.status === 'queued') return processed > 0 ? `Waiting to resume:${counts}` : 'Waiting to start.';
  if (job.status === 'running') return `Running:${counts || ' started.'}`;
  if (job.status === 'done') return `Done:${counts || ' finished.'}`;
  return `Failed:${counts || ' stopped.'}`;
};
const watchJob = (box) => {
  const bar = box.querySelector('progress');
  const text = box.querySelector('[data-job-text]');
  const final = box.querySelector('[data-job-final]');
  const errors = box.querySelector('[data-job-errors]');
  const result = box.querySelector('[data-job-result]');
  const retry = box.querySelector('[data-job-retry]');
  box.querySelector('[data-job-refresh]')?.setAttribute('hidden', '');
  const poll = async () => {
    let job;
    try {
      const res = await fetch(box.dataset.job, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (!res.ok) return setTimeout(poll, 5000);
      job = (await res.json()).data;
    } catch {
      return setTimeout(poll, 5000);
    }
    box.dataset.status = job.status;
    if (job.total > 0) {
      bar.max = job.total;
      bar.value = job.done + job.failed;
    }
    text.textContent = jobText(job);
    if (retry && job.status !== 'queued') retry.hidden = true; // the next attempt has started
    if (job.errors.length) {
      errors.textContent = job.errors.length === 1 ? 'See the error' : `See the ${job.errors.length} errors`;
      errors.hidden = false;
    }
    if (job.status === 'done' || job.status === 'failed') {
      // A page listing what the job changed (the orders left to push) shows the list as it is now.
      if (box.dataset.jobReload) return window.location.reload();
      if (job.total === 0) bar.value = bar.max = 1;
      const summary = typeof job.result?.message === 'string' ? job.result.message : undefined;
      final.textContent =
        job.status === 'done'
          ? `The job is done.${summary ? ` ${summary}` : ''}`
          : `The job failed: ${summary ?? job.errors.at(-1)?.message ?? 'see its errors.'}`;
      const url = job.result?.url;
      if (result && typeof url === 'string' && url.startsWith('/')) {
        result.href = url;
        result.hidden = false;
      }
      return;
    }
    setTimeout(poll, 1000);
  };
  poll();
};
document.querySelectorAll('[data-job]').forEach((box) => {
  if (box.dataset.status !== 'done' && box.dataset.status !== 'failed') watchJob(box);
});

// Product lines of a hand-made lead or order: choosing a product fills in its catalogue price (and a
// quantity of 1) unless the user typed their own; the field stays editable.
document.addEventListener('change', (e) => {
  const select = e.target;
  if (!(select instanceof HTMLSelectElement) || !/^products\[\d+\]\[sku\]$/.test(select.name)) return;
  const row = select.closest('.line-row');
  const price = row?.querySelector('input[name$="[price]"]');
  const quantity = row?.querySelector('input[name$="[quantity]"]');
  const chosen = select.selectedOptions[0]?.dataset.price;
  if (price && chosen !== undefined && (price.value === '' || price.dataset.filled === price.value)) {
    price.value = chosen;
    price.dataset.filled = chosen;
  }
  if (quantity && quantity.value === '' && select.value !== '') quantity.value = '1';
});
// A saved line whose price is still the catalogue's follows the product when it changes.
for (const row of document.querySelectorAll('.line-row')) {
  const price = row.querySelector('input[name$="[price]"]');
  const listed = row.querySelector('select[name$="[sku]"]')?.selectedOptions[0]?.dataset.price;
  if (price && listed !== undefined && price.value !== '' && Number(price.value) === Number(listed)) price.dataset.filled = price.value;
}

// A form's "Add a line" and "Remove line N" (records/record-ui.tsx LineRows) act in place: without
// JavaScript they are submit buttons that send the form back with one row more or that line left out.
const renumberLines = (fieldset) => {
  const rows = fieldset.querySelectorAll('.line-row');
  rows.forEach((row, i) => {
    for (const el of row.querySelectorAll('[name^="products["]')) el.name = el.name.replace(/^products\[\d+\]/, `products[${i}]`);
    for (const el of row.querySelectorAll('[id^="f-products-"], [for^="f-products-"], [aria-describedby^="f-products-"]'))
      for (const attr of ['id', 'for', 'aria-describedby']) {
        const value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(/^f-products-\d+-/, `f-products-${i}-`));
      }
    for (const hint of row.querySelectorAll('label .sr-only')) hint.textContent = ` (line ${i + 1})`;
    const remove = row.querySelector('button[name="_lines"]');
    if (remove) {
      remove.value = `remove-${i}`;
      remove.setAttribute('aria-label', `Remove line ${i + 1}`);
    }
  });
  const add = fieldset.querySelector('.line-add');
  if (add) add.hidden = rows.length >= Number(fieldset.dataset.maxLines || Infinity);
  return rows;
};
// A blank row: no choice, no value, no message; a deleted product's own choice is not offered.
const blankLine = (row) => {
  for (const option of row.querySelectorAll('option')) {
    if (option.value !== '' && option.dataset.price === undefined) option.remove();
    else option.selected = option.defaultSelected = option.value === '';
  }
  for (const input of row.querySelectorAll('input')) {
    input.value = input.defaultValue = '';
    delete input.dataset.filled;
  }
  for (const list of row.querySelectorAll('.field-errors')) list.remove();
  for (const field of row.querySelectorAll('.has-error')) field.classList.remove('has-error');
  for (const el of row.querySelectorAll('[aria-invalid], [aria-describedby]')) {
    el.removeAttribute('aria-invalid');
    el.removeAttribute('aria-describedby');
  }
  return row;
};
const addLine = (fieldset) => {
  const rows = fieldset.querySelectorAll('.line-row');
  if (rows.length === 0) return undefined;
  const row = blankLine(rows[0].cloneNode(true));
  rows[rows.length - 1].after(row);
  renumberLines(fieldset);
  return row;
};
document.addEventListener('click', (e) => {
  const button = e.target instanceof Element ? e.target.closest('button[name="_lines"]') : null;
  const fieldset = button?.closest('fieldset.lines');
  if (!button || !fieldset) return;
  e.preventDefault();
  if (button.value === 'add') {
    addLine(fieldset)?.querySelector('select')?.focus();
    return;
  }
  const row = button.closest('.line-row');
  if (!row) return;
  // The only line removed leaves a blank one, as the form without JavaScript does.
  if (fieldset.querySelectorAll('.line-row').length === 1) {
    blankLine(row).querySelector('select')?.focus();
    return;
  }
  const next = row.nextElementSibling?.matches('.line-row') ? row.nextElementSibling : row.previousElementSibling;
  row.remove();
  renumberLines(fieldset);
  (next?.matches('.line-row') ? next.querySelector('select') : fieldset.querySelector('.line-add button'))?.focus();
});
