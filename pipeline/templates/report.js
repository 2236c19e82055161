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
document.addEventListener('DOMContentLoaded',function(){
 Array.prototype.forEach.call(document.querySelectorAll('th'),function(th){th.addEventListener('click',
 function(){sortTable(th);});});
 document.body.setAttribute('data-ready','1');});
