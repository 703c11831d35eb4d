// The agent statistics' chart: calls and confirmations per day, week or month, drawn by uPlot (served at /vendor/uplot/).
/* global uPlot, ResizeObserver */
(function () {
  var el = document.getElementById('agents-chart');
  if (!el || typeof uPlot === 'undefined') return;
  var days = JSON.parse(el.getAttribute('data-days') || '[]');
  if (!days.length) return;
  var xs = days.map(function (d) {
    return Date.parse(d.day + 'T00:00:00Z') / 1000;
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
  // Its box's width, within bounds: read again whenever the box changes (a window turned or resized),
  // or a chart drawn at 1280 px kept that width on a phone-sized window.
  var widthOf = function () {
    return Math.max(280, Math.min(el.clientWidth || 800, 1100));
  };
  var chart = new uPlot(
    {
      width: widthOf(),
      height: 260,
      // Half a day on either side: a range of one day (a single point) otherwise gets an axis of years.
      scales: {
        x: { time: true, auto: false, range: [xs[0] - 43200, xs[xs.length - 1] + 43200] },
      },
      // A point is a day of the platform's zone, placed at its midnight UTC and read on UTC's calendar:
      // the browser's put it on another day away from UTC (and showed an hour in the legend).
      tzDate: function (ts) {
        return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');
      },
      series: [
        { label: 'Day', value: '{YYYY}-{MM}-{DD}' },
        { label: 'Calls', stroke: '#2563eb', width: 2 },
        { label: 'Confirmed', stroke: '#16a34a', width: 2 },
      ],
      axes: [{}, { label: 'Calls' }],
    },
    data,
    el,
  );
  var resize = function () {
    if (chart.width !== widthOf()) chart.setSize({ width: widthOf(), height: 260 });
  };
  if (typeof ResizeObserver !== 'undefined') new ResizeObserver(resize).observe(el);
  else window.addEventListener('resize', resize);
})();
