// The supervisor's page: the on-time chart and the live event list.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("on-time-data").textContent);
  var canvas = document.getElementById("on-time-chart");
  if (window.Chart && canvas) {
    canvas.chart = new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{ label: "2.1 (%)", data: data.values, backgroundColor: "#1f6f43" }]
      },
      options: {
        animation: false,
        indexAxis: data.labels.length > 8 ? "y" : "x",
        scales: { x: { beginAtZero: true, suggestedMax: 100 }, y: { beginAtZero: true, suggestedMax: 100 } },
        plugins: { legend: { display: false } }
      }
    });
  }
  var list = document.getElementById("live");
  if (list && window.EventSource) {
    // The session cookie signs the stream in; the server keeps our place on reconnect.
    var source = new EventSource(list.dataset.stream);
    source.addEventListener("dossier", function (message) {
      var event = JSON.parse(message.data);
      var item = document.createElement("li");
      var when = new Date(event.at).toLocaleString(
        document.documentElement.lang === "en" ? "en-GB" : "vi-VN", { timeZone: "Asia/Ho_Chi_Minh" });
      item.textContent = when + " · " + event.code + " · " + event.label_vi + " (" + event.actor_unit + ")";
      list.insertBefore(item, list.firstChild);
      while (list.children.length > 50) { list.removeChild(list.lastChild); }
    });
  }
})();
