// What a person typed survives the session running out: every posted form's fields are kept in this tab's
// sessionStorage while typed, put back when the same form is drawn again empty (after logging in again the console
// returns to the page the form was on), and forgotten once the page reports the action done. Ten minutes before
// the session ends, a warning says so. No inline script (the CSP allows none); works with htmx's boosted pages.
(function () {
  "use strict";
  var SKIP = { csrf_token: true, idempotency_key: true, password: true, current_password: true, new_password: true,
               username: true, next: true };
  var WARN_MS = 10 * 60 * 1000;

  function key(form) {
    return "mineflow-draft:" + location.pathname + "|" + (form.getAttribute("action") || "");
  }
  function kept(form) {
    return (form.getAttribute("method") || "").toLowerCase() === "post" && !form.closest(".who") &&
      !/\/login$/.test(form.getAttribute("action") || "");
  }
  function save(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name] || el.type === "hidden" || el.type === "file" || el.type === "submit") return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) (data[el.name] = data[el.name] || []).push(el.value);
        else data[el.name] = data[el.name] || [];
      } else if (el.tagName === "SELECT" && el.multiple) {
        data[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        data[el.name] = el.value;
      }
    });
    try { sessionStorage.setItem(key(form), JSON.stringify(data)); } catch (e) { /* storage full or off */ }
  }
  function restore(form) {
    var raw;
    try { raw = sessionStorage.getItem(key(form)); } catch (e) { return; }
    if (!raw) return;
    var data = JSON.parse(raw), restored = false;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in data) || SKIP[el.name] || el.type === "hidden") return;
      var value = data[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = value.indexOf(el.value) >= 0;
      } else if (typeof value === "string" && value && !el.value) {
        el.value = value;
        restored = true;
      }
    });
    if (restored && !form.querySelector(".draft-restored")) {
      var note = document.createElement("p");
      note.className = "alert info draft-restored";
      note.setAttribute("role", "status");
      note.textContent = "已恢复您上次在此填写但未提交的内容，请核对后提交。";
      form.insertBefore(note, form.firstChild);
    }
  }
  function forgetPage() {
    try {
      Object.keys(sessionStorage).forEach(function (k) {
        if (k.indexOf("mineflow-draft:" + location.pathname + "|") === 0) sessionStorage.removeItem(k);
      });
    } catch (e) { /* storage off */ }
  }
  function wire(root) {
    if (document.getElementById("flash")) forgetPage();  // the page reports an action done
    Array.prototype.forEach.call(root.querySelectorAll("form"), function (form) {
      if (!kept(form) || form.dataset.draftWired) return;
      form.dataset.draftWired = "1";
      restore(form);
      form.addEventListener("input", function () { save(form); });
      form.addEventListener("change", function () { save(form); });
    });
  }
  function warnLater() {
    var main = document.querySelector("main[data-session-expires]");
    var expires = main ? Number(main.getAttribute("data-session-expires")) * 1000 : 0;
    if (!expires) return;
    var show = function () {
      if (document.getElementById("session-warning")) return;
      var p = document.createElement("p");
      p.id = "session-warning";
      p.className = "alert warn";
      p.setAttribute("role", "alert");
      var at = new Date(expires);
      p.textContent = "登录将于 " + at.getHours() + ":" + String(at.getMinutes()).padStart(2, "0") +
        " 过期。请尽快提交正在填写的内容；过期后提交，已填写的内容会保留，重新登录后回到本页即可提交。";
      main.insertBefore(p, main.firstChild);
    };
    var wait = expires - WARN_MS - Date.now();
    if (wait <= 0) show(); else if (wait < 2147483647) setTimeout(show, wait);
  }
  // the menu behind its button on a narrow screen (console.css shows the button only there)
  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest(".menu-toggle") : null;
    if (!button) return;
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    var open = menu.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
  // a form's file picker (console/forms.py "files"): each chosen file is uploaded at once, its progress shown; once
  // stored, a hidden field carries its id with the form (the action then attaches it to the case)
  function uploadOne(input, file) {
    var form = input.form, list = input.parentNode.querySelector(".uploads");
    var item = document.createElement("li"), label = document.createElement("span");
    label.textContent = file.name + "：上传中 0%";
    item.appendChild(label);
    list.appendChild(item);
    var body = new FormData();
    body.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", input.getAttribute("data-upload"));
    xhr.setRequestHeader("X-CSRF-Token", form.querySelector("input[name=csrf_token]").value);
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) label.textContent = file.name + "：上传中 " + Math.round(100 * e.loaded / e.total) + "%";
    };
    xhr.onload = function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 201 && answer.id) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = input.getAttribute("data-name");
        hidden.value = answer.id;
        item.appendChild(hidden);
        item.setAttribute("data-file", answer.id);
        label.textContent = answer.name + "（已上传，" + Math.max(1, Math.round(answer.size / 1024)) + " KB）";
      } else {
        item.className = "red";
        label.textContent = file.name + "：未能上传，" + ((answer.error && answer.error.message) || ("HTTP " + xhr.status));
      }
    };
    xhr.onerror = function () { item.className = "red"; label.textContent = file.name + "：上传中断，请重试"; };
    xhr.send(body);
  }
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("input[type=file][data-upload]")) return;
    Array.prototype.forEach.call(input.files, function (file) { uploadOne(input, file); });
    input.value = "";
  });
  function start() { wire(document); warnLater(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
  document.addEventListener("htmx:load", function (e) { wire(e.detail.elt.ownerDocument || document); });
  document.addEventListener("htmx:afterSettle", function () { warnLater(); });
})();
