#!/usr/bin/env bash
# Removes kubemonitor from the cluster of the current kubectl context.
#
#   scripts/uninstall.sh            everything but the data: the server's PersistentVolumeClaim
#                                   (and so the namespace holding it) stays, a re-deploy finds it
#   scripts/uninstall.sh --purge    also the data and the namespace (asks unless --yes)
#   environment: KUBECTL (default kubectl)
set -euo pipefail
kubectl=${KUBECTL:-kubectl}
namespace=kubemonitor
purge=0
yes=0
for arg in "$@"; do
  case "$arg" in
    --purge) purge=1 ;;
    --yes|-y) yes=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "uninstall: unknown argument $arg" >&2; exit 2 ;;
  esac
done
command -v "$kubectl" >/dev/null 2>&1 || { echo "uninstall: kubectl not found" >&2; exit 1; }
context=$("$kubectl" config current-context)
echo "uninstall: context $context"

# By label, not `kubectl delete -k`: rendering the base needs the ingest-token file, which an
# operator may no longer have on this machine. kustomize labels every object it applies.
selector=app.kubernetes.io/part-of=kubemonitor
"$kubectl" -n "$namespace" delete daemonset,statefulset,service,secret,serviceaccount,configmap \
  -l "$selector" --ignore-not-found --wait=true
"$kubectl" delete clusterrolebinding,clusterrole -l "$selector" --ignore-not-found

if [ "$purge" = 1 ]; then
  if [ "$yes" != 1 ]; then
    if [ ! -t 0 ]; then echo "uninstall: --purge deletes the stored data; add --yes to confirm" >&2; exit 1; fi
    read -r -p "Delete namespace $namespace and all stored metrics (PVCs)? [y/N] " answer
    [[ "$answer" == [yY]* ]] || { echo "uninstall: kept the data"; exit 0; }
  fi
  "$kubectl" delete namespace "$namespace" --ignore-not-found --wait=true
  echo "uninstall: kubemonitor and its data are gone"
else
  claims=$("$kubectl" -n "$namespace" get pvc -o name 2>/dev/null | xargs || true)
  echo "uninstall: kubemonitor removed; kept namespace $namespace and the data (${claims:-no claims})."
  echo "           scripts/uninstall.sh --purge deletes them too."
fi
