#!/usr/bin/env node
// Validates the output of `kubectl kustomize deploy/kubernetes` or of an overlay such as
// deploy/kubernetes/overlays/clickhouse (a YAML stream):
//   1. every object against the Kubernetes OpenAPI schema of its kind (the pinned npm package
//      kubernetes-models, installed by `npm ci` in deploy/validate/);
//   2. no field the schema does not know (a typo such as `readOnly: ture` is caught by 1, a typo in
//      a field *name* such as `readonly:` only here; the API server would silently drop it);
//   3. the project's rules (docs/operations.md): read-only RBAC, read-only host mounts, requests
//      and limits everywhere, pinned images, the agent's and the server's wiring, and every flag
//      and environment variable the manifests pass to a binary exists in that binary's --help.
//
//   node validate-manifests.cjs RENDERED.yaml BIN_DIR
// Exit 0 when everything holds; otherwise one line per problem ("FAIL <object>: <why>") and 1.
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const repoRoot = path.resolve(__dirname, '..', '..');
const validateDir = path.join(repoRoot, 'deploy', 'validate');
const modulesDir = path.join(validateDir, 'node_modules');
const requireFromValidate = require('module').createRequire(path.join(validateDir, 'package.json'));
const YAML = requireFromValidate('yaml');

const [renderedFile, binDir] = process.argv.slice(2);
if (!renderedFile || !binDir) {
  console.error('usage: validate-manifests.cjs RENDERED.yaml BIN_DIR');
  process.exit(2);
}

