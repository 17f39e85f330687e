// Loaded after require.js and before the widget manager (see _config.yml).
// The widget manager finds its fonts relative to where require.js says its modules
// live; point require.js at the folder this file is served from, which holds the
// manager under @jupyter-widgets/html-manager/dist/, so every page finds them.
(function () {
  var src = document.currentScript.src;
  require.config({ baseUrl: src.slice(0, src.lastIndexOf("/") + 1) });
})();

// The widget manager typesets widget labels through MathJax 2's `MathJax.Hub.Queue`;
// this site runs MathJax 3, which has no `Hub`, and replaces `window.MathJax` when it
// starts. Keep a `Hub` with that one call, mapped onto MathJax 3, on whatever object
// `window.MathJax` holds.
(function () {
  function queue(job) {
    var element = Array.isArray(job) ? job[2] : undefined;
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise && mj.typesetPromise) {
      mj.startup.promise.then(function () {
        return mj.typesetPromise(element ? [element] : undefined);
      });
    }
  }
  function withHub(mj) {
    if (mj && typeof mj === "object" && !mj.Hub) mj.Hub = { Queue: queue };
    return mj;
  }
  var current = withHub(window.MathJax);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () {
      return current;
    },
    set: function (value) {
      current = withHub(value);
    },
  });
})();
