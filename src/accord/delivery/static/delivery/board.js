// Drag and drop on the task board: a card dropped on a column is moved there through htmx,
// before the card it was dropped above (or to the bottom). The server answers with the board,
// including its message (moved, refused by the workflow, or over a WIP limit). Without
// JavaScript, every card's "Move to…" form does the same.
(function () {
  "use strict";
  var dragged = null;

  function column(target) {
    return target && target.closest ? target.closest(".board-column") : null;
  }

  function cardBelow(col, y) {
    var cards = col.querySelectorAll(".task-card");
    for (var i = 0; i < cards.length; i++) {
      if (cards[i] === dragged) { continue; }
      var box = cards[i].getBoundingClientRect();
      if (y < box.top + box.height / 2) { return cards[i]; }
    }
    return null;
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".task-card[draggable=true]") : null;
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.number);
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    document.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
  });

  document.addEventListener("dragover", function (event) {
    var col = column(event.target);
    if (!col || !dragged) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    col.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var col = column(event.target);
    if (col && !col.contains(event.relatedTarget)) { col.classList.remove("drop-target"); }
  });

  document.addEventListener("drop", function (event) {
    var col = column(event.target);
    if (!col || !dragged) { return; }
    event.preventDefault();
    col.classList.remove("drop-target");
    var card = dragged;
    var status = col.dataset.status;
    var below = cardBelow(col, event.clientY);
    var values = { status: status, before: below ? below.dataset.number : "" };
    if (status === "blocked" && card.dataset.status !== "blocked") {
      var board = document.getElementById("board");
      var reason = window.prompt(board ? board.dataset.blockedPrompt : "");
      if (reason === null) { return; }
      values.blocked_reason = reason;
    }
    if (status === card.dataset.status && below && below.previousElementSibling === card) {
      return; // dropped where it already is
    }
    var state = document.getElementById("board-state");
    if (state) {
      new FormData(state).forEach(function (value, name) { values[name] = value; });
    }
    htmx.ajax("POST", card.dataset.moveUrl, { target: "#board", swap: "outerHTML", values: values });
  });
})();
