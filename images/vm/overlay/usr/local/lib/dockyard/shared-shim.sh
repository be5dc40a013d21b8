# Sourced by the shim wrapper (/usr/local/bin/containerd-shim-runc-v2, run by dash on every
# container's start) and by dockyard-shared-shim (bash): what names the shared shim, and how to
# tell that it runs. POSIX sh and builtins only.
shared_shim_id=dockyard-shared-shim
shared_shim_bundle=/run/containerd/io.containerd.runtime.v2.task/moby/$shared_shim_id
real_shim=/usr/bin/containerd-shim-runc-v2
# Written when dockyard-shared-shim could not start it (holding why), removed when it could: while
# it exists, the wrapper does not try again for every container.
shared_shim_failed=/run/dockyard-shared-shim.failed

# shared_shim_running: true when the shared shim runs. Its container's process is a child of the
# shim (the shim reaps its containers' processes), so the shim is the parent of the pid in that
# container's bundle, and it runs the real shim's binary.
shared_shim_running() {
  local init= shim=
  # init.pid ends with no newline: read fails, yet sets init
  { read -r init < "$shared_shim_bundle/init.pid"; } 2> /dev/null || [ -n "$init" ] || return 1
  { read -r _ _ _ shim _ < "/proc/$init/stat"; } 2> /dev/null || return 1
  [ "/proc/$shim/exe" -ef "$real_shim" ]
}
