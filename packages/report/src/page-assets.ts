import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export const STYLE = `
:root{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#111827;background:#fff}
body{margin:24px auto;max-width:1320px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}
.muted,.note{color:#6b7280;font-size:13px}
table{border-collapse:collapse;font-size:12.5px;margin:8px 0;width:100%}.scroll{overflow-x:auto}
th,td{border:1px solid #e5e7eb;padding:4px 6px;text-align:right;white-space:nowrap}
th{background:#f9fafb}td:first-child,th:first-child{text-align:left}td.text,th.text{text-align:left;white-space:normal}
table.facts{width:auto}table.facts th{text-align:left}
.warn{background:#fffbeb;border-left:4px solid #d97706;padding:6px 10px;margin:6px 0;font-size:13px}
.behind{background:#fef2f2;border-left-color:#b91c1c}.limit{background:#eff6ff;border-left-color:#2563eb}
.bad{color:#b91c1c;font-weight:600}.good{color:#047857}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:12px}
.chart-box{margin:0;border:1px solid #e5e7eb;border-radius:6px;padding:6px;min-height:120px}
.chart-box.empty figcaption{font-size:13px;font-weight:600}
.uplot .u-title{font-size:13px}.uplot .u-legend{font-size:12px}
@media print{body{margin:0;max-width:none}.charts{grid-template-columns:1fr 1fr}.chart-box,section.run,table{break-inside:avoid}}
`;

// Draws every chart with uPlot when it scrolls into view (a 300-run report has thousands), and
// all of them before printing. Zoom: drag; reset: double-click; legend entries toggle series.
export const SCRIPT = `
(function(){var specs=JSON.parse(document.getElementById('chart-data').textContent);
var PALETTE=['#2563eb','#dc2626','#059669','#d97706','#7c3aed','#0891b2','#db2777','#4b5563'];
function fmt(v){if(v==null||!isFinite(v))return'\\u2013';var a=Math.abs(v);if(a>=1e9)return(v/1e9).toPrecision(3)+'G';if(a>=1e6)return(v/1e6).toPrecision(3)+'M';if(a>=1e4)return(v/1e3).toPrecision(3)+'k';if(a>=100||a===0)return String(Math.round(v));return String(Number(v.toPrecision(3)));}
function dec(step){return(String(+(+step).toPrecision(6)).split('.')[1]||'').length;}
function tick(u,ticks,axis,space,step){step=step||1;return ticks.map(function(v){var a=Math.abs(v);if(a>=1e6&&step>=1e4)return(v/1e6).toFixed(Math.min(dec(step/1e6),6))+'M';if(a>=1e4&&step>=100)return(v/1e3).toFixed(Math.min(dec(step/1e3),6))+'k';return v.toFixed(Math.min(dec(step),6));});}
function pct(x){return'p'+Number((100-100*Math.pow(10,-x)).toPrecision(6));}
var NINES=[Math.log10(2),1,2,3,4,5,6];var made=[];
function make(el){if(el._u)return;var c=specs[+el.getAttribute('data-chart')];var nines=c.k==='nines';
var series=[{label:c.k==='time'?'second':nines?'percentile':'x',value:function(u,v){return v==null?'\\u2013':nines?pct(v):fmt(v);}}];
c.n.forEach(function(name,i){series.push({label:name,stroke:PALETTE[i%PALETTE.length],width:1.5,spanGaps:true,value:function(u,v){return fmt(v);}});});
var x={label:c.k==='time'?'seconds since run start':nines?'percentile':''};
if(nines){x.values=function(u,ticks){return ticks.map(pct);};x.splits=function(u){var s=u.scales.x;return NINES.filter(function(v){return v>=s.min-1e-9&&v<=s.max+1e-9;});};}
var opts={title:c.t,width:Math.max(300,el.clientWidth),height:240,series:series,
axes:[x,{label:c.y,size:64,values:tick}],scales:{x:{time:false}},legend:{live:true}};
if(c.s)opts.cursor={sync:{key:c.s}};
if(c.m)opts.hooks={draw:[function(u){var ctx=u.ctx,r=window.devicePixelRatio||1;ctx.save();ctx.strokeStyle='#b91c1c';ctx.fillStyle='#b91c1c';ctx.setLineDash([4*r,3*r]);ctx.font=(11*r)+'px sans-serif';
c.m.forEach(function(m){var px=Math.round(u.valToPos(m.x,'x',true));ctx.beginPath();ctx.moveTo(px,u.bbox.top);ctx.lineTo(px,u.bbox.top+u.bbox.height);ctx.stroke();ctx.fillText(m.label,px+4*r,u.bbox.top+12*r);});ctx.restore();}]};
var data=c.d;if(c.x){var xs=[];for(var i=0;i<c.x[2];i++)xs.push(c.x[0]+i*c.x[1]);data=[xs].concat(c.d);}
el._u=new uPlot(opts,data,el);made.push(el._u);}
var els=[].slice.call(document.querySelectorAll('div.chart[data-chart]'));
if('IntersectionObserver'in window){var io=new IntersectionObserver(function(entries){entries.forEach(function(e){if(e.isIntersecting){io.unobserve(e.target);make(e.target);}});},{rootMargin:'600px'});els.forEach(function(el){io.observe(el);});}else els.forEach(make);
window.addEventListener('beforeprint',function(){els.forEach(make);});
var timer;window.addEventListener('resize',function(){clearTimeout(timer);timer=setTimeout(function(){made.forEach(function(u){u.setSize({width:Math.max(300,u.root.parentNode.clientWidth),height:240});});},100);});})();
`;

let uplot: { js: string; css: string } | undefined;

/** uPlot's script and styles, read once from the installed package, to inline into the page. */
export function uplotAssets(): { js: string; css: string } {
  if (uplot === undefined) {
    const require = createRequire(import.meta.url);
    const read = (file: string) => readFileSync(require.resolve(`uplot/${file}`), 'utf8');
    const license = read('LICENSE').replace(/\*\//g, '* /');
    uplot = {
      js: `/* uPlot\n${license}*/\n${read('dist/uPlot.iife.min.js')}`,
      css: read('dist/uPlot.min.css'),
    };
  }
  return uplot;
}
