// Uploads with a progress bar: the form is sent as it would be without script, so the
// server answers the same page (a redirect, or the page with the error named).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("form[data-upload]")) return;
  event.preventDefault();
  const bar = form.querySelector("progress");
  const button = form.querySelector("button[type=submit]");
  const request = new XMLHttpRequest();
  request.open("POST", form.action);
  request.upload.addEventListener("progress", (e) => {
    if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
  });
  request.addEventListener("load", () => {
    // Followed a redirect (the page to go to next): go there. Otherwise the answer is the
    // page itself (a receipt, or the form with the error named): show it.
    const redirected = request.responseURL && new URL(request.responseURL).pathname !== new URL(form.action).pathname;
    if (redirected) {
      window.location.assign(request.responseURL);
    } else {
      document.open();
      document.write(request.responseText);
      document.close();
    }
  });
  request.addEventListener("error", () => {
    button.disabled = false;
    bar.hidden = true;
  });
  bar.hidden = false;
  button.disabled = true;
  request.send(new FormData(form));
});

// A business's or an organisation's name and tax code are asked only of them; without
// script the fields stay visible and the server judges them against the kind chosen.
const kind = document.getElementById("kind");
const organisation = document.getElementById("organisation");
if (kind && organisation) {
  const fit = () => { organisation.hidden = kind.value === "individual"; };
  kind.addEventListener("change", fit);
  fit();
}
