/*
 * The link chart (关系图, ECharts vendored): persons, incidents, phones and plates from the page's
 * <script type="application/json" id="link-chart-data"> block (saohei.analysis.chart). Colours
 * and shapes are chosen here; a click on a node opens its record. No inline scripts or style
 * attributes: ECharts styles its elements through the CSSOM, the tooltip is drawn on the canvas.
 */
(function () {
  "use strict";

  // Roles warm to cool (ringleaders red), incidents in greys and browns, identifiers in greens.
  var STYLE = {
    ringleader: { color: "#c92a2a", symbol: "circle" },
    participant: { color: "#e8590c", symbol: "circle" },
    reported: { color: "#7048e8", symbol: "circle" },
    victim: { color: "#1971c2", symbol: "circle" },
    witness: { color: "#0c8599", symbol: "circle" },
    case: { color: "#495057", symbol: "rect" },
    lead: { color: "#8f5902", symbol: "diamond" },
    tip: { color: "#a61e4d", symbol: "triangle" },
    phone: { color: "#2b8a3e", symbol: "roundRect" },
    plate: { color: "#5c940d", symbol: "roundRect" },
  };
  var FALLBACK = { color: "#868e96", symbol: "circle" };

  function styleOf(key) {
    return STYLE[key] || FALLBACK;
  }

  // Bigger charts need more room between nodes and smaller symbols to stay readable.
  function layoutFor(count) {
    var crowded = count > 80;
    return {
      repulsion: crowded ? 60 : 260,
      edgeLength: crowded ? [15, 45] : [70, 150],
      gravity: crowded ? 0.15 : 0.05,
      friction: 0.4,
      initLayout: "circular",
      layoutAnimation: count <= 120,
      showLabels: !crowded,
      baseSize: crowded ? 8 : 14,
    };
  }

  function optionFor(data) {
    var categories = data.categories.map(function (category) {
      var style = styleOf(category.key);
      return { name: category.name, itemStyle: { color: style.color }, symbol: style.symbol };
    });
    var index = {};
    data.categories.forEach(function (category, position) {
      index[category.key] = position;
    });
    var layout = layoutFor(data.nodes.length);
    var nodes = data.nodes.map(function (node) {
      var size = layout.baseSize + Math.min(node.degree, 12) * 1.5 + (node.seed ? 10 : 0);
      return {
        id: node.id,
        name: node.name,
        detail: node.detail,
        url: node.url,
        category: index[node.category],
        symbolSize: node.category === "case" || node.category === "phone" || node.category === "plate"
          ? [size * 1.2, size * 0.8]
          : size,
        // Crowded: names only of the seeds and the hubs (the rest on hover and in the table).
        label: { show: layout.showLabels || node.seed || node.degree >= 4 },
        itemStyle: node.seed ? { borderColor: "#212529", borderWidth: 3 } : undefined,
        cursor: node.url ? "pointer" : "default",
      };
    });
    var links = data.links.map(function (link) {
      return {
        source: link.source,
        target: link.target,
        value: link.label,
        lineStyle: { color: styleOf(link.category).color, opacity: 0.55 },
      };
    });
    return {
      animation: false,
      aria: { enabled: true },
      tooltip: {
        confine: true,
        renderMode: "richText",
        formatter: function (params) {
          if (params.dataType === "edge") {
            return params.data.value || "";
          }
          return params.data.name + (params.data.detail ? "\n" + params.data.detail : "");
        },
      },
      legend: [{ top: 0, type: "scroll", data: categories.map(function (c) { return c.name; }) }],
      series: [
        {
          type: "graph",
          layout: "force",
          roam: true,
          draggable: true,
          top: 40,
          categories: categories,
          data: nodes,
          links: links,
          label: { position: "right", fontSize: 11, color: "#212529" },
          labelLayout: { hideOverlap: true },
          emphasis: { focus: "adjacency", label: { show: true }, lineStyle: { width: 3 } },
          force: {
            repulsion: layout.repulsion,
            edgeLength: layout.edgeLength,
            gravity: layout.gravity,
            friction: layout.friction,
            initLayout: layout.initLayout,
            layoutAnimation: layout.layoutAnimation,
          },
        },
      ],
    };
  }

  function draw() {
    var source = document.getElementById("link-chart-data");
    var element = document.querySelector("[data-link-chart]");
    if (!source || !element || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    element.style.height = (Number(element.getAttribute("data-height")) || 600) + "px";
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(optionFor(data));
    chart.on("click", function (params) {
      if (params.dataType === "node" && params.data.url) {
        window.location.assign(params.data.url);
      }
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
