// The call screen's keyboard shortcuts (call-centre.md): 1 no reply, 2 call later, 3 confirmed,
// 4 canceled, 5 wrong pick the outcome; the field that outcome needs gets the focus.
// Single-key shortcuts can be turned off (WCAG 2.1.4): the "Keyboard shortcuts" checkbox, remembered
// in this browser (localStorage); on until turned off.
(function () {
  var form = document.querySelector('.outcome-form');
  if (!form) return;
  var needs = { call_later: 'f-callback_at', canceled: 'f-cancel_reason' };
  var STORED = 'codops.call-shortcuts';
  var toggle = document.getElementById('f-shortcuts');
  var show = function () {
    form.classList.toggle('shortcuts-off', !toggle.checked);
  };
  if (toggle) {
    try {
      toggle.checked = window.localStorage.getItem(STORED) !== 'off';
    } catch {
      // storage refused (a private window's settings): they stay on for this page
    }
    toggle.closest('.shortcut-toggle').hidden = false;
    show();
    toggle.addEventListener('change', function () {
      try {
        if (toggle.checked) window.localStorage.removeItem(STORED);
        else window.localStorage.setItem(STORED, 'off');
      } catch {
        // not remembered: the choice holds for this page
      }
      show();
    });
  }
  document.addEventListener('keydown', function (e) {
    if (toggle && !toggle.checked) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT') && t.type !== 'radio') return;
    var radio = form.querySelector('input[type=radio][data-key="' + e.key + '"]');
    if (!radio) return;
    e.preventDefault();
    radio.checked = true;
    var next = needs[radio.value] && document.getElementById(needs[radio.value]);
    if (radio.value === 'confirmed') {
      var details = form.querySelector('details.corrections');
      if (details) details.open = true;
    }
    (next || radio).focus();
  });
})();