const failures = [];
const warnings = [];
let checks = 0;
function describe(obj) {
  const ns = obj.metadata && obj.metadata.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj.kind} ${ns}${obj.metadata && obj.metadata.name}`;
}
function check(ok, obj, message) {
  checks += 1;
  if (!ok) failures.push(`${typeof obj === 'string' ? obj : describe(obj)}: ${message}`);
  return ok;
}

// ---------------------------------------------------------------------------------------------
// Schemas: kubernetes-models/<group>/<version>/<Kind>.js exports a class whose validate() runs
// the compiled OpenAPI schema; its .d.ts lists the fields (used for the unknown-field check).
function modelPath(apiVersion, kind) {
  const parts = apiVersion.split('/');
  const groupDir = parts.length === 1 ? parts[0] : `${parts[0]}/${parts[1]}`;
  return path.join(modulesDir, 'kubernetes-models', groupDir, kind);
}

// Parsed .d.ts interfaces: file → { fields: Map<name, TypeNode> } or null for a type alias.
const interfaceCache = new Map();
function resolveImport(fromFile, spec) {
  if (spec.startsWith('.')) return path.resolve(path.dirname(fromFile), spec) + '.d.ts';
  return path.join(modulesDir, spec) + '.d.ts';
}
function splitTopLevel(text, separator) {
  const out = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '<' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === '>' || c === ')' || c === ']') depth--;
    else if (c === separator && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}
// A TypeNode: {kind:'ref', file} | {kind:'array', of} | {kind:'map', of} | {kind:'leaf'}.
function parseType(text, imports, file) {
  text = text.trim();
  let m = /^Array<([\s\S]*)>$/.exec(text);
  if (m) return { kind: 'array', of: parseType(m[1], imports, file) };
  m = /^\{\s*\[key: string\]:\s*([\s\S]*?);?\s*\}$/.exec(text);
  if (m) return { kind: 'map', of: parseType(m[1], imports, file) };
  if (imports.has(text)) return { kind: 'ref', file: resolveImport(file, imports.get(text)) };
  return { kind: 'leaf' };
}
function loadInterface(file) {
  if (interfaceCache.has(file)) return interfaceCache.get(file);
  let result = null;
  if (fs.existsSync(file)) {
    const source = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    const imports = new Map();
    for (const m of source.matchAll(/import \{ ([^}]+) \} from "([^"]+)";/g)) {
      for (const name of m[1].split(',')) imports.set(name.trim(), m[2]);
    }
    const body = /export interface I\w+(?: extends [\w, ]+)? \{([\s\S]*?)\n\}/.exec(source);
    if (body) {
      const fields = new Map();
      for (const member of splitTopLevel(body[1], ';')) {
        const m = /^"([^"]+)"\??:\s*([\s\S]*)$/.exec(member);
        if (m) fields.set(m[1], parseType(m[2], imports, file));
      }
      result = { fields };
    }
  }
  interfaceCache.set(file, result);
  return result;
}
function unknownFields(value, type, where, out) {
  if (value === null || value === undefined || type.kind === 'leaf') return;
  if (type.kind === 'array') {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, type.of, `${where}[${i}]`, out));
    return;
  }
  if (type.kind === 'map') {
    if (typeof value === 'object') for (const [k, v] of Object.entries(value)) unknownFields(v, type.of, `${where}.${k}`, out);
    return;
  }
  const iface = loadInterface(type.file);
  if (!iface || typeof value !== 'object' || Array.isArray(value)) return;  // an alias (Quantity, IntOrString …)
  for (const [k, v] of Object.entries(value)) {
    if (!iface.fields.has(k)) out.push(`${where ? where + '.' : ''}${k}`);
    else unknownFields(v, iface.fields.get(k), `${where ? where + '.' : ''}${k}`, out);
  }
}

function validateSchema(obj) {
  const base = modelPath(obj.apiVersion, obj.kind);
  if (!check(fs.existsSync(base + '.js'), obj, `no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`)) return;
  const Model = require(base + '.js')[obj.kind];
  // kustomize wraps a Secret's base64 at 70 columns; the API server's decoder (Go's
  // encoding/base64) skips the newlines, the schema's "byte" format does not.
  let subject = obj;
  if (obj.kind === 'Secret' && obj.data) {
    subject = { ...obj, data: Object.fromEntries(Object.entries(obj.data).map(([k, v]) => [k, String(v).replace(/\s+/g, '')])) };
  }
  try {
    new Model(subject).validate();
    check(true, obj, '');
  } catch (e) {
    const details = (e.errors || []).map((x) => `${x.instancePath || '/'} ${x.message}`).join('; ');
    check(false, obj, `schema: ${details || e.message}`);
  }
  const extra = [];
  unknownFields(obj, { kind: 'ref', file: base + '.d.ts' }, '', extra);
  check(extra.length === 0, obj, `fields unknown to the ${obj.apiVersion} ${obj.kind} schema: ${extra.join(', ')}`);
}

// ---------------------------------------------------------------------------------------------
// Project rules.
const docs = YAML.parseAllDocuments(fs.readFileSync(renderedFile, 'utf8'));
for (const d of docs) if (d.errors.length) failures.push(`YAML: ${d.errors.map((e) => e.message).join('; ')}`);
const objects = docs.map((d) => d.toJSON()).filter((o) => o);
check(objects.length > 0, 'kustomize output', 'no objects rendered');

const byKind = (kind) => objects.filter((o) => o.kind === kind);
const find = (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
const NS = 'kubemonitor';

for (const obj of objects) {
  validateSchema(obj);
  if (clusterScoped.has(obj.kind)) continue;
  check(obj.metadata.namespace === NS, obj, `must be in namespace ${NS} (is ${obj.metadata.namespace})`);
}
check(!!find('Namespace', NS), 'Namespace', `namespace ${NS} missing`);

// RBAC: read-only, and only what the agent needs.
const allowedVerbs = new Set(['get', 'list', 'watch']);
const allowedResources = { '': new Set(['pods', 'nodes']), apps: new Set(['replicasets']) };
for (const role of [...byKind('ClusterRole'), ...byKind('Role')]) {
  for (const rule of role.rules || []) {
    for (const verb of rule.verbs || []) check(allowedVerbs.has(verb), role, `verb "${verb}" is not read-only (only get/list/watch)`);
    check(!(rule.nonResourceURLs || []).length, role, 'nonResourceURLs are not needed');
    for (const group of rule.apiGroups || []) {
      for (const res of rule.resources || []) {
        check(allowedResources[group] && allowedResources[group].has(res), role,
              `access to "${res}" in API group "${group}" is more than the agent needs (pods, nodes, apps/replicasets)`);
      }
    }
  }
}
for (const binding of [...byKind('ClusterRoleBinding'), ...byKind('RoleBinding')]) {
  check(!!find(binding.roleRef.kind, binding.roleRef.name), binding, `binds missing ${binding.roleRef.kind} ${binding.roleRef.name}`);
  for (const s of binding.subjects || []) {
    if (s.kind === 'ServiceAccount') {
      const sa = find('ServiceAccount', s.name);
      check(!!sa && s.namespace === sa.metadata.namespace, binding, `subject ServiceAccount ${s.namespace}/${s.name} does not exist`);
    }
  }
}

// Workloads.
const workloads = objects.filter((o) => ['DaemonSet', 'StatefulSet', 'Deployment', 'Job', 'CronJob'].includes(o.kind));
function helpOf(binary) {
  try {
    return execFileSync(path.join(binDir, binary), ['--help'], { encoding: 'utf8' });
  } catch (e) {
    return null;
  }
}
// Flags of DESIGN.md that the manifests pass but the binary may not have yet: a warning, loudly.
const pendingFlags = { 'kubemonitor-agent': new Set(['--kube-api']) };

function checkFlagsAgainstBinary(obj, binary, argv, envNames) {
  const help = helpOf(binary);
  if (!check(help !== null, obj, `cannot run ${path.join(binDir, binary)} --help (build first: make build)`)) return;
  for (const arg of argv) {
    if (!arg.startsWith('--')) continue;
    const flag = arg.split('=')[0];
    const known = new RegExp(`(^|[\\s,])${flag.replace(/[-]/g, '\\-')}([\\s=,]|$)`, 'm').test(help);
    if (!known && pendingFlags[binary] && pendingFlags[binary].has(flag)) {
      warnings.push(`${describe(obj)}: ${binary} has no ${flag} yet (DESIGN.md contract); pods will not start until it does`);
      continue;
    }
    check(known, obj, `${binary} has no flag ${flag} (not in its --help)`);
  }
  for (const env of envNames) check(help.includes(`(Env:${env})`), obj, `${binary} reads no environment variable ${env} (not in its --help)`);
}

function hostPathVolumes(podSpec) {
  return new Map((podSpec.volumes || []).filter((v) => v.hostPath).map((v) => [v.name, v]));
}

for (const w of workloads) {
  const tmpl = w.kind === 'CronJob' ? w.spec.jobTemplate.spec.template : w.spec.template;
  const pod = tmpl.spec;
  const containers = [...(pod.initContainers || []), ...(pod.containers || [])];
  const hostVolumes = hostPathVolumes(pod);
  check(!pod.hostNetwork, w, 'hostNetwork is not needed (node traffic comes from /host/proc/1/net/dev)');
  check(!pod.hostIPC, w, 'hostIPC is not needed');
  // Selector and template labels agree (else the controller is rejected or adopts nothing).
  for (const [k, v] of Object.entries(w.spec.selector.matchLabels || {})) {
    check((tmpl.metadata.labels || {})[k] === v, w, `selector ${k}=${v} does not match the pod template labels`);
  }
  for (const c of containers) {
    const where = `${describe(w)} container ${c.name}`;
    const r = c.resources || {};
    for (const kind of ['requests', 'limits']) {
      for (const res of ['cpu', 'memory']) check(r[kind] && r[kind][res] !== undefined, where, `needs resources.${kind}.${res}`);
    }
    // Pinned image: a tag other than latest, or a digest.
    const image = c.image || '';
    const pinned = /@sha256:[0-9a-f]{64}$/.test(image) || /:[\w][\w.-]{0,127}$/.test(image.split('/').pop());
    check(pinned && !/:latest$/.test(image), where, `image "${image}" is not pinned to a tag or digest (latest does not count)`);
    check(c.imagePullPolicy !== 'Always', where, 'imagePullPolicy Always defeats images loaded into kind/minikube');
    const sc = c.securityContext || {};
    check(sc.privileged !== true, where, 'must not be privileged');
    check(sc.allowPrivilegeEscalation === false, where, 'needs allowPrivilegeEscalation: false');
    check(sc.readOnlyRootFilesystem === true, where, 'needs readOnlyRootFilesystem: true');
    const caps = sc.capabilities || {};
    check((caps.drop || []).includes('ALL'), where, 'needs capabilities.drop: [ALL]');
    for (const mount of c.volumeMounts || []) {
      if (hostVolumes.has(mount.name)) check(mount.readOnly === true, where, `host mount ${mount.mountPath} must be readOnly`);
    }
    check(!!c.livenessProbe, where, 'needs a livenessProbe');
  }
  const allowedHostPaths = new Set(['/proc', '/sys/fs/cgroup']);
  for (const v of hostVolumes.values()) check(allowedHostPaths.has(v.hostPath.path), w, `hostPath ${v.hostPath.path} is not one the agent needs`);
}

// The agent DaemonSet.
const agent = find('DaemonSet', 'kubemonitor-agent');
const serverSvc = find('Service', 'kubemonitor-server');
if (check(!!agent, 'DaemonSet kubemonitor-agent', 'missing')) {
  const pod = agent.spec.template.spec;
  const c = pod.containers.find((x) => x.name === 'agent') || pod.containers[0];
  check(pod.hostPID === true, agent, 'needs hostPID: true (pids of cgroup.procs must match /host/proc)');
  check((pod.tolerations || []).some((t) => t.operator === 'Exists' && !t.key && !t.effect), agent,
        'needs a toleration {operator: Exists} so that it runs on every node');
  const env = new Map((c.env || []).map((e) => [e.name, e]));
  const nodeName = env.get('NODE_NAME');
  check(nodeName && nodeName.valueFrom && nodeName.valueFrom.fieldRef && nodeName.valueFrom.fieldRef.fieldPath === 'spec.nodeName',
        agent, 'NODE_NAME must come from spec.nodeName (downward API)');
  check(env.get('HOST_ROOT') && env.get('HOST_ROOT').value === '/host', agent, 'HOST_ROOT must be /host');
  const mounts = new Map((c.volumeMounts || []).map((m) => [m.mountPath, m]));
  const hostVolumes = hostPathVolumes(pod);
  for (const [hostPath, mountPath] of [['/proc', '/host/proc'], ['/sys/fs/cgroup', '/host/sys/fs/cgroup']]) {
    const m = mounts.get(mountPath);
    check(m && hostVolumes.has(m.name) && hostVolumes.get(m.name).hostPath.path === hostPath && m.readOnly === true, agent,
          `host ${hostPath} must be mounted read-only at ${mountPath}`);
  }
  const url = env.get('API_SERVER_URL') && env.get('API_SERVER_URL').value;
  const expectUrl = serverSvc ? `http://${serverSvc.metadata.name}.${serverSvc.metadata.namespace}.svc:${serverSvc.spec.ports[0].port}` : '';
  check(url === expectUrl, agent, `API_SERVER_URL is ${url}, the server Service is ${expectUrl}`);
  const args = [...(c.command || []).slice(1), ...(c.args || [])];
  check(args.includes('--kube-api=in-cluster'), agent, 'needs --kube-api=in-cluster (pod names from the API)');
  const tokenArg = args.find((a) => a.startsWith('--token-file='));
  const secretMount = [...mounts.values()].find((m) => tokenArg && tokenArg.slice('--token-file='.length).startsWith(m.mountPath + '/'));
  const secretVolume = secretMount && pod.volumes.find((v) => v.name === secretMount.name && v.secret);
  check(!!secretVolume, agent, '--token-file must point into a mounted Secret');
  if (secretVolume) check(!!find('Secret', secretVolume.secret.secretName), agent, `Secret ${secretVolume.secret.secretName} is not rendered`);
  // The heartbeat file must be on a writable volume (the root filesystem is read-only).
  const heartbeat = env.get('HEARTBEAT_FILE') && env.get('HEARTBEAT_FILE').value;
  const hbMount = heartbeat && [...mounts.values()].find((m) => heartbeat.startsWith(m.mountPath + '/') && !m.readOnly);
  check(!!hbMount && pod.volumes.some((v) => v.name === hbMount.name && v.emptyDir), agent, 'HEARTBEAT_FILE must be on a writable emptyDir');
  const probe = c.livenessProbe && c.livenessProbe.exec && c.livenessProbe.exec.command;
  check(!!probe && probe.includes(`--check-heartbeat=${heartbeat}`), agent, 'livenessProbe must run --check-heartbeat on HEARTBEAT_FILE');
  // Only the two capabilities docs/operations.md justifies.
  const added = ((c.securityContext || {}).capabilities || {}).add || [];
  for (const cap of added) check(['SYS_PTRACE', 'DAC_READ_SEARCH'].includes(cap), agent, `capability ${cap} is not justified in docs/operations.md`);
  checkFlagsAgainstBinary(agent, 'kubemonitor-agent', [...args, ...(probe || []).slice(1)],
                          (c.env || []).map((e) => e.name));
}

