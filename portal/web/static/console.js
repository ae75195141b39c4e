// console.js: keyboard shortcuts on every console page, and the "also open by" row of the
// complaint page kept fresh. Everything here has a no-JavaScript way too (links, forms,
// the presence row drawn by the server on each view); this only saves clicks.
//
//   /      focus the search box (the queue's, the caller lookup's, else the global one)
//   j / k  next / previous complaint in the queue      Enter or o  open it
//   c      claim (the queue's selected row, or the complaint page's claim button)
//   r      reply (the complaint page's reply box; from the queue, the selected one's)
//   e      resolve (the complaint page's resolve form; from the queue, the selected one's)
//   ?      show or hide the list of shortcuts          Esc  close it / leave a field
(function () {
  'use strict';

  function typing(el) {
    if (!el || !el.tagName) return false;
    var tag = el.tagName.toLowerCase();
    return tag === 'input' || tag === 'textarea' || tag === 'select' || el.isContentEditable;
  }

  function focusField(el) {
    if (!el) return false;
    el.scrollIntoView({ block: 'center' });
    el.focus();
    return true;
  }

  document.addEventListener('DOMContentLoaded', function () {
    var help = document.getElementById('kb-help');
    var rows = Array.prototype.slice.call(document.querySelectorAll('#queue tbody tr'));
    var cur = -1;

    function select(i) {
      if (!rows.length) return;
      if (cur >= 0) {
        rows[cur].classList.remove('kb-current');
        rows[cur].removeAttribute('aria-current');
      }
      cur = Math.max(0, Math.min(rows.length - 1, i));
      rows[cur].classList.add('kb-current');
      rows[cur].setAttribute('aria-current', 'true');
      var a = link();
      if (a) a.focus();
      rows[cur].scrollIntoView({ block: 'nearest' });
    }

    function link() {
      return cur >= 0 ? rows[cur].querySelector('a[href^="/console/complaints/"]') : null;
    }

    function openSelected(hash) {
      var a = link();
      if (a) window.location.href = a.getAttribute('href') + (hash || '');
    }

    function toggleHelp(show) {
      if (!help) return;
      help.hidden = show === undefined ? !help.hidden : !show;
      if (!help.hidden) {
        var b = document.getElementById('kb-help-close');
        if (b) b.focus();
      }
    }

    var close = document.getElementById('kb-help-close');
    if (close) close.addEventListener('click', function () { toggleHelp(false); });

    document.addEventListener('keydown', function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented) return;
      if (ev.key === 'Escape') {
        if (help && !help.hidden) toggleHelp(false);
        else if (typing(ev.target)) ev.target.blur();
        return;
      }
      if (typing(ev.target)) return;
      var done = true;
      switch (ev.key) {
        case '/':
          done = focusField(document.querySelector('[data-search]') || document.getElementById('q') ||
            document.querySelector('[data-global-search]'));
          break;
        case 'j':
          select(cur + 1);
          break;
        case 'k':
          select(cur - 1);
          break;
        case 'o':
          openSelected('');
          break;
        case 'Enter':
          if (cur < 0 || document.activeElement === link()) { done = false; break; } // a focused link opens itself
          openSelected('');
          break;
        case 'c': {
          var claim = cur >= 0 ? rows[cur].querySelector('button.claim') : document.getElementById('claim');
          if (claim) claim.click(); else done = false;
          break;
        }
        case 'r':
          if (!focusField(document.getElementById('reply'))) {
            if (cur >= 0) openSelected('#reply'); else done = false;
          }
          break;
        case 'e':
          if (!focusField(document.getElementById('root-cause'))) {
            if (cur >= 0) openSelected('#resolve-form'); else done = false;
          }
          break;
        case '?':
          toggleHelp();
          break;
        default:
          done = false;
      }
      if (done) ev.preventDefault();
    });

    // Arriving from the queue with r or e: the field is ready.
    if (window.location.hash === '#reply') focusField(document.getElementById('reply'));
    if (window.location.hash === '#resolve-form') focusField(document.getElementById('root-cause'));

    // Who else has this complaint open: refreshed well within complaints.PresenceTTL.
    var presence = document.getElementById('presence');
    var names = document.getElementById('presence-names');
    if (presence && names && window.fetch) {
      var refresh = function () {
        fetch(presence.dataset.url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (d) {
            if (!d || !d.others) return;
            names.textContent = d.others.join('、');
            presence.hidden = d.others.length === 0;
          })
          .catch(function () {});
      };
      window.setInterval(refresh, 30000);
    }
  });
})();
