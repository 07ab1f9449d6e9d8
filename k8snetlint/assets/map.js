(function(){
"use strict";
// k8snetlint connectivity map. The layout comes computed in the data block; this script
// draws it and adds pan, zoom, search, a namespace filter and the side panel. It writes
// text nodes only (never markup) and makes no network request.
var D=JSON.parse(document.getElementById("data").textContent);
var SVGNS="http://www.w3.org/2000/svg";
var svg=document.getElementById("svg"),vp=document.getElementById("vp"),info=document.getElementById("info");
var F=D.findings||{},NF=D.namespaceFindings||{};
var RANK={error:3,warning:2,info:1};
var nodeEls={},nodeById={},edgeEls=[],groupEls={},hidden={};
function worst(list){var w="";list.forEach(function(f){if(!w||(RANK[f.severity]||0)>(RANK[w]||0))w=f.severity;});return w;}
function el(t,a,p){var e=document.createElementNS(SVGNS,t);for(var k in a)e.setAttribute(k,a[k]);if(p)p.appendChild(e);return e;}
function h(t,txt,p,cls){var e=document.createElement(t);if(txt!==undefined&&txt!==null)e.textContent=String(txt);if(cls)e.className=cls;if(p)p.appendChild(e);return e;}
function title(p,txt){var t=el("title",{},p);t.textContent=txt;return t;}
function badge(list,cx,cy,p,extra){var g=el("g",{class:"badge"+(extra?" "+extra:"")},p);
 el("circle",{cx:cx,cy:cy,r:10},g);var t=el("text",{x:cx,y:cy+4},g);t.textContent=String(list.length);
 title(g,list.length+" finding"+(list.length===1?"":"s")+", worst: "+worst(list));return g;}

// -- drawing ---------------------------------------------------------------------------
var gLayer=document.getElementById("groups"),eLayer=document.getElementById("edges"),
    nLayer=document.getElementById("nodes"),lLayer=document.getElementById("labels");
D.groups.forEach(function(g){
 var grp=el("g",{class:"group","data-ns":g.name},gLayer);
 el("rect",{x:g.x,y:g.y,width:g.w,height:g.h,rx:10,class:"grp"+(g.name?"":" outside")},grp);
 var t=el("text",{x:g.x+12,y:g.y+19,class:"gl"},grp);t.textContent=g.name?"namespace "+g.name:"not in one namespace";
 var gf=g.name?(NF[g.name]||[]):[];
 if(gf.length){var gb=badge(gf,g.x+g.w-16,g.y+14,grp,"gbadge sev-"+worst(gf));gb.setAttribute("data-ns",g.name);
  gb.addEventListener("click",function(ev){ev.stopPropagation();showNamespace(g.name);});}
 groupEls[g.name]=grp;});
D.edges.forEach(function(e,i){
 var cls="edge kind-"+e.kind+(e.assumed?" assumed":"");
 var g=el("g",{class:"eg","data-i":i},eLayer);
 var p=el("path",{d:e.d,class:cls,"data-src":e.src,"data-dst":e.dst},g);
 var hit=el("path",{d:e.d,class:"hit"},g);
 title(hit,e.src+" \u2192 "+e.dst+": "+e.label+(e.assumed?" (assumed)":"")+(e.detail?"\n"+e.detail.split("; ").join("\n"):""));
 var lg=el("g",{class:"el"+(e.lx===null?" hidden":""),"data-i":i},lLayer);
 var lx=e.lx,ly=e.ly;
 if(lx===null){var len=p.getTotalLength(),pt=p.getPointAtLength(len/2);lx=pt.x;ly=pt.y;}
 el("rect",{x:lx-e.lw/2,y:ly-6.5,width:e.lw,height:13,rx:3},lg);
 var t=el("text",{x:lx,y:ly},lg);t.textContent=e.short;title(lg,e.label);
 var rec={e:e,g:g,p:p,l:lg};edgeEls.push(rec);
 hit.addEventListener("mouseenter",function(){light([rec],true);});
 hit.addEventListener("mouseleave",function(){light([rec],false);});
 hit.addEventListener("click",function(ev){ev.stopPropagation();select(e.dst);});});
D.nodes.forEach(function(n){
 var nf=F[n.id]||[];nodeById[n.id]=n;
 var cls="node"+(n.entry?" entry":"")+(n.type==="outside"?" outside":"")+(n.type!=="workload"&&n.type!=="outside"?" pseudo":"")+(nf.length?" has-findings sev-"+worst(nf):"");
 var g=el("g",{class:cls,"data-id":n.id,"data-ns":n.group},nLayer);
 el("rect",{x:n.x,y:n.y,width:n.w,height:n.h,rx:6,class:"box"},g);
 var t1=el("text",{x:n.x+10,y:n.y+17},g);t1.textContent=n.label;
 var t2=el("text",{x:n.x+10,y:n.y+32,class:"sub"},g);t2.textContent=n.sub;
 if(n.entry){el("rect",{x:n.x+n.w-46,y:n.y+n.h-16,width:40,height:13,rx:3,class:"entrytag"},g);
  var et=el("text",{x:n.x+n.w-26,y:n.y+n.h-6.5,"text-anchor":"middle"},g);et.textContent="ENTRY";}
 if(nf.length)badge(nf,n.x+n.w-13,n.y+13,g);
 title(g,n.id+(n.entry?"\nentry point: reachable from outside the cluster":"")+(nf.length?"\n"+nf.length+" finding(s)":""));
 g.addEventListener("click",function(ev){ev.stopPropagation();select(n.id);});
 g.addEventListener("mouseenter",function(){light(edgesOf(n.id),true);});
 g.addEventListener("mouseleave",function(){light(edgesOf(n.id),false);});
 nodeEls[n.id]=g;});
function edgesOf(id){return edgeEls.filter(function(r){return r.e.src===id||r.e.dst===id;});}
var selected=null;
function light(recs,on){recs.forEach(function(r){
 var keep=selected&&(r.e.src===selected||r.e.dst===selected);
 r.p.classList.toggle("hl",on||!!keep);r.l.classList.toggle("hl",on||!!keep);
 if(on||keep)lLayer.appendChild(r.l);});}

// -- pan and zoom ------------------------------------------------------------------------
var view={k:1,x:0,y:0};
function apply(){vp.setAttribute("transform","translate("+view.x+","+view.y+") scale("+view.k+")");}
function box(){return svg.getBoundingClientRect();}
function visibleBounds(){var b=vp.getBBox();  // what is drawn and not filtered out
 if(!b.width||!b.height)return {x:0,y:0,w:D.width,h:D.height};return {x:b.x-10,y:b.y-10,w:b.width+20,h:b.height+20};}
function fit(){var b=box(),v=visibleBounds(),top=48;var k=Math.min(b.width/v.w,(b.height-top)/v.h);
 k=Math.min(k,1.6);view.k=k;view.x=(b.width-v.w*k)/2-v.x*k;view.y=top+((b.height-top)-v.h*k)/2-v.y*k;apply();}
function zoomAt(f,cx,cy){var k=Math.max(0.05,Math.min(6,view.k*f));f=k/view.k;
 view.x=cx-(cx-view.x)*f;view.y=cy-(cy-view.y)*f;view.k=k;apply();}
function center(id){var n=nodeById[id];if(!n)return;var b=box();var k=Math.max(view.k,0.9);view.k=k;
 view.x=b.width/2-(n.x+n.w/2)*k;view.y=b.height/2-(n.y+n.h/2)*k;apply();}
svg.addEventListener("wheel",function(ev){ev.preventDefault();var b=box();
 zoomAt(ev.deltaY<0?1.15:1/1.15,ev.clientX-b.left,ev.clientY-b.top);},{passive:false});
var drag=null;
svg.addEventListener("mousedown",function(ev){if(ev.button!==0)return;drag={x:ev.clientX,y:ev.clientY,vx:view.x,vy:view.y,moved:false};svg.classList.add("panning");});
window.addEventListener("mousemove",function(ev){if(!drag)return;var dx=ev.clientX-drag.x,dy=ev.clientY-drag.y;
 if(Math.abs(dx)+Math.abs(dy)>3)drag.moved=true;view.x=drag.vx+dx;view.y=drag.vy+dy;apply();});
window.addEventListener("mouseup",function(){if(drag&&!drag.moved&&selected===null){}drag=null;svg.classList.remove("panning");});
svg.addEventListener("click",function(){if(selected!==null){select(null);}});
document.getElementById("zoom-in").addEventListener("click",function(){var b=box();zoomAt(1.25,b.width/2,b.height/2);});
document.getElementById("zoom-out").addEventListener("click",function(){var b=box();zoomAt(1/1.25,b.width/2,b.height/2);});
document.getElementById("fit").addEventListener("click",fit);
window.addEventListener("resize",fit);

// -- search and namespace filter ------------------------------------------------------------
var search=document.getElementById("search"),matches=document.getElementById("matches");
function runSearch(){var q=search.value.trim().toLowerCase();var hits=[];
 D.nodes.forEach(function(n){var m=q!==""&&!hidden[n.group]&&n.id.toLowerCase().indexOf(q)>=0;
  nodeEls[n.id].classList.toggle("match",m);nodeEls[n.id].classList.toggle("dim",q!==""&&!m);if(m)hits.push(n.id);});
 edgeEls.forEach(function(r){r.g.classList.toggle("dim",q!=="");r.l.classList.toggle("dim",q!=="");});
 matches.textContent=q===""?"":hits.length+" match"+(hits.length===1?"":"es");return hits;}
search.addEventListener("input",runSearch);
search.addEventListener("keydown",function(ev){if(ev.key==="Enter"){var hits=runSearch();if(hits.length){select(hits[0]);center(hits[0]);}}
 if(ev.key==="Escape"){search.value="";runSearch();}});
var nsf=document.getElementById("nsfilter");
function applyFilter(){
 D.groups.forEach(function(g){groupEls[g.name].style.display=hidden[g.name]?"none":"";});
 D.nodes.forEach(function(n){nodeEls[n.id].style.display=hidden[n.group]?"none":"";});
 edgeEls.forEach(function(r){var a=nodeById[r.e.src],b=nodeById[r.e.dst];var off=(a&&hidden[a.group])||(b&&hidden[b.group]);
  r.g.style.display=off?"none":"";r.l.style.display=off?"none":"";});fit();}
var names=D.groups.map(function(g){return g.name;});
function nsButton(txt,val){var b=h("button",txt,nsf);b.type="button";b.addEventListener("click",function(){
 names.forEach(function(n){hidden[n]=!val;});nsf.querySelectorAll("input").forEach(function(i){i.checked=val;});applyFilter();});}
nsButton("all",true);nsButton("none",false);
names.forEach(function(name){var lab=h("label",null,nsf);var cb=h("input",null,lab);cb.type="checkbox";cb.checked=true;
 cb.setAttribute("data-ns",name);lab.appendChild(document.createTextNode(" "+(name||"(not in one namespace)")));
 cb.addEventListener("change",function(){hidden[name]=!cb.checked;applyFilter();});});

// -- side panel -------------------------------------------------------------------------
function clear(){while(info.firstChild)info.removeChild(info.firstChild);}
function nodeLink(id,p){if(nodeById[id]){var a=h("a",id,p,"node-link");a.addEventListener("click",function(){select(id);center(id);});return a;}
 return h("code",id,p);}
function findingList(list,p){var ul=h("ul",null,p,"findings");
 list.forEach(function(f){var li=h("li",null,ul,"finding sev-"+f.severity);
  h("span",f.severity,li,"sevl");li.appendChild(document.createTextNode(" "));h("code",f.rule,li);
  li.appendChild(document.createTextNode(": "+f.message));
  if(f.object){h("br",null,li);h("small",f.object,li);}
  h("br",null,li);h("small",f.location,li,"loc");});}
function legend(p){var d=h("div",null,p,"legend");
 [["","allowed (ports on the line)"],["exposed","from outside, exposed"],["admitted","admitted by policy only"],["assumed","assumed"],["entry","entry point"]].forEach(function(x){
  var s=h("span",null,d);h("i",null,s,"sw "+x[0]);s.appendChild(document.createTextNode(x[1]));});}
function summary(){clear();h("h3","Connectivity map",info);
 var parts=D.summary.split(". Outside the cluster: ");h("p",parts[0]+(parts.length>1?". Outside the cluster:":""),info);
 if(parts.length>1){var us=h("ul",null,info);parts[1].split("; ").forEach(function(x){h("li",x,us);});}
 legend(info);
 h("p","Click a box for its findings and for who reaches it, on which port and why. Drag to pan, wheel to zoom. Labels that do not fit show when you point at an edge or a box.",info);
 var keys=Object.keys(F).sort(),nsl=Object.keys(NF).sort(),total=0;
 keys.forEach(function(k){total+=F[k].length;});nsl.forEach(function(k){total+=NF[k].length;});
 h("h4","Findings ("+total+")",info);
 keys.forEach(function(k){var hd=h("h4",null,info);nodeLink(k,hd);findingList(F[k],info);});
 nsl.forEach(function(k){h("h4",k?"namespace "+k:"not tied to a namespace",info);findingList(NF[k],info);});}
function showNamespace(ns){select(null,true);clear();
 h("h3","namespace "+ns,info);var nf=NF[ns]||[];h("h4","Findings ("+nf.length+")",info);findingList(nf,info);}
function connItem(c,p,who){var li=h("li",null,p);nodeLink(c[who],li);
 li.appendChild(document.createTextNode(": "+c.conn+(c.assumed?" (assumed)":"")));
 if(c.outside){h("br",null,li);h("small",c.outside,li);}
 if(c.why){h("br",null,li);h("small","why: "+c.why.split(";").join("; "),li);}}
function select(id,quiet){selected=id;
 D.nodes.forEach(function(n){nodeEls[n.id].classList.toggle("sel",n.id===id);});
 var near={},reach={};if(id!==null)near[id]=true;
 function nid(name){return /\[External\]$/.test(name)?"outside the cluster":name;}
 if(id!==null){(D.outgoing[id]||[]).forEach(function(c){reach[nid(c.dst)]=true;});
  (D.incoming[id]||[]).forEach(function(c){reach[nid(c.src)]=true;});}
 var wl=id!==null&&nodeById[id]&&nodeById[id].type==="workload";
 function via(r){var t=nodeById[r.e.src]&&nodeById[r.e.src].type;  // "any pod" / "anyone" stand for it
  return wl&&(t==="anyone"||t==="any-pod")&&reach[r.e.dst]===true;}
 edgeEls.forEach(function(r){var on=id!==null&&(r.e.dst===id||r.e.src===id||via(r));r.p.classList.toggle("hl",on);r.l.classList.toggle("hl",on);
  if(on){lLayer.appendChild(r.l);near[r.e.src]=true;near[r.e.dst]=true;}
  // the rest fades while a node is selected, so that its neighbourhood stands out
  r.g.classList.toggle("faded",id!==null&&!on);r.l.classList.toggle("faded",id!==null&&!on);});
 D.nodes.forEach(function(n){nodeEls[n.id].classList.toggle("faded",id!==null&&!near[n.id]&&!reach[n.id]);});
 if(quiet)return;if(id===null){summary();return;}
 clear();var n=nodeById[id]||{},inc=D.incoming[id]||[],out=D.outgoing[id]||[],rts=D.routes[id]||[],nf=F[id]||[];
 h("h3",id,info);
 if(n.entry)h("p","Entry point: reachable from outside the cluster (see the ways in below).",info);
 if(n.type==="outside")h("p","Every address outside the cluster. Lines from it mean the destination's ingress policy admits those addresses; red lines are exposed through a NodePort, LoadBalancer, externalIP, hostPort or Ingress, dotted ones are not routed from outside.",info);
 if(n.type==="anyone"||n.type==="any-pod")h("p",n.type==="anyone"?"Stands for every workload and every address: its destinations admit them all on the ports shown.":"Stands for every workload of every namespace (and pods not in the input).",info);
 h("h4","Findings ("+nf.length+")",info);if(nf.length)findingList(nf,info);
 h("h4","Who reaches it ("+inc.length+")",info);var ul=h("ul",null,info);inc.forEach(function(c){connItem(c,ul,"src");});
 if(rts.length){h("h4","Ways in ("+rts.length+")",info);var ur=h("ul",null,info);rts.forEach(function(r){h("li",r,ur);});}
 h("h4","What it reaches ("+out.length+")",info);var uo=h("ul",null,info);out.forEach(function(c){connItem(c,uo,"dst");});}
window.k8snetlintMap={fit:fit,select:select,center:center,view:view};
fit();summary();
})();
