// desk.js: the complaint page's canned-reply picker fills the reply box at once. Without
// JavaScript the picker's button asks the server for the page with the box filled
// (?canned=ID), so this only saves a page load.
document.addEventListener('DOMContentLoaded', function () {
  var form = document.getElementById('canned-form');
  var sel = document.getElementById('canned');
  var box = document.getElementById('reply');
  if (!form || !sel || !box) return;
  form.addEventListener('submit', function (ev) {
    var opt = sel.options[sel.selectedIndex];
    if (!opt || !opt.dataset.filled) return;
    ev.preventDefault();
    box.value = opt.dataset.filled;
    box.focus();
  });
});
