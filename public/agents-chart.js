// The agent statistics' chart: calls and confirmations per day, week or month, drawn by uPlot (served at /vendor/uplot/).
/* global uPlot */
(function () {
  var el = document.getElementById('agents-chart');
  if (!el || typeof uPlot === 'undefined') return;
  var days = JSON.parse(el.getAttribute('data-days') || '[]');
  if (!days.length) return;
  var xs = days.map(function (d) {
    return Date.parse(d.day + 'T12:00:00Z') / 1000;
  });
  var data = [
    xs,
    days.map(function (d) {
      return d.calls;
    }),
    days.map(function (d) {
      return d.confirmed;
    }),
  ];
  var width = Math.max(280, Math.min(el.clientWidth || 800, 1100));
  new uPlot(
    {
      width: width,
      height: 260,
      // Half a day on either side: a range of one day (a single point) otherwise gets an axis of years.
      scales: {
        x: { time: true, auto: false, range: [xs[0] - 43200, xs[xs.length - 1] + 43200] },
      },
      series: [{}, { label: 'Calls', stroke: '#2563eb', width: 2 }, { label: 'Confirmed', stroke: '#16a34a', width: 2 }],
      axes: [{}, { label: 'Calls' }],
    },
    data,
    el,
  );
})();
