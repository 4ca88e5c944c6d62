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

// The segment editor. The builder (#builder) and the text box are swapped out of band when
// the server answers, and htmx binds a swapped element's own hx-* listeners only when the
// swap settles: a change made in that gap was never sent. So the editor listens here, on the
// document, which is never swapped, and sends with htmx.ajax (the enclosing form's fields,
// the CSRF header from <body hx-headers>; the answer is out-of-band parts only).
function editorPost(source, values) {
  const url = source.closest("[data-post]").dataset.post;
  htmx.ajax("POST", url, { source, values, swap: "none" });
}

document.addEventListener("change", (event) => {
  if (!(event.target instanceof Element)) return;
  if (event.target.id === "segment-text") {
    sendText(event.target);
    return;
  }
  const builder = event.target.closest("#builder");
  if (builder) editorPost(builder, {});
});

document.addEventListener("click", (event) => {
  if (!(event.target instanceof Element)) return;
  const button = event.target.closest("#builder button[name=add], #builder button[name=remove]");
  if (button) editorPost(button, { [button.name]: button.value });
});

// The text form: sent half a second after typing stops, or when it loses focus, and only
// when it differs from what was last sent (or, for a box just drawn, from what it came with).
let textTimer = null;

function sendText(area) {
  clearTimeout(textTimer);
  if (area.value === (area.dataset.sent ?? area.defaultValue)) return;
  area.dataset.sent = area.value;
  editorPost(area, {});
}

document.addEventListener("input", (event) => {
  if (!(event.target instanceof Element) || event.target.id !== "segment-text") return;
  const area = event.target;
  clearTimeout(textTimer);
  textTimer = setTimeout(() => sendText(area), 500);
});
