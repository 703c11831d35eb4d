// The call screen's keyboard shortcuts (call-centre.md): 1 no reply, 2 call later, 3 confirmed,
// 4 canceled, 5 wrong pick the outcome; the field that outcome needs gets the focus.
(function () {
  var form = document.querySelector('.outcome-form');
  if (!form) return;
  var needs = { call_later: 'f-callback_at', canceled: 'f-cancel_reason' };
  document.addEventListener('keydown', function (e) {
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
