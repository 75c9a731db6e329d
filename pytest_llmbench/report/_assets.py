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
.verdict.na,.tag.na{background:#eaecf0;color:#475467}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(240px,100%),1fr));gap:14px;margin:18px 0}
.card,.panel{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px 18px;
box-shadow:0 1px 2px rgba(16,24,40,.04)}
.card{border-top:4px solid var(--c)}
.card h3{margin:0;font-size:14px;font-weight:650;word-break:break-all}
.badge{display:inline-block;font-size:10.5px;font-weight:700;letter-spacing:.05em;text-transform:uppercase;
padding:2px 7px;border-radius:6px;background:#fff1d6;color:#8a4b00;border:1px solid #f5c46f;vertical-align:1px}
.acc{font-size:34px;font-weight:700;margin:10px 0 0;letter-spacing:-.02em;line-height:1.1}
.acc.partial{font-size:20px;color:#8a4b00}
svg.ci{width:100%;height:14px;margin:6px 0 2px}svg.ci .track{fill:#eaecf0}
.kv{display:grid;grid-template-columns:auto 1fr;gap:3px 12px;margin-top:10px;font-size:13px}
.kv dt{color:var(--muted)}.kv dd{margin:0;text-align:right;font-variant-numeric:tabular-nums}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(480px,100%),1fr));gap:14px;margin:14px 0}
.panel{margin:14px 0;min-width:0;overflow-x:auto}.grid2 .panel{margin:0}
svg.chart{width:100%;height:auto;display:block}
svg .grid{stroke:#eef0f3;stroke-width:1}svg .tick{fill:var(--muted);font-size:11px}
svg .axis{fill:var(--muted);font-size:12px}svg .label{fill:var(--ink);font-size:12px;font-weight:600}
svg .pt{stroke:#fff;stroke-width:2}svg .pt.dashed{stroke:#1d2430;stroke-dasharray:2 2;stroke-width:1.5}
svg .dot{opacity:.35}svg .box{fill:rgba(255,255,255,.7);stroke-width:2}
svg .whisker{stroke:#98a2b3;stroke-width:1.5}svg .median{stroke:#1d2430;stroke-width:2.5}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:7px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px;background:#fafbfc;position:sticky;top:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.num{white-space:nowrap}
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
.scroll.tall{max-height:720px}.reason{font-size:12px;color:#475467;margin-top:2px;max-width:320px;
word-break:break-word}.facts{font-size:11.5px;margin-top:2px}a{color:var(--accent)}
th[data-sort]{cursor:pointer;user-select:none}th[aria-sort=ascending]::after{content:" \\25B2"}
th[aria-sort=descending]::after{content:" \\25BC"}
.pager{display:flex;gap:10px;align-items:center;margin-top:10px;flex-wrap:wrap}
.pager button,.btn{border:1px solid #d0d5dd;background:#fff;border-radius:8px;padding:5px 12px;font:inherit;
cursor:pointer;color:var(--ink);text-decoration:none;display:inline-block}.pager button:disabled{opacity:.4}
.tx-panel{position:fixed;inset:0;background:rgba(16,24,40,.45);z-index:10;overflow:auto;padding:24px 12px}
.tx-box{background:#fff;max-width:920px;margin:0 auto;border-radius:12px;padding:18px 20px;position:relative}
#tx-close{position:absolute;right:10px;top:8px;border:0;background:none;font-size:24px;cursor:pointer}
.msg{border:1px solid var(--line);border-radius:8px;margin:8px 0;overflow:hidden}
.msg b{display:block;background:#fafbfc;padding:4px 10px;font-size:12px;color:var(--muted);
text-transform:uppercase;letter-spacing:.04em}
pre.text{white-space:pre-wrap;word-break:break-word;margin:0;padding:8px 10px;font:12.5px/1.45 ui-monospace,
SFMono-Regular,Menlo,Consolas,monospace}
.kv.wide{grid-template-columns:max-content 1fr}.kv.wide dd{text-align:left;word-break:break-word}
nav.top{display:flex;gap:14px;flex-wrap:wrap;padding:14px 0 0;font-size:13px}
.filters{display:flex;gap:8px;flex-wrap:wrap;align-items:center;margin-bottom:10px}
.filters input,.filters select{padding:6px 9px;border:1px solid #d0d5dd;border-radius:8px;font:inherit;
background:#fff;min-width:0}
@media (max-width:600px){body{padding:0 10px 30px}.card,.panel{padding:12px}h1{font-size:20px}
.toolbar input{min-width:0;flex-basis:100%}.answer,.clue,.reason{max-width:none}}
@media print{.toolbar,.tabs,.pager,.tx-panel{display:none}.scroll{max-height:none;overflow:visible}}
"""

JS = """
(function(){
  var root=document.documentElement, started=performance.now();
  window.addEventListener('error',function(e){root.setAttribute('data-llmbench-error',String(e.message));});
  function el(tag,cls,text){var e=document.createElement(tag);if(cls){e.className=cls;}
    if(text!==undefined&&text!==null){e.textContent=String(text);}return e;}
  document.querySelectorAll('.tabs').forEach(function(bar){
    bar.addEventListener('click',function(e){
      var b=e.target.closest('button'); if(!b){return;}
      bar.querySelectorAll('button').forEach(function(x){x.classList.toggle('on',x===b);});
      var group=bar.getAttribute('data-group');
      document.querySelectorAll('[data-pane="'+group+'"]').forEach(function(p){
        p.hidden=p.getAttribute('data-name')!==b.getAttribute('data-name');});
    });
  });
  var state={};
  (location.hash||'').replace(/^#/,'').split('&').forEach(function(kv){
    var i=kv.indexOf('='); if(i>0){state[kv.slice(0,i)]=decodeURIComponent(kv.slice(i+1));}});
  function save(){
    var parts=[]; Object.keys(state).forEach(function(k){if(state[k]!==''&&state[k]!==undefined){
      parts.push(k+'='+encodeURIComponent(state[k]));}});
    try{history.replaceState(null,'',parts.length?'#'+parts.join('&'):location.pathname+location.search);}catch(e){}
  }
  var table=document.getElementById('questions');
  if(table&&table.hasAttribute('data-server')){  // the viewer filters, sorts and pages on the server
    document.querySelectorAll('#q-form select').forEach(function(s){
      s.addEventListener('change',function(){s.form.submit();});});
  }else if(table){
    var body=table.tBodies[0], rows=Array.prototype.slice.call(body.rows);
    var size=+table.getAttribute('data-page')||100, page=+(state.p||0), matched=rows;
    var input=document.getElementById('q-search'), filter=document.getElementById('q-filter');
    var bench=document.getElementById('q-bench'), count=document.getElementById('q-count');
    var label=document.getElementById('q-page'), prev=document.getElementById('q-prev');
    var next=document.getElementById('q-next');
    var texts=new Map();
    function text(r){var t=texts.get(r);if(t===undefined){t=r.textContent.toLowerCase();texts.set(r,t);}return t;}
    // Only the rows of the page shown are visible (the server hid the rest): paging touches two pages of
    // rows, not all of them.
    var visible=rows.filter(function(r){return !r.hidden;});
    function show(){
      var start=page*size, end=start+size;
      visible.forEach(function(r){r.hidden=true;});
      visible=matched.slice(start,end); visible.forEach(function(r){r.hidden=false;});
      if(label){label.textContent=matched.length?'rows '+(start+1)+'\\u2013'+Math.min(end,matched.length)+
        ' of '+matched.length:'no rows';}
      if(prev){prev.disabled=page===0;} if(next){next.disabled=end>=matched.length;}
      state.p=page?String(page):''; save();
    }
    function apply(keep){
      var q=(input.value||'').toLowerCase().trim(), f=filter.value, b=bench?bench.value:'';
      matched=rows.filter(function(r){
        return (f==='all'||r.getAttribute('data-'+f)==='1')&&(!b||r.getAttribute('data-b')===b)&&
          (!q||text(r).indexOf(q)>=0);});
      if(!keep){page=0;} page=Math.max(0,Math.min(page,Math.ceil(matched.length/size)-1));
      count.textContent=matched.length+' of '+rows.length+' shown';
      state.q=q; state.f=f==='all'?'':f; state.b=b; show();
    }
    function sortBy(th,dir){
      var col=th.cellIndex, kind=th.getAttribute('data-sort');
      table.querySelectorAll('th[data-sort]').forEach(function(x){x.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',dir>0?'ascending':'descending');
      var keyed=rows.map(function(r,i){var c=r.cells[col];
        return {r:r,i:i,k:c?(kind==='rank'?(c.getAttribute('data-k')||''):c.textContent.toLowerCase()):''};});
      keyed.sort(function(a,b){return (a.k<b.k?-1:a.k>b.k?1:0)*dir||a.i-b.i;});
      rows=keyed.map(function(x){return x.r;});
      var frag=document.createDocumentFragment(); rows.forEach(function(r){frag.appendChild(r);});
      body.appendChild(frag); state.s=col+(dir>0?'a':'d'); apply(true);
    }
    table.tHead.addEventListener('click',function(e){
      var th=e.target.closest('th[data-sort]'); if(!th){return;}
      sortBy(th,th.getAttribute('aria-sort')==='ascending'?-1:1);});
    if(state.q){input.value=state.q;} if(state.f){filter.value=state.f;} if(bench&&state.b){bench.value=state.b;}
    input.addEventListener('input',function(){apply(false);});
    filter.addEventListener('change',function(){apply(false);});
    if(bench){bench.addEventListener('change',function(){apply(false);});}
    if(prev){prev.addEventListener('click',function(){page--;show();});}
    if(next){next.addEventListener('click',function(){page++;show();});}
    var sorted=/^(\\d+)([ad])$/.exec(state.s||''), th=sorted&&table.tHead.rows[0].cells[+sorted[1]];
    if(th&&th.hasAttribute('data-sort')){sortBy(th,sorted[2]==='a'?1:-1);}else{apply(true);}
  }
  var panel=document.getElementById('tx'), items=null;
  function block(parent,title,text,cut){
    var d=el('div','msg'); d.appendChild(el('b',null,title));
    var shown=text.length>4000?text.slice(0,4000):text, pre=el('pre','text',shown); d.appendChild(pre);
    if(shown.length<text.length){var more=el('button','btn','Show all '+text.length.toLocaleString()+
      ' characters');more.type='button';more.addEventListener('click',function(){pre.textContent=text;more.remove();});
      d.appendChild(more);}
    if(cut){d.appendChild(el('p','muted','\\u2026 '+cut.toLocaleString()+
      ' more characters are not in this file; llmbench view shows them all.'));}
    parent.appendChild(d);
  }
  function facts(parent,pairs){var dl=el('dl','kv wide');pairs.forEach(function(p){
    if(p[1]===null||p[1]===undefined||p[1]===''){return;}
    dl.appendChild(el('dt',null,p[0]));dl.appendChild(el('dd',null,p[1]));});parent.appendChild(dl);}
  function openItem(i){
    if(!panel){return;}
    if(!items){items=JSON.parse(document.getElementById('llmbench-summary').textContent).items||[];}
    var it=items[+i]; if(!it){return;}
    var out=document.getElementById('tx-body'); out.textContent='';
    out.appendChild(el('h2',null,it.model+' \\u2014 '+it.key+(it.repeat?' #'+(it.repeat+1):'')));
    facts(out,[['benchmark',it.bench],['clue',it.clue],['expected',it.answer],['verdict',it.verdict],
      ['grader',[it.grader,it.method].filter(Boolean).join(' / ')],['reason',it.reason||'none given'],
      ['matched',it.matched],['score',it.score],['error',it.error]].concat(it.facts));
    out.appendChild(el('h3',null,'Messages sent'));
    if(it.messages){it.messages.forEach(function(m){block(out,m.role,m.content,m.cut);});}
    else{out.appendChild(el('p','muted','not recorded'));}
    out.appendChild(el('h3',null,'Reply'));
    block(out,'assistant',it.reply,it.cut);
    out.appendChild(el('h3',null,'Judges'));
    if(it.judges&&it.judges.length){it.judges.forEach(function(j){
      facts(out,Object.keys(j).map(function(k){return [k,typeof j[k]==='object'?JSON.stringify(j[k]):j[k]];}));});}
    else{out.appendChild(el('p','muted','no judge was asked'));}
    panel.hidden=false; state.item=String(i); save();
  }
  function closeItem(){if(panel){panel.hidden=true;} state.item=''; save();}
  if(panel){
    document.addEventListener('click',function(e){
      var a=e.target.closest('a[href^="#item="]');
      if(a){e.preventDefault();openItem(a.getAttribute('href').slice(6));return;}
      if(e.target===panel||e.target.id==='tx-close'){closeItem();}
    });
    document.addEventListener('keydown',function(e){if(e.key==='Escape'){closeItem();}});
    if(state.item){openItem(state.item);}
  }
  root.setAttribute('data-llmbench-ready-ms',String(Math.round(performance.now())));
  root.setAttribute('data-llmbench-scroll-width',String(root.scrollWidth));
  root.setAttribute('data-llmbench-script-ms',String(Math.round(performance.now()-started)));
  root.setAttribute('data-llmbench-ready','yes');
})();
"""
