"""The HTML report's inline stylesheet and script (no CDN: the file must work offline and stay one file).

The script never builds markup from data: it only shows, hides and re-orders rows that the server rendered
(escaped), and reads text with ``textContent``. It marks the document when it has run
(``data-llmbench-ready``) and records uncaught errors (``data-llmbench-error``), which the browser test reads.
"""

from __future__ import annotations

CSS = """
:root{--bg:#f6f7f9;--card:#fff;--ink:#1d2430;--muted:#667085;--line:#e4e7ec;--ok:#1a7f37;--bad:#c4320a;
--warn:#b54708;--accent:#4e79a7;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,
sans-serif;font-size:14px;color:var(--ink);background:var(--bg)}
*{box-sizing:border-box}body{margin:0;padding:0 28px 40px;max-width:1400px;margin:auto}
header{padding:22px 0 8px}h1{font-size:24px;margin:0 0 4px;font-weight:650}
h2{font-size:16px;margin:0 0 12px;font-weight:650}.muted{color:var(--muted)}
.meta{display:flex;flex-wrap:wrap;gap:6px 18px;color:var(--muted);font-size:13px}
.meta b{color:var(--ink);font-weight:600}
.banner{margin:14px 0 4px;padding:10px 14px;border-radius:8px;background:#fff6e5;border:1px solid #f7c97a;
color:#7a4a00}
.verdict{display:inline-block;padding:3px 10px;border-radius:999px;font-weight:650;font-size:12px;
letter-spacing:.02em}
.verdict.pass{background:#dcfae6;color:var(--ok)}.verdict.fail{background:#fee4e2;color:var(--bad)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:14px;margin:18px 0}
.card,.panel{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px 18px;
box-shadow:0 1px 2px rgba(16,24,40,.04)}
.card{border-top:4px solid var(--c)}
.card h3{margin:0;font-size:14px;font-weight:650;word-break:break-all}
.badge{display:inline-block;font-size:10.5px;font-weight:700;letter-spacing:.05em;text-transform:uppercase;
padding:2px 7px;border-radius:6px;background:#fff1d6;color:#8a4b00;border:1px solid #f5c46f;vertical-align:1px}
.acc{font-size:34px;font-weight:700;margin:10px 0 0;letter-spacing:-.02em;line-height:1.1}
svg.ci{width:100%;height:14px;margin:6px 0 2px}svg.ci .track{fill:#eaecf0}
.kv{display:grid;grid-template-columns:auto 1fr;gap:3px 12px;margin-top:10px;font-size:13px}
.kv dt{color:var(--muted)}.kv dd{margin:0;text-align:right;font-variant-numeric:tabular-nums}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:14px;margin:14px 0}
.panel{margin:14px 0}.grid2 .panel{margin:0}
svg.chart{width:100%;height:auto;display:block}
svg .grid{stroke:#eef0f3;stroke-width:1}svg .tick{fill:var(--muted);font-size:11px}
svg .axis{fill:var(--muted);font-size:12px}svg .label{fill:var(--ink);font-size:12px;font-weight:600}
svg .pt{stroke:#fff;stroke-width:2}svg .pt.dashed{stroke:#1d2430;stroke-dasharray:2 2;stroke-width:1.5}
svg .dot{opacity:.35}svg .box{fill:rgba(255,255,255,.7);stroke-width:2}
svg .whisker{stroke:#98a2b3;stroke-width:1.5}svg .median{stroke:#1d2430;stroke-width:2.5}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:7px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px;background:#fafbfc;position:sticky;top:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.heat td.cell{text-align:center;font-variant-numeric:tabular-nums;font-weight:600;min-width:90px}
.heat td.cell small{font-weight:400;color:#475467}
.tabs{display:flex;gap:6px;margin-bottom:10px}
.tabs button{border:1px solid var(--line);background:#fff;border-radius:8px;padding:5px 12px;cursor:pointer;
font:inherit;color:var(--muted)}.tabs button.on{background:var(--ink);color:#fff;border-color:var(--ink)}
.scroll{max-height:460px;overflow:auto;border:1px solid var(--line);border-radius:8px}
.gates li{margin:4px 0;list-style:none}.gates{padding:0;margin:0}
.tag{display:inline-block;min-width:44px;text-align:center;font-size:11px;font-weight:700;padding:1px 6px;
border-radius:5px;margin-right:8px}
.tag.pass,.v-correct{background:#dcfae6;color:var(--ok)}.tag.fail,.v-wrong{background:#fee4e2;color:var(--bad)}
.v-error{background:#fef0c7;color:var(--warn)}.v-skip{background:#eaecf0;color:#475467}
.v{display:inline-block;font-size:10.5px;font-weight:700;padding:1px 6px;border-radius:5px;margin-bottom:3px;
text-transform:uppercase;letter-spacing:.03em}
.answer{white-space:pre-wrap;word-break:break-word;max-width:320px;font-size:12.5px}
.clue{max-width:380px}.expected{font-weight:600}
.toolbar{display:flex;gap:10px;align-items:center;margin-bottom:10px;flex-wrap:wrap}
.toolbar input{flex:1;min-width:220px;padding:8px 11px;border:1px solid #d0d5dd;border-radius:8px;font:inherit}
.toolbar select{padding:7px 9px;border:1px solid #d0d5dd;border-radius:8px;font:inherit;background:#fff}
.sig{font-weight:650}.legend{display:flex;gap:14px;flex-wrap:wrap;font-size:12px;color:var(--muted);
margin-top:8px}.legend i{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px;
vertical-align:-1px}
footer{margin-top:26px;color:var(--muted);font-size:12px}
@media print{.toolbar,.tabs{display:none}.scroll{max-height:none;overflow:visible}}
"""

JS = """
(function(){
  var root=document.documentElement;
  window.addEventListener('error',function(e){root.setAttribute('data-llmbench-error',String(e.message));});
  document.querySelectorAll('.tabs').forEach(function(bar){
    bar.addEventListener('click',function(e){
      var b=e.target.closest('button'); if(!b){return;}
      bar.querySelectorAll('button').forEach(function(x){x.classList.toggle('on',x===b);});
      var group=bar.getAttribute('data-group');
      document.querySelectorAll('[data-pane="'+group+'"]').forEach(function(p){
        p.hidden=p.getAttribute('data-name')!==b.getAttribute('data-name');});
    });
  });
  var input=document.getElementById('q-search'), filter=document.getElementById('q-filter');
  var rows=Array.prototype.slice.call(document.querySelectorAll('#questions tbody tr'));
  var texts=rows.map(function(r){return r.textContent.toLowerCase();});
  var count=document.getElementById('q-count');
  function apply(){
    var q=(input.value||'').toLowerCase().trim(), f=filter.value, shown=0;
    rows.forEach(function(r,i){
      var ok=(!q||texts[i].indexOf(q)>=0)&&(f==='all'||r.getAttribute('data-'+f)==='1');
      r.hidden=!ok; if(ok){shown++;}
    });
    count.textContent=shown+' of '+rows.length+' shown';
  }
  if(input&&filter){input.addEventListener('input',apply);filter.addEventListener('change',apply);apply();}
  root.setAttribute('data-llmbench-ready','yes');
})();
"""
