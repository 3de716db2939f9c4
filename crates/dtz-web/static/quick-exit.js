// Quick exit on the public pages: leave at once and take this page out of the back
// button's history (location.replace). Without JavaScript the link still leaves.
document.addEventListener('click', function (e) {
  var a = e.target && e.target.closest ? e.target.closest('a.quick-exit') : null;
  if (!a) { return; }
  e.preventDefault();
  window.location.replace(a.href);
});
