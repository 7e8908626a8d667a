/* Progressive enhancement for the podcast pages. Without this file every page still works:
   chapter and timestamp links are media fragments (episode.mp3#t=754) and the whole
   transcript is on the page. With it:
   - clicking a chapter, a timestamp or a transcript paragraph seeks the player;
   - the paragraph (and chapter) being heard gets aria-current="true" and a highlight;
   - the search boxes appear: this transcript (episode pages) and every episode (the index,
     from search-index.js, which assigns window.PODCAST_SEARCH_INDEX).
   No framework, no network request: it only reads the page and the script-loaded index. */
(function () {
  "use strict";

  var doc = document;
  doc.documentElement.className += " js-enabled";

  function ready(fn) {
    if (doc.readyState !== "loading") { fn(); } else { doc.addEventListener("DOMContentLoaded", fn); }
  }

  function toArray(list) { return Array.prototype.slice.call(list); }

  function clock(seconds) {
    var total = Math.max(0, Math.floor(seconds + 1e-6));
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  /* ------------------------------------------------------------------ player */

  function Player(audio) {
    this.audio = audio;
    this.paras = toArray(doc.querySelectorAll(".transcript__para[data-start]"));
    this.starts = this.paras.map(function (p) { return parseFloat(p.getAttribute("data-start")); });
    this.chapters = toArray(doc.querySelectorAll(".chapters__item"));
    this.chapterStarts = this.chapters.map(function (li) {
      var link = li.querySelector("[data-seek]");
      return link ? parseFloat(link.getAttribute("data-seek")) : 0;
    });
    this.current = -1;
    this.currentChapter = -1;
    var self = this;
    var update = function () { self.update(); };
    audio.addEventListener("timeupdate", update);
    audio.addEventListener("seeked", update);
    doc.addEventListener("click", function (event) { self.onClick(event); });
  }

  Player.prototype.seek = function (seconds) {
    var audio = this.audio;
    var go = function () { audio.currentTime = seconds; };
    if (audio.readyState >= 1) { go(); } else { audio.addEventListener("loadedmetadata", go, { once: true }); go(); }
    var playing = audio.play();
    if (playing && playing.catch) { playing.catch(function () { /* the user can press play */ }); }
    this.update(seconds);
  };

  function lastAtOrBefore(starts, t) {
    var lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= t + 0.05) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  Player.prototype.update = function (at) {
    var t = typeof at === "number" ? at : this.audio.currentTime;
    this.current = mark(this.paras, this.current, lastAtOrBefore(this.starts, t));
    this.currentChapter = mark(this.chapters, this.currentChapter, lastAtOrBefore(this.chapterStarts, t));
  };

  function mark(elements, previous, next) {
    if (next === previous) { return previous; }
    if (previous >= 0 && elements[previous]) { elements[previous].removeAttribute("aria-current"); }
    if (next >= 0 && elements[next]) { elements[next].setAttribute("aria-current", "true"); }
    return next;
  }

  Player.prototype.onClick = function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) { return; }
    var target = event.target instanceof Element ? event.target : null;
    if (!target) { return; }
    var link = target.closest("a");
    if (link) {
      if (link.hasAttribute("data-seek")) {
        event.preventDefault();
        this.seek(parseFloat(link.getAttribute("data-seek")));
      }
      return;
    }
    var para = target.closest(".transcript__para[data-start]");
    if (!para || String(window.getSelection ? window.getSelection() : "").length) { return; }
    this.seek(parseFloat(para.getAttribute("data-start")));
  };

  /* ------------------------------------------------------------------ search */

  function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function terms(query) {
    return query.split(/\s+/).filter(function (w) { return w.length > 0; });
  }

  function matcher(words) {
    var each = words.map(function (w) { return new RegExp(escapeRegExp(w), "iu"); });
    var any = new RegExp(words.map(escapeRegExp).join("|"), "giu");
    return {
      test: function (text) { return each.every(function (re) { return re.test(text); }); },
      any: any
    };
  }

  /* Append `text` to `parent`, wrapping the matches in <mark>. Text nodes only: never HTML. */
  function appendMarked(parent, text, re) {
    var last = 0;
    re.lastIndex = 0;
    var m;
    while ((m = re.exec(text)) !== null) {
      if (m[0].length === 0) { re.lastIndex += 1; continue; }
      parent.appendChild(doc.createTextNode(text.slice(last, m.index)));
      var hit = doc.createElement("mark");
      hit.textContent = m[0];
      parent.appendChild(hit);
      last = m.index + m[0].length;
    }
    parent.appendChild(doc.createTextNode(text.slice(last)));
  }

  function snippet(text, re, width) {
    re.lastIndex = 0;
    var m = re.exec(text);
    var at = m ? m.index : 0;
    var start = Math.max(0, at - width), end = Math.min(text.length, at + width * 2);
    return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
  }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function SearchBox(root, run) {
    var form = root.querySelector("form");
    var input = root.querySelector("input");
    this.status = root.querySelector(".search__status");
    this.results = root.querySelector(".search__results");
    var self = this;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.clear();
      run(input.value.trim(), self); /* an empty search clears the marks */
    });
    input.addEventListener("search", function () { if (!input.value.trim()) { self.clear(); run("", self); } });
    root.hidden = false;
  }

  SearchBox.prototype.clear = function () {
    this.status.textContent = "";
    while (this.results.firstChild) { this.results.removeChild(this.results.firstChild); }
  };

  SearchBox.prototype.item = function (href, label, text, re) {
    var li = doc.createElement("li");
    var a = doc.createElement("a");
    a.href = href;
    a.textContent = label;
    li.appendChild(a);
    if (text) {
      var p = doc.createElement("div");
      appendMarked(p, text, re);
      li.appendChild(p);
    }
    this.results.appendChild(li);
    return a;
  };

  function transcriptSearch(root) {
    var paras = toArray(doc.querySelectorAll(".transcript__para"));
    var originals = paras.map(function (p) {
      var node = p.querySelector(".transcript__text");
      return { para: p, node: node, text: node ? node.textContent : "" };
    });
    new SearchBox(root, function (query, box) {
      originals.forEach(function (o) {
        o.para.classList.remove("search-match");
        if (o.node) { o.node.textContent = o.text; }
      });
      if (!query) { return; }
      var words = terms(query), m = matcher(words), found = 0;
      originals.forEach(function (o) {
        if (!o.node || !m.test(o.text)) { return; }
        found += 1;
        o.node.textContent = "";
        appendMarked(o.node, o.text, m.any);
        o.para.classList.add("search-match");
        var speaker = o.para.querySelector(".transcript__speaker");
        var label = clock(parseFloat(o.para.getAttribute("data-start"))) + (speaker ? " " + speaker.textContent : "");
        var link = box.item("#" + o.para.id, label, snippet(o.text, m.any, 60), m.any);
        link.addEventListener("click", function (event) {
          event.preventDefault();
          o.para.setAttribute("tabindex", "-1");
          o.para.focus();
        });
      });
      box.status.textContent = found
        ? plural(found, "paragraph", "paragraphs") + " found for “" + query + "”"
        : "No paragraphs found for “" + query + "”";
    });
  }

  function allEpisodesSearch(root, index) {
    var limit = 50;
    new SearchBox(root, function (query, box) {
      if (!query) { return; }
      var m = matcher(terms(query)), found = 0, episodes = 0, shown = 0;
      index.episodes.forEach(function (ep) {
        var hits = ep.paragraphs.filter(function (p) { return m.test(p[3]); });
        var titleHit = m.test(ep.title);
        if (!hits.length && !titleHit) { return; }
        episodes += 1;
        found += hits.length;
        if (shown >= limit) { return; }
        if (!hits.length) { box.item(ep.url, ep.title, ep.summary, m.any); shown += 1; return; }
        hits.slice(0, limit - shown).forEach(function (p) {
          var label = ep.title + ", " + clock(p[1]) + (p[2] ? " " + p[2] : "");
          box.item(ep.url + "#" + p[0], label, snippet(p[3], m.any, 60), m.any);
          shown += 1;
        });
      });
      box.status.textContent = episodes
        ? plural(found, "paragraph", "paragraphs") + " in " + plural(episodes, "episode", "episodes") +
          " found for “" + query + "”" + (shown < found ? " (showing the first " + shown + ")" : "")
        : "No episodes found for “" + query + "”";
    });
  }

  ready(function () {
    var audio = doc.querySelector("audio[data-player]");
    if (audio) { new Player(audio); }
    toArray(doc.querySelectorAll("[data-search]")).forEach(function (root) {
      var scope = root.getAttribute("data-search");
      if (scope === "transcript") { transcriptSearch(root); }
      if (scope === "all") {
        /* search-index.js is deferred after this file: it may not have run yet. */
        var start = function () {
          var index = window.PODCAST_SEARCH_INDEX;
          if (index && index.episodes && root.hidden) { allEpisodesSearch(root, index); }
        };
        if (window.PODCAST_SEARCH_INDEX) { start(); } else { window.addEventListener("load", start); }
      }
    });
  });
}());