// The server and its Services: the base's StatefulSet (embedded engine on a claim) or the ClickHouse
// overlay's Deployment (deploy/kubernetes/overlays/clickhouse: stateless replicas, the URL from a Secret).
const statefulServer = find('StatefulSet', 'kubemonitor-server');
const statelessServer = find('Deployment', 'kubemonitor-server');
check(!(statefulServer && statelessServer), 'kubemonitor-server', 'both a StatefulSet and a Deployment: two servers on two storages');
const server = statefulServer || statelessServer;
if (check(!!server, 'StatefulSet or Deployment kubemonitor-server', 'missing')) {
  const pod = server.spec.template.spec;
  const c = pod.containers[0];
  const args = c.args || [];
  const listen = (args.find((a) => a.startsWith('--listen=')) || '').slice('--listen='.length);
  check(listen === '0.0.0.0:8080', server, `must --listen=0.0.0.0:8080 in the cluster (has "${listen}")`);
  const port = (c.ports || []).find((p) => p.containerPort === 8080);
  check(!!port, server, 'containerPort 8080 missing');
  for (const probeName of ['readinessProbe', 'livenessProbe']) {
    const p = c[probeName];
    check(p && p.httpGet && p.httpGet.path === '/health' && (p.httpGet.port === 8080 || (port && p.httpGet.port === port.name)),
          server, `${probeName} must be httpGet /health on 8080`);
  }
  const sc = pod.securityContext || {};
  check(sc.runAsNonRoot === true && sc.runAsUser > 0, server, 'the server runs as a non-root user');
  if (server.kind === 'StatefulSet') {
    const dataDir = (args.find((a) => a.startsWith('--data-dir=')) || '').slice('--data-dir='.length);
    const dataMount = (c.volumeMounts || []).find((m) => m.mountPath === dataDir);
    const claims = (server.spec.volumeClaimTemplates || []).map((t) => t.metadata.name);
    check(!!dataMount && claims.includes(dataMount.name), server, `--data-dir (${dataDir}) must be a PersistentVolumeClaim mount`);
  } else {
    checkStatelessServer(server, pod, c, args);
  }
  const tokenFile = (args.find((a) => a.startsWith('--ingest-token-file=')) || '').slice('--ingest-token-file='.length);
  const tokenMount = (c.volumeMounts || []).find((m) => tokenFile.startsWith(m.mountPath + '/'));
  const tokenVolume = tokenMount && pod.volumes.find((v) => v.name === tokenMount.name && v.secret);
  check(!!tokenVolume, server, '--ingest-token-file must point into a mounted Secret');
  if (tokenVolume && agent) {
    const agentSecret = agent.spec.template.spec.volumes.find((v) => v.secret);
    check(agentSecret && agentSecret.secret.secretName === tokenVolume.secret.secretName, server,
          'server and agent must mount the same ingest-token Secret');
  }
  checkFlagsAgainstBinary(server, 'kubemonitor-server', args, (c.env || []).map((e) => e.name));
  const podLabels = server.spec.template.metadata.labels;
  const selects = (svc) => Object.entries(svc.spec.selector || {}).every(([k, v]) => podLabels[k] === v);
  if (check(!!serverSvc, 'Service kubemonitor-server', 'missing')) {
    const p = serverSvc.spec.ports[0];
    check((serverSvc.spec.type || 'ClusterIP') === 'ClusterIP' && p.port === 80 && (p.targetPort === 8080 || p.targetPort === 'http'),
          serverSvc, 'must be ClusterIP 80 → 8080');
    check(selects(serverSvc), serverSvc, 'selector does not match the server pods');
  }
  const nodePort = byKind('Service').find((s) => s.spec.type === 'NodePort');
  if (check(!!nodePort, 'Service (NodePort)', 'missing')) {
    check(nodePort.spec.ports.some((p) => p.nodePort === 30080), nodePort, 'must expose nodePort 30080');
    check(selects(nodePort), nodePort, 'selector does not match the server pods');
  }
}

