/* emg-kg SPARQL editor: YASGUI (bundled, yasgui.min.js) set up for this graph, offline.
 *
 * Reads its settings from <script id="emg-editor-config" type="application/json"> (written by
 * emg_kg/editor.py): the project's prefixes, the named queries as examples, the classes and
 * properties the graph uses. YASGUI's own completers ask lov.linkeddata.es and prefix.cc; they are
 * replaced by completers over that local list. Results show as a table (YASR's), and as a chart,
 * a timeline (Chart.js, chart.umd.min.js) and a network (vis-network, from pyvis) when the
 * results fit those shapes. Nothing is fetched from anywhere but this server.
 */
(function () {
  "use strict";
  var holder = document.getElementById("emg-editor-config");
  var root = document.getElementById("yasgui");
  if (!holder || !root || typeof Yasgui === "undefined") return;  // the form below still works
  var C = JSON.parse(holder.textContent);
  var zh = C.lang === "zh";
  var T = zh
    ? { chart: "图表", timeline: "时间线", network: "网络", examples: "示例查询……", share: "分享链接",
        nochart: "结果需要一列数字和一列名称", nodates: "结果需要一列日期", nolinks: "结果需要至少两列 IRI",
        more: "只显示前 {n} 行" }
    : { chart: "Chart", timeline: "Timeline", network: "Network", examples: "Example queries…",
        share: "share link", nochart: "needs a column of numbers and a column of names",
        nodates: "needs a column of dates", nolinks: "needs at least two columns of IRIs",
        more: "only the first {n} rows are shown" };
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var NUMERIC = ["integer", "decimal", "double", "float", "int", "long", "short", "nonNegativeInteger",
                 "positiveInteger", "unsignedInt"].map(function (t) { return XSD + t; });
  var DATES = ["date", "dateTime", "gYear", "gYearMonth"].map(function (t) { return XSD + t; });
  var LIMIT = 300;
  var ENDPOINT = location.origin + C.endpoint;

  // --- names ------------------------------------------------------------------------------
  var prefixes = Object.keys(C.prefixes).sort(function (a, b) {
    return C.prefixes[b].length - C.prefixes[a].length;  // longest namespace first
  });
  var labels = {};
  C.terms.forEach(function (t) { if (t.label) labels[t.iri] = t.label; });
  function short(iri) {
    for (var i = 0; i < prefixes.length; i++) {
      var ns = C.prefixes[prefixes[i]];
      if (iri.indexOf(ns) === 0 && /^[\w.\-]*$/.test(iri.slice(ns.length))) return prefixes[i] + ":" + iri.slice(ns.length);
    }
    return iri;
  }
  function expand(text) {
    if (text.charAt(0) === "<") return text.slice(1, -1);
    var cut = text.indexOf(":"), ns = C.prefixes[text.slice(0, cut)];
    return ns ? ns + text.slice(cut + 1) : text;
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  // --- completion from this graph's own terms ---------------------------------------------
  function iris(kind) {
    return C.terms.filter(function (t) { return t.kind === kind; }).map(function (t) { return t.iri; });
  }
  function withLabels(yasqe, hints) {
    return hints.map(function (h) {
      var label = labels[expand(h.text)];
      return label ? Object.assign({}, h, { displayText: h.text + "  \u2014 " + label }) : h;
    });
  }
  var Yasqe = Yasgui.Yasqe;
  Yasqe.defaults.autocompleters = ["variables", "emg-prefixes", "emg-class", "emg-property"];
  Yasqe.forkAutocompleter("class", { name: "emg-class", bulk: true, get: iris("class"),
                                     persistenceId: null, postprocessHints: withLabels }, false);
  Yasqe.forkAutocompleter("property", { name: "emg-property", bulk: true, get: iris("property"),
                                        persistenceId: null, postprocessHints: withLabels }, false);
  Yasqe.forkAutocompleter("prefixes", {
    name: "emg-prefixes", persistenceId: null,
    get: Object.keys(C.prefixes).map(function (p) { return p + ": <" + C.prefixes[p] + ">"; })
  }, false);

  // --- result plugins: chart, timeline, network --------------------------------------------
  function columns(yasr) {
    var results = yasr.results;
    if (!results || results.getType() !== "json" || !results.getVariables) return null;
    var vars = results.getVariables(), rows = results.getBindings() || [];
    if (!rows.length) return null;
    function all(v, test) {
      var seen = 0;
      for (var i = 0; i < rows.length; i++) {
        var b = rows[i][v];
        if (!b) continue;
        if (!test(b)) return false;
        seen++;
      }
      return seen > 0;
    }
    return {
      vars: vars, rows: rows,
      numbers: vars.filter(function (v) {
        return all(v, function (b) { return b.type !== "uri" && (NUMERIC.indexOf(b.datatype) >= 0); });
      }),
      dates: vars.filter(function (v) {
        return all(v, function (b) {
          return b.type !== "uri" && (DATES.indexOf(b.datatype) >= 0 || /^\d{4}-\d\d(-\d\d)?$/.test(b.value));
        });
      }),
      iris: vars.filter(function (v) { return all(v, function (b) { return b.type === "uri"; }); }),
      texts: vars.filter(function (v) { return all(v, function (b) { return b.type !== "uri"; }); })
    };
  }
  function name(b) {
    if (!b) return "";
    return b.type === "uri" ? (labels[b.value] || short(b.value)) : b.value;
  }
  // the column that names a row: one called name/label/title first, then any text, then an IRI;
  // a column with the same value in every row (a parameter such as ?lang) names nothing
  function labelColumn(cols, avoid) {
    function useful(v) {
      if (avoid.indexOf(v) >= 0) return false;
      var first = cols.rows[0][v];
      return cols.rows.length < 2 || cols.rows.some(function (r) {
        return (r[v] && r[v].value) !== (first && first.value);
      });
    }
    var named = cols.vars.filter(function (v) { return /name|label|title/i.test(v); });
    return named.concat(cols.texts, cols.iris, cols.vars).filter(useful)[0] || cols.vars[0];
  }
  function year(value) {  // "2012-12-04" -> 2012.92 (decimal years, for a linear axis)
    var m = /^(-?\d{4})(?:-(\d\d))?(?:-(\d\d))?/.exec(value);
    if (!m) return null;
    return +m[1] + ((+(m[2] || 1) - 1) + (+(m[3] || 1) - 1) / 31) / 12;
  }
  function note(parent, text) { parent.appendChild(el("p", text, "emg-plugin-note")); }
  function icon(text) { return el("span", text, "emg-plugin-icon"); }

  function Plugin(yasr, label, priority) {
    this.yasr = yasr; this.label = label; this.priority = priority; this.chart = null;
  }
  Plugin.prototype.getIcon = function () { return icon(this.label.charAt(0)); };
  Plugin.prototype.destroy = function () {
    if (this.chart) { this.chart.destroy(); this.chart = null; }
  };
  Plugin.prototype.canvas = function (height) {
    this.destroy();
    var box = el("div", undefined, "emg-plugin " + this.kind);
    box.style.height = height + "px";
    var canvas = document.createElement("canvas");
    box.appendChild(canvas);
    this.yasr.resultsEl.appendChild(box);
    return canvas;
  };

  function ChartPlugin(yasr) { Plugin.call(this, yasr, T.chart, 8); this.kind = "emg-chart"; }
  ChartPlugin.prototype = Object.create(Plugin.prototype);
  ChartPlugin.prototype.canHandleResults = function () {
    var cols = columns(this.yasr);
    return !!cols && cols.numbers.length > 0 && cols.vars.length > cols.numbers.length;
  };
  ChartPlugin.prototype.draw = function () {
    var cols = columns(this.yasr);
    if (!cols || !cols.numbers.length) return note(this.yasr.resultsEl, T.nochart);
    var rows = cols.rows.slice(0, LIMIT), by = labelColumn(cols, cols.numbers);
    var canvas = this.canvas(Math.max(260, Math.min(900, 120 + rows.length * 16)));
    this.chart = new Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return name(r[by]); }),
        datasets: cols.numbers.map(function (v) {
          return { label: v, data: rows.map(function (r) { return r[v] ? +r[v].value : null; }) };
        })
      },
      options: { indexAxis: rows.length > 12 ? "y" : "x", animation: false, maintainAspectRatio: false,
                 responsive: true }
    });
    if (cols.rows.length > LIMIT) note(this.yasr.resultsEl, T.more.replace("{n}", LIMIT));
  };

  function TimelinePlugin(yasr) { Plugin.call(this, yasr, T.timeline, 7); this.kind = "emg-timeline"; }
  TimelinePlugin.prototype = Object.create(Plugin.prototype);
  TimelinePlugin.prototype.canHandleResults = function () {
    var cols = columns(this.yasr);
    return !!cols && cols.dates.length > 0;
  };
  TimelinePlugin.prototype.draw = function () {
    var cols = columns(this.yasr);
    if (!cols || !cols.dates.length) return note(this.yasr.resultsEl, T.nodates);
    var start = cols.dates[0], end = cols.dates[1], by = labelColumn(cols, cols.dates);
    var items = cols.rows.filter(function (r) { return r[start]; }).slice(0, LIMIT).map(function (r) {
      var a = year(r[start].value), b = end && r[end] ? year(r[end].value) : null;
      var text = name(r[by]);
      text = text.length > 48 ? text.slice(0, 47) + "\u2026" : text;
      return { label: text + " (" + r[start].value + (b ? " \u2013 " + r[end].value : "") + ")",
               span: [a, Math.max(b || a, a + 0.06)] };
    }).sort(function (x, y) { return x.span[0] - y.span[0]; });
    var low = Math.floor(Math.min.apply(null, items.map(function (i) { return i.span[0]; })));
    var high = Math.ceil(Math.max.apply(null, items.map(function (i) { return i.span[1]; })));
    var canvas = this.canvas(Math.max(200, 70 + items.length * 20));
    this.chart = new Chart(canvas, {
      type: "bar",
      data: { labels: items.map(function (i) { return i.label; }),
              datasets: [{ label: start + (end ? " \u2013 " + end : ""), data: items.map(function (i) { return i.span; }),
                           backgroundColor: "#1f5fa8", minBarLength: 4 }] },
      options: {
        indexAxis: "y", animation: false, maintainAspectRatio: false, responsive: true,
        plugins: { legend: { display: false } },
        scales: { x: { type: "linear", min: low, max: Math.max(high, low + 1), ticks: { callback: function (v) { return Math.floor(v) === v ? String(v) : ""; },
                                                   stepSize: 1 } } }
      }
    });
  };

  function NetworkPlugin(yasr) { Plugin.call(this, yasr, T.network, 6); this.kind = "emg-network"; }
  NetworkPlugin.prototype = Object.create(Plugin.prototype);
  NetworkPlugin.prototype.canHandleResults = function () {
    var cols = columns(this.yasr);
    return !!cols && cols.iris.length >= 2 && typeof vis !== "undefined";
  };
  NetworkPlugin.prototype.destroy = function () {
    if (this.chart) { this.chart.destroy(); this.chart = null; }
  };
  NetworkPlugin.prototype.draw = function () {
    var cols = columns(this.yasr);
    if (!cols || cols.iris.length < 2) return note(this.yasr.resultsEl, T.nolinks);
    this.destroy();
    // each row links the first IRI column to the others; a text column named like an IRI
    // column (?supporter, ?supporterName) names its nodes
    var first = cols.iris[0], nodes = {}, edges = {};
    function node(v, b, row) {
      if (!nodes[b.value]) {
        var named = cols.texts.filter(function (t) { return t.toLowerCase().indexOf(v.toLowerCase()) === 0; })[0];
        var text = named && row[named] ? row[named].value : name(b);
        nodes[b.value] = { id: b.value, label: text.length > 28 ? text.slice(0, 27) + "\u2026" : text,
                           title: text + "\n" + short(b.value), group: v };
      }
    }
    cols.rows.slice(0, LIMIT).forEach(function (r) {
      if (!r[first]) return;
      node(first, r[first], r);
      cols.iris.slice(1).forEach(function (v) {
        if (!r[v]) return;
        node(v, r[v], r);
        var key = r[first].value + " " + v + " " + r[v].value;
        edges[key] = { from: r[first].value, to: r[v].value, label: v, arrows: "to" };
      });
    });
    var box = el("div", undefined, "emg-plugin emg-network");
    this.yasr.resultsEl.appendChild(box);
    var list = function (o) { return Object.keys(o).map(function (k) { return o[k]; }); };
    this.chart = new vis.Network(box, { nodes: new vis.DataSet(list(nodes)), edges: new vis.DataSet(list(edges)) }, {
      physics: { stabilization: { iterations: 150 } },
      edges: { font: { size: 10, strokeWidth: 3 }, smooth: false, color: "#888" },
      nodes: { shape: "dot", size: 10, font: { size: 13, strokeWidth: 3, strokeColor: "#fff" } }
    });
    var network = this.chart;
    network.once("stabilizationIterationsDone", function () { network.setOptions({ physics: false }); });
    if (cols.rows.length > LIMIT) note(this.yasr.resultsEl, T.more.replace("{n}", LIMIT));
  };

  var Yasr = Yasgui.Yasr;
  Yasr.registerPlugin("chart", ChartPlugin);
  Yasr.registerPlugin("timeline", TimelinePlugin);
  Yasr.registerPlugin("network", NetworkPlugin);

  // --- the editor ---------------------------------------------------------------------------
  function shareLink(query) {
    var params = new URLSearchParams({ query: query, lang: C.lang });
    return location.origin + "/editor?" + params.toString();
  }
  root.hidden = false;  // before YASGUI starts: CodeMirror cannot measure a hidden editor
  var fallback = document.getElementById("editor-fallback");
  if (fallback) fallback.hidden = true;
  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: ENDPOINT, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: ENDPOINT }]; } },
    persistenceId: null,
    populateFromUrl: false,
    autofocus: false,
    yasqe: {
      value: C.query,
      autocompleters: ["variables", "emg-prefixes", "emg-class", "emg-property"],
      createShareableLink: function (yasqe) { return shareLink(yasqe.getValue()); },
      resizeable: true, editorHeight: "260px"
    },
    yasr: { prefixes: C.prefixes, defaultPlugin: "table",
            pluginOrder: ["table", "chart", "timeline", "network", "response"], persistenceId: null }
  });
  var tab = yasgui.getTab();
  tab.setQuery(C.query);

  // the examples menu and the share link sit above the editor
  var bar = document.getElementById("editor-bar");
  var menu = el("select");
  menu.id = "examples";
  menu.appendChild(el("option", T.examples));
  C.examples.forEach(function (x) {
    var o = el("option", x.title);
    o.value = x.name;
    menu.appendChild(o);
  });
  menu.addEventListener("change", function () {
    var x = C.examples.filter(function (e) { return e.name === menu.value; })[0];
    if (!x) return;
    tab.setQuery(x.query);
    tab.getYasqe().query();
  });
  var share = el("a", T.share, "share");
  share.id = "share";
  function updateShare() { share.href = shareLink(tab.getYasqe().getValue()); }
  bar.appendChild(menu);
  bar.appendChild(document.createTextNode(" "));
  bar.appendChild(share);
  bar.hidden = false;
  updateShare();
  tab.getYasqe().on("change", updateShare);

  // links to this graph's IRIs open the app's own pages, in the page's language
  yasgui.on("queryResponse", function () {
    window.setTimeout(function () {
      root.querySelectorAll("a[href^='https://w3id.org/emg-kg/']").forEach(function (a) {
        var path = a.getAttribute("href").slice("https://w3id.org/emg-kg".length).replace(/^\/ontology#/, "/ontology/");
        a.setAttribute("href", path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + C.lang);
        a.removeAttribute("target");
      });
    }, 0);
  });
  if (C.run) tab.getYasqe().query();
  window.emgEditor = { yasgui: yasgui, tab: tab };  // for tests and the browser console
})();
