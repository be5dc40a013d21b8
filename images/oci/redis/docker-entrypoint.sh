#!/bin/sh
# The redis image's entrypoint. `docker run redis`, `docker run redis --appendonly yes` and
# `docker run redis redis-cli …` all do what the official image does:
set -e
# options alone (or a config file) are the server's
case "$1" in -* | *.conf) set -- redis-server "$@" ;; esac
if [ "$1" = redis-server ]; then
  # Without this the server would refuse every client but localhost (protected mode), and its
  # clients are other containers. A config file that sets protected-mode itself decides.
  if ! { [ -f "$2" ] && grep -q '^protected-mode' "$2"; }; then set -- "$@" --protected-mode no; fi
  # As root, the data directory is handed to the redis user and the server runs as it.
  if [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