// The ClickHouse overlay's Deployment: several replicas that share ClickHouse and own nothing.
function checkStatelessServer(server, pod, c, args) {
  check((server.spec.replicas || 1) >= 2, server, `needs replicas >= 2 (has ${server.spec.replicas || 1}): replicas are the point of ClickHouse storage`);
  const env = new Map((c.env || []).map((e) => [e.name, e]));
  check(!args.some((a) => a.startsWith('--data-dir')) && !env.has('DATA_DIR'), server,
        'no --data-dir (DATA_DIR): the storage is ClickHouse, a replica keeps no state');
  check(!(pod.volumes || []).some((v) => v.persistentVolumeClaim || v.ephemeral), server,
        'no PersistentVolumeClaim (or ephemeral volume): a replica keeps no state');
  check(!byKind('PersistentVolumeClaim').length, server, 'no PersistentVolumeClaim objects next to stateless replicas');
  check(!byKind('Service').some((svc) => svc.spec.clusterIP === 'None'), server,
        'no headless Service: it governs a StatefulSet, replicas are reached through the ClusterIP Service');
  // The URL may carry the password: only from a Secret key, never a literal in the manifests.
  check(!args.some((a) => a.startsWith('--storage')), server, '--storage as an argument is a literal: take STORAGE from a Secret key');
  const storage = env.get('STORAGE');
  const ref = storage && storage.valueFrom && storage.valueFrom.secretKeyRef;
  if (check(!!ref && storage.value === undefined, server, 'STORAGE must come from a Secret key (valueFrom.secretKeyRef), not a literal')) {
    const secret = find('Secret', ref.name);
    if (check(!!secret, server, `Secret ${ref.name} (STORAGE) is not rendered`)) {
      const data = (secret.data || {})[ref.key];
      const value = data !== undefined ? Buffer.from(String(data).replace(/\s+/g, ''), 'base64').toString('utf8')
                                       : (secret.stringData || {})[ref.key];
      check(value !== undefined, server, `Secret ${ref.name} has no key ${ref.key} (STORAGE)`);
      if (value !== undefined) check(/^clickhouse:\/\/\S+$/.test(value), server, `STORAGE in Secret ${ref.name} key ${ref.key} is not one clickhouse:// URL (a trailing newline?)`);
    }
  }
  const strategy = server.spec.strategy || {};
  const rolling = strategy.rollingUpdate || {};
  check(strategy.type === 'RollingUpdate' && String(rolling.maxUnavailable) === '0' && String(rolling.maxSurge) === '1', server,
        'needs a RollingUpdate with maxUnavailable 0 and maxSurge 1 (a new replica is ready before an old one goes)');
  const podLabels = server.spec.template.metadata.labels || {};
  const selectsPods = (sel) => !!sel && Object.entries(sel.matchLabels || {}).every(([k, v]) => podLabels[k] === v) &&
    Object.keys(sel.matchLabels || {}).length > 0;
  const spread = (pod.topologySpreadConstraints || []).some((t) => t.topologyKey === 'kubernetes.io/hostname' && selectsPods(t.labelSelector));
  const affinity = (((pod.affinity || {}).podAntiAffinity || {}).preferredDuringSchedulingIgnoredDuringExecution || [])
    .some((t) => t.podAffinityTerm && t.podAffinityTerm.topologyKey === 'kubernetes.io/hostname' && selectsPods(t.podAffinityTerm.labelSelector));
  check(spread || affinity, server, 'replicas must be spread across nodes (topologySpreadConstraints or preferred podAntiAffinity on kubernetes.io/hostname)');
  const pdbs = byKind('PodDisruptionBudget').filter((b) => selectsPods(b.spec.selector));
  if (check(pdbs.length > 0, server, 'needs a PodDisruptionBudget selecting the server pods')) {
    for (const pdb of pdbs) {
      const min = pdb.spec.minAvailable;
      check(typeof min === 'number' && min >= 1 && min < (server.spec.replicas || 1), pdb,
            `minAvailable must be at least 1 and below replicas (${server.spec.replicas}), or a drain blocks forever (has ${min})`);
    }
  }
}

for (const w of warnings) console.log(`WARN ${w}`);
for (const f of failures) console.log(`FAIL ${f}`);
console.log(`validate-manifests: ${objects.length} objects, ${checks} checks, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
