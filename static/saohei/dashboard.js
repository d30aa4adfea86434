/*
 * The home page's charts (ECharts, vendored). The figures come from the page in a
 * <script type="application/json" id="dashboard-data"> block; each bar, segment or point
 * carries the URL of the list behind it, and a click opens that list.
 * No inline scripts or style attributes: ECharts styles its elements through the CSSOM.
 */
(function () {
  "use strict";

  var AXIS_LABEL = { color: "#495057", fontSize: 12 };

  function seriesOf(spec) {
    return spec.series.map(function (entry) {
      var series = {
        name: entry.name,
        type: entry.line ? "line" : "bar",
        data: entry.data,
        cursor: "pointer",
        emphasis: { focus: "series" },
      };
      if (entry.color) {
        series.itemStyle = { color: entry.color };
        if (entry.line) {
          series.lineStyle = { color: entry.color };
        }
      }
      if (entry.stack) {
        series.stack = entry.stack;
      }
      if (entry.line) {
        series.yAxisIndex = 1;
        series.symbolSize = 8;
        series.connectNulls = false;
      } else {
        series.barMaxWidth = 36;
      }
      if (entry.percent) {
        series.label = { show: true, position: "right", formatter: "{c}%" };
      }
      return series;
    });
  }

  function optionFor(spec) {
    var category = {
      type: "category",
      data: spec.categories,
      axisLabel: AXIS_LABEL,
      axisTick: { alignWithLabel: true },
    };
    var value = { type: "value", minInterval: 1, axisLabel: AXIS_LABEL };
    var option = {
      animation: false,
      // Drawn on the canvas: the HTML tooltip writes style attributes, which the CSP refuses.
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        confine: true,
        renderMode: "richText",
      },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      series: seriesOf(spec),
    };
    if (spec.horizontal) {
      category.inverse = true;
      option.xAxis = value;
      option.yAxis = category;
      if (spec.series.some(function (entry) { return entry.percent; })) {
        value.max = 100;
        value.axisLabel = { color: AXIS_LABEL.color, formatter: "{value}%" };
        option.grid.right = 48;
      }
    } else {
      category.axisLabel = { color: AXIS_LABEL.color, fontSize: 11, hideOverlap: true };
      option.xAxis = category;
      option.yAxis = value;
    }
    if (spec.kind === "trend") {
      option.yAxis = [
        value,
        {
          type: "value",
          min: 0,
          max: 100,
          axisLabel: { color: AXIS_LABEL.color, formatter: "{value}%" },
          splitLine: { show: false },
        },
      ];
    }
    return option;
  }

  function open(params) {
    var url = params && params.data && params.data.url;
    if (url) {
      window.location.assign(url);
    }
  }

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof window.echarts === "undefined") {
      return;
    }
    var specs = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var spec = specs[element.getAttribute("data-chart")];
      if (!spec) {
        return;
      }
      element.style.height = (Number(element.getAttribute("data-height")) || 280) + "px";
      var chart = window.echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(optionFor(spec));
      chart.on("click", open);
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) {
        chart.resize();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
