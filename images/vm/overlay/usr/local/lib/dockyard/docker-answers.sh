# Sourced by dockyard-thaw and dockyard-freeze (the freeze asks the same way, so the saved page
# cache holds what the thaw reads).
# docker_answers: true when dockerd answers /_ping on its socket. Asked with OpenBSD's nc, a small C
# program (0.2 to 0.4 s with dockerd's answer on a restored guest's cold JIT, where socat, which
# loads OpenSSL, took 0.5 s only to start, and the docker CLI, a Go program, ~4 s).
docker_answers() {
  [[ $(printf 'GET /_ping HTTP/1.0\r\n\r\n' | nc.openbsd -w 5 -U /run/docker.sock 2>/dev/null) == *$'\r\n\r\nOK' ]]
}
