// Copy a new API token to the clipboard; the field stays selectable for browsers without it.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copyTarget);
  field.select();
  const done = () => { button.textContent = button.dataset.copiedLabel; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, () => {});
  } else if (document.execCommand("copy")) {
    done();
  }
});
