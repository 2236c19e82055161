window.onerror=function(msg,src,line){var e=document.getElementById('js-errors');
 e.setAttribute('data-error','1');e.textContent+='JS error: '+msg+' (line '+line+')\n';};
function sortTable(th){var t=th.closest('table'),i=Array.prototype.indexOf.call(th.parentNode.children,th),
 b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows),asc=th.getAttribute('data-asc')!=='1';
 rows.sort(function(x,y){var a=x.cells[i].getAttribute('data-v')||x.cells[i].textContent,
 c=y.cells[i].getAttribute('data-v')||y.cells[i].textContent,na=parseFloat(a),nc=parseFloat(c);
 var r=(!isNaN(na)&&!isNaN(nc))?na-nc:a.localeCompare(c,'zh');return asc?r:-r;});
 rows.forEach(function(r){b.appendChild(r);});th.setAttribute('data-asc',asc?'1':'0');}
function filterTable(inp,id){var q=inp.value.toLowerCase(),t=document.getElementById(id),n=0;
 Array.prototype.forEach.call(t.tBodies[0].rows,function(r){var s=r.textContent.toLowerCase().indexOf(q)>=0;
 r.style.display=s?'':'none';if(s)n++;});document.getElementById(id+'-count').textContent=n;}
function toggleTable(id,btn){var e=document.getElementById(id);e.classList.toggle('shown');
 btn.textContent=e.classList.contains('shown')?'隐藏数据表 / hide table':'显示数据表 / show table';}
// tooltips are HTML: every text from a report is escaped here
function esc(s){return String(s).replace(/[&<>"']/g,function(c){
 return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c];});}
function tipText(p){var d=p.data||{};if(d.tip)return d.tip.map(esc).join('<br>');
 return esc(p.name||'')+' '+esc(p.value);}
// each chart marks itself data-rendered="1" on ECharts' 'finished' event; the body counts them
function drawCharts(){var src=document.getElementById('chart-options');if(!src)return;
 var t0=performance.now(),opts=JSON.parse(src.textContent),ids=Object.keys(opts),done=0;
 document.body.setAttribute('data-charts',String(ids.length));
 ids.forEach(function(id){var el=document.getElementById(id);if(!el)return;
  var c=echarts.init(el,null,{renderer:'svg'}),o=opts[id];
  o.animation=false;o.tooltip={trigger:'item',confine:true,formatter:tipText};
  c.on('finished',function(){if(el.getAttribute('data-rendered')!=='1'){el.setAttribute('data-rendered','1');
   done++;document.body.setAttribute('data-charts-rendered',String(done));
   if(done===ids.length)document.body.setAttribute('data-chart-ms',String(Math.round(performance.now()-t0)));}});
  c.on('click',function(p){if(p.data&&p.data.href)location.href=p.data.href;});
  c.setOption(o);window.addEventListener('resize',function(){c.resize();});});}
// an opened evidence box that would run off the right edge of the window moves left
document.addEventListener('toggle',function(e){var d=e.target;if(!d.open||!d.classList||!d.classList.contains('ev'))return;
 var p=d.querySelector('.evpop');if(!p)return;p.style.left='0px';var r=p.getBoundingClientRect(),w=document.documentElement.clientWidth;
 if(r.right>w-8)p.style.left=Math.min(0,w-8-r.right)+'px';},true);
document.addEventListener('DOMContentLoaded',function(){
 Array.prototype.forEach.call(document.querySelectorAll('th'),function(th){th.addEventListener('click',
 function(){sortTable(th);});});
 drawCharts();
 document.body.setAttribute('data-ready','1');});
