// The metrics explorer's chart and the diagnosis waterfall (ECharts), from the JSON the page carries.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) return;
  const read = (id) => {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  };
  const draw = (id, option) => {
    const el = document.getElementById(id);
    if (!el) return null;
    const chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({ animation: false, ...option });
    window.addEventListener("resize", () => chart.resize());
    return chart;
  };
  const data = read("explorer-data");
  if (data) {
    const right = data.series.some((s) => s.right);
    draw("explorer-chart", {
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 70, right: right ? 70 : 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: data.x },
      yAxis: right ? [{ type: "value" }, { type: "value", splitLine: { show: false } }] : [{ type: "value" }],
      series: data.series.map((s) => ({
        name: s.name, type: data.kind, data: s.data, yAxisIndex: s.right ? 1 : 0,
        symbol: "none", connectNulls: false,
      })),
    });
  }
  const fall = read("waterfall-data");
  if (fall) {
    // Invisible bars carry each part from where the one before ended.
    let level = 0;
    const base = [], up = [], down = [];
    fall.steps.forEach((s) => {
      const v = Number(s.value);
      if (s.kind === "total") {
        base.push(0); up.push(v >= 0 ? v : 0); down.push(v < 0 ? -v : 0); level = v;
      } else {
        base.push(v >= 0 ? level : level + v); up.push(v >= 0 ? v : 0); down.push(v < 0 ? -v : 0);
        level += v;
      }
    });
    draw("waterfall-chart", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 80, right: 20, top: 20, bottom: 30 },
      xAxis: { type: "category", data: fall.steps.map((s) => s.name) },
      yAxis: { type: "value" },
      series: [
        { type: "bar", stack: "w", data: base, itemStyle: { color: "transparent" }, tooltip: { show: false } },
        { type: "bar", stack: "w", data: up, itemStyle: { color: "#2fb344" } },
        { type: "bar", stack: "w", data: down, itemStyle: { color: "#d63939" } },
      ],
    });
  }
});
