// Copy buttons of the pages that show paste values (setup page, shown-once pages): <button data-copy="text">.
"use strict";

function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  // Plain http on a non-local host has no Clipboard API: fall back to a selection.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  const copied = document.execCommand("copy");
  area.remove();
  return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) {
    return;
  }
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  const show = (text) => {
    button.textContent = text;
    setTimeout(() => { button.textContent = label; }, 1500);
  };
  copyText(button.dataset.copy).then(
    () => show(button.dataset.copied || "Copied"),
    () => show(button.dataset.failed || "Select and copy"),
  );
});
