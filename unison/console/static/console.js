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

// The template editor: a variant's text boxes (data-follows-locale) take the direction of
// the locale as it is typed, right to left for Hebrew, Arabic, Persian, Urdu, Yiddish..., as
// the server draws them once saved (messaging/common.py direction); code and addresses stay
// left to right. No locale yet: "auto", the browser follows the text itself.
const RTL_LANGUAGES = new Set(["ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ps", "sd", "syr", "ug", "ur", "yi"]);

function localeDirection(code) {
  const text = code.trim().replace(/_/g, "-");
  if (!text) return "auto";
  let locale;
  try {
    locale = new Intl.Locale(text);
  } catch (_error) {
    return "ltr"; // not (yet) a locale: as the server says of one it cannot parse
  }
  const info = typeof locale.getTextInfo === "function" ? locale.getTextInfo() : locale.textInfo;
  if (info && info.direction) return info.direction;
  return RTL_LANGUAGES.has(locale.language) ? "rtl" : "ltr"; // a browser without textInfo
}

document.addEventListener("input", (event) => {
  if (!(event.target instanceof Element)) return;
  const variant = event.target.closest("fieldset.variant");
  if (!variant || !event.target.matches("input[name$='_locale']")) return;
  const direction = localeDirection(event.target.value);
  for (const box of variant.querySelectorAll("[data-follows-locale]")) box.dir = direction;
});
