// The dashboard's charts (ECharts), drawn from the JSON the page carries.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const charts = [];
  const draw = (id, option) => {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({ animation: false, ...option });
    charts.push(chart);
  };
  const t = data.trend;
  draw("chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [t.labels.gmv, t.labels.target, t.labels.visitors] },
    grid: { left: 60, right: 60, top: 40, bottom: 30 },
    xAxis: { type: "category", data: t.days },
    yAxis: [{ type: "value" }, { type: "value", splitLine: { show: false } }],
    series: [
      { name: t.labels.gmv, type: "bar", data: t.gmv, itemStyle: { color: "#206bc4" } },
      { name: t.labels.target, type: "line", data: t.target, step: "middle", symbol: "none",
        lineStyle: { type: "dashed", width: 2, color: "#d63939" },
        itemStyle: { color: "#d63939" }, connectNulls: false },
      { name: t.labels.visitors, type: "line", yAxisIndex: 1, data: t.visitors, symbol: "none",
        itemStyle: { color: "#2fb344" } },
    ],
  });
  draw("chart-mix", {
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    legend: { bottom: 0, type: "scroll" },
    series: [{ type: "pie", radius: ["35%", "60%"], center: ["50%", "45%"], data: data.mix,
      label: { formatter: "{d}%" } }],
  });
  draw("chart-funnel", {
    tooltip: { trigger: "item" },
    series: [{ type: "funnel", sort: "descending", gap: 2, minSize: "8%",
      label: { formatter: "{b}: {c}" }, data: data.funnel }],
  });
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
});
