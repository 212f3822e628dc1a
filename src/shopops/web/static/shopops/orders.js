// Orders page: the header checkbox selects every row; typing a tracking number selects its row.
document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("select-all");
  const rows = () => document.querySelectorAll(".row-check");
  if (all) {
    all.addEventListener("change", () => rows().forEach((box) => { box.checked = all.checked; }));
  }
  document.querySelectorAll('input[name^="tracking-"]').forEach((input) => {
    input.addEventListener("input", () => {
      const box = input.closest("tr").querySelector(".row-check");
      if (box && input.value.trim()) box.checked = true;
    });
  });
});
