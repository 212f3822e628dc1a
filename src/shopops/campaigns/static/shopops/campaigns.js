// The campaign pages: the live view's hourly chart (ECharts, from the JSON the page carries)
// and the rule form showing only the fields of the chosen promotion type.
document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("live-chart-data");
  const box = document.getElementById("live-chart");
  if (data && box && window.echarts) {
    const chart = window.echarts.init(box, null, { renderer: "svg" });
    chart.setOption({ animation: false, grid: { left: 70, right: 20, top: 40, bottom: 30 },
      ...JSON.parse(data.textContent) });
    window.addEventListener("resize", () => chart.resize());
  }
  const kind = document.getElementById("id_rule-kind");
  if (!kind) return;
  const fields = {
    full_reduction: ["tiers", "repeat", "cap", "skus"],
    item_discount: ["tiers", "skus"],
    flash_sale: ["items"],
    coupon: ["threshold", "amount", "valid_from", "valid_to", "quantity", "skus"],
    gift: ["threshold", "gift_sku", "quantity", "skus"],
  };
  const always = ["kind", "name", "stackable"];
  const show = () => {
    const wanted = new Set([...always, ...(fields[kind.value] || [])]);
    document.querySelectorAll("#rule-form .rule-field").forEach((el) => {
      const name = [...el.classList].find((c) => c.startsWith("rule-field-")).slice(11);
      el.hidden = !wanted.has(name);
    });
  };
  kind.addEventListener("change", show);
  show();
});
