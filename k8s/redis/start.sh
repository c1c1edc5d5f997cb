#!/bin/sh
# Init step of each Redis pod: render the runtime redis.conf and sentinel.conf from the templates
# mounted at /templates, pointing at the current master. The current master is the one the
# sentinels agree on; with no sentinel answering (first start), pod 0 is the master.
# Credentials come from the environment and are appended to the files on the pod's volume; they are
# never printed.
set -eu

: "${POD_NAME:?}" "${HEADLESS_SERVICE:?}" "${NAMESPACE:?}" "${MASTER_NAME:?}" "${REDIS_PASSWORD:?}"
set_name="${POD_NAME%-*}"
domain="${HEADLESS_SERVICE}.${NAMESPACE}.svc.cluster.local"
self="${POD_NAME}.${domain}"
export REDISCLI_AUTH="$REDIS_PASSWORD"

master=""
i=0
while [ "$i" -lt "${REPLICAS:-3}" ]; do
  peer="${set_name}-${i}.${domain}"
  if [ "$peer" != "$self" ]; then
    answer="$(redis-cli -h "$peer" -p 26379 --raw sentinel get-master-addr-by-name "$MASTER_NAME" 2>/dev/null | head -n 1 || true)"
    if [ -n "$answer" ]; then master="$answer"; break; fi
  fi
  i=$((i + 1))
done
if [ -z "$master" ]; then master="${set_name}-0.${domain}"; fi

mkdir -p /data/conf
sed -e "s|@ANNOUNCE_HOST@|${self}|g" -e "s|@MASTER_HOST@|${master}|g" /templates/redis.conf > /data/conf/redis.conf
printf 'requirepass "%s"\nmasterauth "%s"\n' "$REDIS_PASSWORD" "$REDIS_PASSWORD" >> /data/conf/redis.conf
if [ "$master" != "$self" ]; then
  printf 'replicaof %s 6379\n' "$master" >> /data/conf/redis.conf
fi

sed -e "s|@ANNOUNCE_HOST@|${self}|g" -e "s|@MASTER_HOST@|${master}|g" /templates/sentinel.conf > /data/conf/sentinel.conf
printf 'requirepass "%s"\nsentinel auth-pass %s "%s"\nsentinel sentinel-pass "%s"\n' \
  "$REDIS_PASSWORD" "$MASTER_NAME" "$REDIS_PASSWORD" "$REDIS_PASSWORD" >> /data/conf/sentinel.conf
echo "redis init: ${POD_NAME} starts as $([ "$master" = "$self" ] && echo master || echo "replica of ${master}")"
