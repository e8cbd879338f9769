// The population dashboard's drawing: reads the estimates embedded in the page (#pophealth-data) and draws them with the
// plotly.js inlined above it. Nothing is fetched. The page's static table and state line are written by the library, so
// the page reads without scripts; this adds the maps, the state picker's group chart and the ranking.
(function () {
  'use strict';
  document.documentElement.classList.add('js'); // the maps' room is kept only where they can be drawn
  var data = JSON.parse(document.getElementById('pophealth-data').textContent);
  var index = {};
  data.estimates.forEach(function (e) { index[[e.f || '', e.d, e.v, e.m].join('|')] = e; });
  function get(fips, dim, value, method) { return index[[fips || '', dim, value, method].join('|')]; }
  function fmt(x) { return x === null || x === undefined ? '–' : x.toFixed(1); }
  function interval(e) { return e && e.x !== null ? fmt(e.x) + ' % (' + fmt(e.lo) + '–' + fmt(e.hi) + ')' : 'not shown'; }
  var config = { displaylogo: false, displayModeBar: false, responsive: true };
  var shown = data.estimates.filter(function (e) { return e.d === 'all' && e.f && e.x !== null; }).map(function (e) { return e.x; });
  var low = Math.floor(Math.min.apply(null, shown.concat([100]))), high = Math.ceil(Math.max.apply(null, shown.concat([0])));
  var scale = [[0, '#fff7ec'], [0.25, '#fdd49e'], [0.5, '#fc8d59'], [0.75, '#d7301f'], [1, '#7f0000']];

  function mapFigure(method) {
    var tiles = data.states.filter(function (s) { return s.row !== null; });
    var est = tiles.map(function (s) { return get(s.fips, 'all', 'all', method); });
    var flagged = est.map(function (e) { return !!(e && e.p && method === 'direct'); });
    var trace = {
      type: 'scatter', mode: 'markers+text', x: tiles.map(function (s) { return s.col; }), y: tiles.map(function (s) { return -s.row; }),
      customdata: tiles.map(function (s) { return s.fips; }),
      text: tiles.map(function (s, i) { return s.abbr + (flagged[i] ? '*' : '') + '<br>' + fmt(est[i] && est[i].x); }),
      textfont: { size: 11, color: est.map(function (e) { return e && e.x !== null && (e.x - low) / Math.max(high - low, 1) > 0.6 ? '#fff' : '#1f2933'; }) },
      hovertext: tiles.map(function (s, i) {
        var e = est[i];
        return s.name + '<br>' + method + ': ' + interval(e) + (e && e.n !== null ? '<br>n = ' + e.n.toLocaleString('en-US') : '') +
          (flagged[i] ? '<br>partial sample: not the state\'s figure' : '') + (e && e.r ? '<br>' + e.r : '');
      }),
      hoverinfo: 'text',
      marker: {
        symbol: 'square', size: 40, cmin: low, cmax: high, colorscale: scale, showscale: method === 'model',
        color: est.map(function (e) { return e && e.x !== null ? e.x : null; }),
        opacity: flagged.map(function (f) { return f ? 0.4 : 1; }),
        line: { width: flagged.map(function (f) { return f ? 3 : 0.5; }), color: flagged.map(function (f) { return f ? '#9b2c2c' : '#bcccdc'; }) },
        colorbar: { title: { text: '%' }, thickness: 12 }
      }
    };
    var layout = {
      title: { text: method === 'model' ? 'Model-based (small-area) estimate' : 'Direct (survey-weighted) estimate', font: { size: 14 } },
      xaxis: { visible: false, range: [-0.7, 11.7] }, yaxis: { visible: false, range: [-7.7, 0.7], scaleanchor: 'x' },
      margin: { l: 10, r: 10, t: 40, b: 10 }, height: 420, plot_bgcolor: '#fff', paper_bgcolor: '#fff', showlegend: false
    };
    return { data: [trace], layout: layout };
  }

  function groupFigure(fips) {
    var dims = data.dimensions, y = [], traces = [];
    ['model', 'direct'].forEach(function (method, k) {
      var xs = [], lo = [], hi = [], labels = [];
      dims.forEach(function (d) {
        d.levels.forEach(function (level) {
          var e = get(fips, d.name, level, method);
          labels.push(d.name + ': ' + level);
          xs.push(e && e.x !== null ? e.x : null);
          lo.push(e && e.x !== null ? e.x - e.lo : null);
          hi.push(e && e.x !== null ? e.hi - e.x : null);
        });
      });
      y = labels;
      traces.push({ type: 'bar', orientation: 'h', name: method, y: labels, x: xs, marker: { color: k === 0 ? '#d7301f' : '#627d98' },
        error_x: { type: 'data', symmetric: false, array: hi, arrayminus: lo, thickness: 1, width: 2 } });
    });
    return { data: traces, layout: { barmode: 'group', height: Math.max(320, 26 * y.length), margin: { l: 200, r: 20, t: 10, b: 40 },
      xaxis: { title: { text: 'fair or poor health, % (95 % CI)' }, rangemode: 'tozero' }, yaxis: { autorange: 'reversed' },
      legend: { orientation: 'h', y: 1.05 } } };
  }

  function rankingFigure() {
    var states = data.states.filter(function (s) { return s.fips !== 'US' && (get(s.fips, 'all', 'all', 'model') || get(s.fips, 'all', 'all', 'direct')); });
    states.sort(function (a, b) {
      var x = get(a.fips, 'all', 'all', 'model'), z = get(b.fips, 'all', 'all', 'model');
      return ((x && x.x) || 0) - ((z && z.x) || 0);
    });
    var traces = ['model', 'direct'].map(function (method, k) {
      var est = states.map(function (s) { return get(s.fips, 'all', 'all', method); });
      return { type: 'scatter', mode: 'markers', name: method, y: states.map(function (s) { return s.name; }),
        x: est.map(function (e) { return e && e.x !== null ? e.x : null; }),
        marker: { color: k === 0 ? '#d7301f' : '#627d98', symbol: est.map(function (e) { return e && e.p && method === 'direct' ? 'x' : 'circle'; }), size: 8 },
        error_x: { type: 'data', symmetric: false, thickness: 1, width: 0,
          array: est.map(function (e) { return e && e.x !== null ? e.hi - e.x : null; }),
          arrayminus: est.map(function (e) { return e && e.x !== null ? e.x - e.lo : null; }) } };
    });
    return { data: traces, layout: { height: Math.max(400, 18 * states.length), margin: { l: 160, r: 20, t: 10, b: 40 },
      xaxis: { title: { text: '% (95 % CI); × = direct estimate from a partial sample' } }, legend: { orientation: 'h', y: 1.02 } } };
  }

  function draw(id, figure) { if (document.getElementById(id)) Plotly.newPlot(id, figure.data, figure.layout, config); }

  var picker = document.getElementById('state');
  function showState(fips) {
    var line = document.getElementById('state-line-' + fips);
    var target = document.getElementById('state-value');
    if (line && target) { target.innerHTML = line.innerHTML; target.dataset.fips = fips; target.dataset.model = line.dataset.model || ''; target.dataset.direct = line.dataset.direct || ''; }
    draw('groups', groupFigure(fips));
  }
  if (data.states.some(function (s) { return s.row !== null; })) { draw('map-model', mapFigure('model')); draw('map-direct', mapFigure('direct')); }
  ['map-model', 'map-direct'].forEach(function (id) {
    var div = document.getElementById(id);
    if (div && div.on) div.on('plotly_click', function (ev) { var f = ev.points[0].customdata; picker.value = f; showState(f); });
  });
  if (picker) { picker.addEventListener('change', function () { showState(picker.value); }); showState(picker.value); }
  draw('dots', rankingFigure());
})();
