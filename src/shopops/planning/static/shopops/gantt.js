// 计划与执行 · Gantt chart: the store's tasks as bars with their finish-to-start arrows and
// today's line (frappe-gantt). Dragging a bar or its end reschedules the task through
// PATCH /api/v1/tasks/{id}; a move that would break a dependency is not saved until the
// person confirms it in the warning, and is put back otherwise.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("gantt-data").textContent);
  const box = document.getElementById("gantt");
  const warning = document.getElementById("gantt-warning");
  const csrf = document.querySelector("#gantt-csrf input[name=csrfmiddlewaretoken]").value;
  if (!data.tasks.length || typeof Gantt === "undefined") return;

  const day = (d) => {
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  };

  function send(id, body) {
    return fetch(`/api/v1/tasks/${id}`, {
      method: "PATCH",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    }).then((r) => r.json().then((json) => ({ status: r.status, json })));
  }

  function saved(task, json) {
    const row = document.querySelector(`#gantt-list [data-task="${task.id}"]`);
    if (row) {
      row.querySelector("[data-start]").textContent = json.start;
      row.querySelector("[data-due]").textContent = json.due;
    }
    box.dataset.saved = `${task.id}:${json.start}:${json.due}`;
    warning.hidden = true;
  }

  function putBack() {
    window.location.reload();
  }

  function move(task, start, end) {
    const body = { start: day(start), due: day(end) };
    send(task.id, body).then(({ status, json }) => {
      if (status === 200) return saved(task, json);
      if (status === 409) {
        const names = Object.fromEntries(data.tasks.map((t) => [t.id, t.name]));
        const pairs = json.broken.map((b) =>
          warning.dataset.pair
            .replace("{task}", names[String(b.task)])
            .replace("{before}", names[String(b.depends_on)])
        );
        warning.hidden = false;
        warning.querySelector("[data-force]").hidden = false;
        warning.querySelector("[data-text]").textContent = pairs.join("；");
        warning.querySelector("[data-force]").onclick = () =>
          send(task.id, { ...body, force: true }).then((r) =>
            r.status === 200 ? saved(task, r.json) : putBack()
          );
        warning.querySelector("[data-undo]").onclick = putBack;
        return;
      }
      warning.hidden = false;
      warning.querySelector("[data-text]").textContent = json.detail || warning.dataset.failed;
      warning.querySelector("[data-force]").hidden = true;
      warning.querySelector("[data-undo]").onclick = putBack;
    });
  }

  new Gantt(box, data.tasks, {
    language: box.dataset.language,
    view_mode: "Day",
    move_dependencies: false,
    readonly_dates: !data.can_move,
    readonly_progress: true,
    today_button: true,
    scroll_to: "today",
    popup_on: "click",
    on_date_change: move,
  });
})();
