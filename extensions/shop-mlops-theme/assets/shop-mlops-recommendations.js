// shop-mlops live mode: re-ranks the server-rendered recommendations for this visitor through the App Proxy (/apps/shop-mlops/recommendations/product); on any failure the Liquid order stays.
(function () {
  var VISITOR = /(?:^|;\s*)_shopify_y=([A-Za-z0-9_.-]{8,128})/;
  function visitorId() {
    var m = VISITOR.exec(document.cookie);
    return m ? m[1] : null;
  }
  function rerank(root) {
    if (root.getAttribute('data-live') !== 'true') return;
    var list = root.querySelector('.shop-mlops-recs__list');
    if (!list) return;
    var limit = Number(root.getAttribute('data-limit')) || 4;
    var query = new URLSearchParams({ product_id: root.getAttribute('data-product-id'), k: String(Math.min(50, limit * 3)) });
    var visitor = visitorId();
    if (visitor) query.set('visitor_id', visitor);
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, 1500);
    fetch(root.getAttribute('data-proxy-path') + '/recommendations/product?' + query.toString(), { credentials: 'same-origin', signal: controller ? controller.signal : undefined })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) {
        if (!answer || !Array.isArray(answer.prediction)) return;
        var items = {};
        Array.prototype.forEach.call(list.children, function (li) { items[li.getAttribute('data-product-id')] = li; });
        var shown = 0;
        answer.prediction.forEach(function (p) {
          var li = items[String(p.recommended_product_id)];
          if (!li) return;
          delete items[String(p.recommended_product_id)];
          list.appendChild(li);
          if (shown < limit) li.hidden = false; else li.hidden = true;
          shown += 1;
        });
        Object.keys(items).forEach(function (id) {
          var li = items[id];
          list.appendChild(li);
          li.hidden = shown >= limit;
          shown += 1;
        });
        root.setAttribute('data-arm', String(answer.arm || ''));
      })
      .catch(function () { /* the server-rendered order stays */ })
      .finally(function () { clearTimeout(timer); });
  }
  document.querySelectorAll('[data-shop-mlops-recs]').forEach(rerank);
})();
