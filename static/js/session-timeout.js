// The idle warning. The server keeps the time (GET on the status URL reads how long the session has
// left without counting as activity), so that several open tabs agree; a minute before the end this
// shows a dialog, "Stay signed in" makes a request that counts, and at the end the page goes to the
// login page with a link back here.
(function () {
  "use strict";
  var dialog = document.getElementById("session-timeout");
  if (!dialog || !window.bootstrap) return;
  var statusUrl = dialog.dataset.statusUrl;
  var warnBefore = parseInt(dialog.dataset.warnBefore, 10) * 1000;
  var shown = false;
  var timer = null;
  var modal = new window.bootstrap.Modal(dialog);
  var secondsText = dialog.querySelector("[data-seconds-left]");
  var csrf = dialog.querySelector("input[name=csrfmiddlewaretoken]").value;

  function signedOut() {
    var next = window.location.pathname + window.location.search;
    window.location.assign(dialog.dataset.loginUrl + "?next=" + encodeURIComponent(next));
  }

  function schedule(secondsLeft) {
    clearTimeout(timer);
    var left = secondsLeft * 1000;
    if (left <= 0) return signedOut();
    if (left > warnBefore) {
      if (shown) { modal.hide(); shown = false; }
      timer = setTimeout(check, left - warnBefore);
      return;
    }
    if (!shown) { modal.show(); shown = true; }
    secondsText.textContent = secondsLeft + (secondsLeft === 1 ? " second" : " seconds");
    timer = setTimeout(function () { schedule(secondsLeft - 1); }, 1000);
    if (secondsLeft % 15 === 0) check();  // another tab may have been active meanwhile
  }

  function ask(method) {
    var options = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (method === "POST") options.headers["X-CSRFToken"] = csrf;
    return fetch(statusUrl, options).then(function (response) { return response.json(); });
  }

  function check() {
    ask("GET").then(function (status) {
      if (!status.signed_in) return signedOut();
      schedule(status.seconds_left);
    }).catch(function () { timer = setTimeout(check, 15000); });
  }

  dialog.querySelector("[data-stay-signed-in]").addEventListener("click", function () {
    ask("POST").then(function (status) {
      if (!status.signed_in) return signedOut();
      schedule(status.seconds_left);
    });
  });

  check();
})();
