// The small page GET / gives browsers until the dashboard issue replaces it: one table of nodes,
// refreshed every 5 s from /api/nodes. Self-contained (inline CSS and JS) so it works offline.

#include "server/router.h"

namespace kubemonitor::server {

std::string_view statusPageHtml() {
  static constexpr std::string_view kPage = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kubemonitor</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}th,td{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}#status{color:#888;font-size:.9em}
</style></head><body>
<h1>kubemonitor</h1><p id="status">loading…</p>
<table><thead><tr><th>node</th><th>CPU</th><th>CPU %</th><th>memory (working set)</th><th>memory %</th>
<th>net rx/s</th><th>net tx/s</th><th>disk read/s</th><th>disk write/s</th></tr></thead>
<tbody id="nodes"></tbody></table>
<script>
function bytes(n){const u=['B','KiB','MiB','GiB','TiB'];let i=0;while(n>=1024&&i<u.length-1){n/=1024;i++}return n.toFixed(i?1:0)+' '+u[i]}
function cell(text){const td=document.createElement('td');td.textContent=text;return td}
async function refresh(){
  try{
    const r=await fetch('/api/nodes',{headers:{Accept:'application/json'}});
    if(!r.ok)throw new Error('HTTP '+r.status);
    const body=await r.json();const tbody=document.getElementById('nodes');tbody.replaceChildren();
    for(const n of body.items){const tr=document.createElement('tr');
      [n.name,Math.round(n.cpu_millicores)+'m',n.cpu_percent.toFixed(1)+'%',bytes(n.memory_working_set_bytes),
       n.memory_percent.toFixed(1)+'%',bytes(n.network_rx_bytes_per_sec)+'/s',bytes(n.network_tx_bytes_per_sec)+'/s',
       bytes(n.disk_read_bytes_per_sec)+'/s',bytes(n.disk_write_bytes_per_sec)+'/s'].forEach(t=>tr.appendChild(cell(t)));
      tbody.appendChild(tr)}
    document.getElementById('status').textContent=body.items.length+' nodes, updated '+new Date().toLocaleTimeString();
  }catch(e){document.getElementById('status').textContent='error: '+e.message}
}
refresh();setInterval(refresh,5000);
</script></body></html>
)html";
  return kPage;
}

}  // namespace kubemonitor::server
