// The agent statistics' chart: calls and confirmations per day, week or month, drawn by uPlot (served at /vendor/uplot/).
/* global uPlot, ResizeObserver */
(function () {
  var el = document.getElementById('agents-chart');
  if (!el || typeof uPlot === 'undefined') return;
  var days = JSON.parse(el.getAttribute('data-days') || '[]');
  if (!days.length) return;
  // What a point is (statistics.ts chartBucket): a day, a week from its Monday, or a month.
  var bucket = el.getAttribute('data-bucket') || 'day';
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
  // A point is a day of the platform's zone, placed at its midnight UTC and read on UTC's calendar:
  // the browser's put it on another day away from UTC (and showed an hour in the legend).
  var utc = function (ts) {
    return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');
  };
  var unit = { day: 'Day', week: 'Week from', month: 'Month' }[bucket] || 'Day';
  var fmtTick = uPlot.fmtDate(bucket === 'month' ? '{MMM}' : '{MMM} {D}');
  var fmtYear = uPlot.fmtDate('{YYYY}');
  // Its box's width, within bounds: read again whenever the box changes (a window turned or resized),
  // or a chart drawn at 1280 px kept that width on a phone-sized window.
  var widthOf = function () {
    return Math.max(280, Math.min(el.clientWidth || 800, 1100));
  };
  // Half a point on either side: a range of one day (a single point) otherwise gets an axis of years.
  var half = (xs.length > 1 ? xs[1] - xs[0] : { day: 86400, week: 7 * 86400, month: 30 * 86400 }[bucket] || 86400) / 2;
  var chart = new uPlot(
    {
      width: widthOf(),
      height: 260,
      scales: {
        x: { time: true, auto: false, range: [xs[0] - half, xs[xs.length - 1] + half] },
        // Whole calls from zero: a quiet range drew 0.2, 0.4… calls, and a busy one started above zero.
        y: {
          range: function (u, min, max) {
            return [0, Math.max(1, Math.ceil(max * 1.1))];
          },
        },
      },
      tzDate: utc,
      series: [
        { label: unit, value: bucket === 'month' ? '{YYYY}-{MM}' : '{YYYY}-{MM}-{DD}' },
        { label: 'Calls', stroke: '#2563eb', width: 2 },
        { label: 'Confirmed', stroke: '#16a34a', width: 2 },
      ],
      axes: [
        {
          // The ticks are the points themselves (every nth when they would crowd), labelled by their
          // day, week or month: uPlot's own ticks put hours (12am, 12pm) and a day before the range.
          splits: function (u) {
            var room = Math.max(1, Math.floor(u.bbox.width / (window.devicePixelRatio || 1) / 56));
            var every = Math.ceil(xs.length / room);
            return xs.filter(function (x, i) {
              return i % every === 0;
            });
          },
          values: function (u, splits) {
            return splits.map(function (x, i) {
              var d = utc(x);
              var year = i === 0 || fmtYear(utc(splits[i - 1])) !== fmtYear(d);
              return fmtTick(d) + (year || bucket === 'month' ? '\n' + fmtYear(d) : '');
            });
          },
        },
        {
          label: 'Calls',
          incrs: [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1e3, 2e3, 2500, 5e3, 1e4, 2e4, 25e3, 5e4, 1e5, 2e5, 5e5, 1e6],
        },
      ],
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
