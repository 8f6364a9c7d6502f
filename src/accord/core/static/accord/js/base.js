// Behaviour of every page (loaded by base.html). The Content-Security-Policy runs no inline
// scripts or handlers, so pages mark elements with attributes and this file wires them up.
(function () {
  "use strict";

  // The header's language switcher submits itself on change; without JavaScript its
  // <noscript> button does.
  document.addEventListener("change", function (event) {
    var select = event.target.closest ? event.target.closest("select[data-autosubmit]") : null;
    if (select && select.form) { select.form.submit(); }
  });
})();
