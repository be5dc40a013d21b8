# Sourced by dockyard-thaw, dockyard-freeze (the freeze asks the same way, so the saved page cache
# holds what the thaw reads) and dockyard-portwatch.
# docker_api PATH: dockerd's HTTP answer (head and body) to GET PATH on its socket, asked with
# OpenBSD's nc, a small C program (0.2 to 0.4 s with dockerd's answer on a restored guest's cold
# JIT, where socat, which loads OpenSSL, took 0.5 s only to start, and the docker CLI, a Go
# program, ~4 s).
docker_api() {
  printf 'GET %s HTTP/1.0\r\n\r\n' "$1" | nc.openbsd -w 5 -U /run/docker.sock 2>/dev/null
}
# docker_answers: true when dockerd answers /_ping.
docker_answers() {
  [[ $(docker_api /_ping) == *$'\r\n\r\nOK' ]]
}
