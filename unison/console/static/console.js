// The console's own script (Content-Security-Policy allows scripts from our origin only):
// copy buttons. <button data-copy="#id"> copies the text of the element #id.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.textContent.trim());
    button.dataset.label = button.dataset.label || button.textContent;
    button.textContent = button.dataset.copied || button.dataset.label;
    setTimeout(() => { button.textContent = button.dataset.label; }, 2000);
  } catch (_error) {
    // No clipboard (plain http on a remote host): select the text so Ctrl+C copies it.
    window.getSelection().selectAllChildren(source);
  }
});
