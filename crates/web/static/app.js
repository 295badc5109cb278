// The site's only script (CSP: script-src 'self', no inline scripts). Every page works without
// it; it adds print buttons, the supervision monitor's live updates and the kiosk's idle return.
(function () {
  'use strict';
  document.addEventListener('click', function (e) {
    var t = e.target.closest && e.target.closest('[data-print]');
    if (t) { window.print(); }
  });
  function ready() {
    if (document.querySelector('[data-autoprint]')) { window.print(); }
    var live = document.querySelector('[data-live]');
    if (live && window.EventSource) {
      var es = new EventSource(live.getAttribute('data-live'));
      es.addEventListener('update', function (e) { live.innerHTML = e.data; });
    }
    var idle = document.body.getAttribute('data-idle-ms');
    if (idle) {
      var timer;
      var home = document.body.getAttribute('data-idle-home') || '/';
      var restart = function () {
        clearTimeout(timer);
        timer = setTimeout(function () { location.href = home; }, Number(idle));
      };
      ['touchstart', 'mousedown', 'keydown', 'scroll'].forEach(function (n) {
        addEventListener(n, restart, { passive: true });
      });
      restart();
    }
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', ready);
  } else {
    ready();
  }
})();
