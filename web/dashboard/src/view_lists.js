// The collection views: Nodes, Pods, Namespaces, Deployments. Filters, search and sort of the
// pods table live in the URL (deep links restore them).

import { h, emptyState } from './dom.js';
import { groupColumns, nodeColumns, podColumns, podKey } from './columns.js';
import { listTable } from './list_table.js';
import { href } from './route.js';

export const NO_PODS = () => emptyState('No pods yet: is the agent running with --kube-api?',
  'The agent names pods from the Kubernetes API (--kube-api in-cluster, or a kubectl proxy URL); pods still appear by UID without it.');

export const podLink = (p) => href(['pods', p.namespace, p.name]);

async function showList(ctx, title, opts) {
  ctx.title(title);
  const list = listTable(ctx, { urlState: true, ...opts });
  ctx.root.append(list.el);
  await list.load();
  return { refresh: () => list.load() };
}

export function pods(ctx) {
  return showList(ctx, 'Pods', {
    id: 'pods', label: 'Pods', noun: 'pods', path: '/api/pods', columns: podColumns, key: podKey, rowHref: podLink,
    filters: ['namespace', 'node', 'deployment'], search: true, empty: NO_PODS(),
    sort: { key: 'cpu_millicores', dir: -1 },
  });
}

export function nodes(ctx) {
  return showList(ctx, 'Nodes', {
    id: 'nodes', label: 'Nodes', noun: 'nodes', path: '/api/nodes', columns: nodeColumns, key: (n) => n.name,
    rowHref: (n) => href(['nodes', n.name]), search: true, sort: { key: 'name', dir: 1 },
    empty: emptyState('No node has reported yet.', `Start an agent: kubemonitor-agent --server ${location.origin}`),
  });
}

export function namespaces(ctx) {
  return showList(ctx, 'Namespaces', {
    id: 'namespaces', label: 'Namespaces', noun: 'namespaces', path: '/api/namespaces', columns: (s) => groupColumns('namespace', s),
    key: (n) => n.name, rowHref: (n) => href(['namespaces', n.name]), search: true, sort: { key: 'cpu_millicores', dir: -1 },
    empty: NO_PODS(),
  });
}

export function deployments(ctx) {
  return showList(ctx, 'Deployments', {
    id: 'deployments', label: 'Deployments', noun: 'deployments', path: '/api/deployments', columns: (s) => groupColumns('deployment', s),
    key: podKey, rowHref: (d) => href(['deployments', d.namespace, d.name]), search: true, filters: ['namespace'],
    sort: { key: 'cpu_millicores', dir: -1 },
    empty: emptyState('No deployments yet.', 'Pods are grouped by Deployment once the agent reads owners from the Kubernetes API (--kube-api).'),
  });
}

// The pods of a node, namespace or deployment, under its charts (filters not in the URL).
export function podsOf(ctx, path, id) {
  return listTable(ctx, {
    id, label: 'Its pods', noun: 'pods', path, columns: podColumns, key: podKey, rowHref: podLink, search: true,
    sort: { key: 'cpu_millicores', dir: -1 }, empty: h('p', { class: 'muted' }, 'No live pods.'),
  });
}
