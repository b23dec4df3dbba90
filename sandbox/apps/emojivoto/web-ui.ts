// The browser side of emojivoto's page, served at /js. Upstream ships a React bundle; this is a small script with
// the same two views: the grid of emoji to vote for (a failed vote shows upstream's error page text) and the
// leaderboard at /leaderboard.
export const EMOJIVOTO_UI_SCRIPT = `(function () {
  var main = document.getElementById('main');
  function el(tag, text) { var e = document.createElement(tag); if (text) e.textContent = text; return e; }
  function get(url) { return fetch(url).then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); }); }
  function leaderboard() {
    main.appendChild(el('h1', 'EMOJI VOTE LEADERBOARD'));
    get('/api/leaderboard').then(function (rows) {
      var list = el('ol');
      rows.forEach(function (r) { list.appendChild(el('li', r.unicode + ' ' + r.votes)); });
      main.appendChild(list);
    });
  }
  function vote() {
    main.appendChild(el('h1', '\\u{1F5F3} EMOJI VOTE \\u{1F5F3}'));
    main.appendChild(el('p', 'Tap to vote for your favorite emoji below'));
    var link = el('a', 'View the leaderboard'); link.href = '/leaderboard'; main.appendChild(link);
    var grid = el('div'); main.appendChild(grid);
    get('/api/list').then(function (list) {
      list.forEach(function (e) {
        var b = el('button', e.unicode); b.title = e.shortcode; b.style.fontSize = '2em';
        b.onclick = function () {
          fetch('/api/vote?choice=' + encodeURIComponent(e.shortcode)).then(function (r) {
            main.textContent = '';
            if (r.ok) { main.appendChild(el('h1', e.unicode)); main.appendChild(el('p', 'See how you stack up against others')); }
            else { main.appendChild(el('h1', '\\u{1F6A7} Sorry, we couldn\\u2019t process your vote')); main.appendChild(el('p', 'An error occurred')); }
            var back = el('a', 'Pick another one'); back.href = '/'; main.appendChild(back);
          });
        };
        grid.appendChild(b);
      });
    });
  }
  if (location.pathname === '/leaderboard') leaderboard(); else vote();
})();
`;
