// dockerd-reexec: what runs when dockerd's binary is executed once the daemon is up. The kernel's
// binfmt_misc hands every exec of that file here (the rule: /usr/local/lib/dockyard/dockerd.binfmt,
// made by the image build from the binary's first 128 bytes; dockyard-daemons enables it once the
// daemon runs). Built by images/vm/assemble.sh with Debian's i686 cross compiler.
//
// Why: for every container on a network, Docker 20.10 starts its own 55 MB Go binary twice, each
// time for a job of a few lines, and each start runs the init of its 570 packages: 1 s under v86
// once warm, 3 s on a restored machine's cold JIT (libnetwork's ipamutils alone builds 65,536
// subnets at init, 0.4 s). Those two jobs are done here, as Docker does them:
// - libnetwork-setkey, the prestart hook dockerd gives the runtime (path /proc/<dockerd>/exe);
// - set-ipv6, the daemon's re-execution (/proc/self/exe) that writes one sysctl in the container's
//   network namespace.
// Every other use of dockerd's binary (the daemon's other re-executions, a user's `dockerd
// --version`) runs dockerd itself, under the name it was given.
//
// A program rather than a shell script: the script, with the nc and nsenter it started, cost
// ~10 M guest instructions per container; a program starts no other.
//
// Arguments (binfmt_misc, flag P): PATH-AS-EXECUTED ARGV0 ARG...
// PATH-AS-EXECUTED is often /proc/self/exe: not used.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/** the name dockerd's binary was run under: every message starts with it */
static const char *name = "dockerd-reexec";

static void fail(int status, const char *format, ...) {
  va_list args;
  va_start(args, format);
  fprintf(stderr, "%s: ", name);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  exit(status);
}

/** Reads fd to its end or until `size` bytes; returns how many. */
static size_t read_all(int fd, char *buf, size_t size) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(fd, buf + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  return got;
}

static int write_all(int fd, const char *buf, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, buf, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    buf += n;
    size -= (size_t)n;
  }
  return 0;
}

// libnetwork-setkey [-exec-root=DIR] CONTAINER-ID SHORT-CONTROLLER-ID, with the runtime's state of
// the container (OCI runtime spec, "State") as JSON on standard input: tells dockerd, over its unix
// socket, the container's network namespace; dockerd then sets the network up itself. The same
// message as Docker 20.10's hook (libnetwork/sandbox_externalkey_unix.go).
static int libnetwork_setkey(int argc, char **argv) {
  const char *exec_root = "/run/docker";
  int i = 0;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *value = strchr(argv[i], '=');
    if (value && (!strncmp(argv[i], "-exec-root=", 11) || !strncmp(argv[i], "--exec-root=", 12)))
      exec_root = value + 1;
    else
      fail(1, "unknown option %s", argv[i]);
  }
  if (argc - i != 2) fail(1, "expects CONTAINER-ID SHORT-CONTROLLER-ID, got %d arguments", argc - i);
  const char *container = argv[i], *controller = argv[i + 1];

  static char state[64 * 1024];
  state[read_all(0, state, sizeof state - 1)] = 0;
  const char *at = strstr(state, "\"pid\":");
  char *end = NULL;
  long pid = at ? strtol(at + 6, &end, 10) : 0; // strtol skips the blanks JSON allows before it
  if (pid <= 0) fail(1, "no pid in the runtime's state: %s", state);

  struct sockaddr_un address = {.sun_family = AF_UNIX};
  int length = snprintf(address.sun_path, sizeof address.sun_path, "%s/libnetwork/%s.sock", exec_root, controller);
  if (length < 0 || (size_t)length >= sizeof address.sun_path) fail(1, "socket path too long: %s", exec_root);
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || connect(sock, (struct sockaddr *)&address, sizeof address) < 0)
    fail(1, "cannot reach dockerd at %s: %s", address.sun_path, strerror(errno));
  char message[512];
  length = snprintf(message, sizeof message, "{\"ContainerID\":\"%s\",\"Key\":\"/proc/%ld/ns/net\"}", container, pid);
  if (length < 0 || (size_t)length >= sizeof message) fail(1, "container id too long: %s", container);
  if (write_all(sock, message, (size_t)length) < 0) fail(1, "cannot write to dockerd at %s: %s", address.sun_path, strerror(errno));

  // dockerd answers "success" or the error, which Docker's hook prints as it is, and closes.
  char answer[1024];
  size_t got = read_all(sock, answer, sizeof answer - 1);
  answer[got] = 0;
  if (got == 0) fail(1, "dockerd closed the connection without an answer");
  if (strcmp(answer, "success") != 0) {
    fprintf(stderr, "%s\n", answer);
    return 1;
  }
  return 0;
}

// set-ipv6 NETNS-PATH INTERFACE true|false: enables (true) or disables IPv6 on INTERFACE inside the
// network namespace at NETNS-PATH. A sysctl under /proc/sys/net is the one of the namespace of the
// process that opens it. dockerd only logs a failure, as a warning; the statuses are its own: 1 for
// the arguments, 2 and 3 for the namespace, 4 for the write.
static int set_ipv6(int argc, char **argv) {
  if (argc != 3) fail(1, "invalid number of arguments");
  int ns = open(argv[0], O_RDONLY | O_CLOEXEC);
  if (ns < 0) fail(2, "failed get network namespace \"%s\": %s", argv[0], strerror(errno));
  if (setns(ns, CLONE_NEWNET) < 0) fail(3, "setting into container netns \"%s\" failed: %s", argv[0], strerror(errno));
  char path[256];
  int length = snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", argv[1]);
  if (length < 0 || (size_t)length >= sizeof path || strchr(argv[1], '/')) fail(1, "invalid interface name %s", argv[1]);
  const char *value = strcmp(argv[2], "true") == 0 ? "0\n" : "1\n";
  int sysctl = open(path, O_WRONLY | O_CLOEXEC);
  if (sysctl < 0 || write_all(sysctl, value, 2) < 0 || close(sysctl) < 0)
    fail(4, "failed to write %s: %s", path, strerror(errno));
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) fail(1, "expects PATH-AS-EXECUTED ARGV0 ARG... (the binfmt_misc rule's flag P)");
  name = argv[2];
  char **args = argv + 3;
  int count = argc - 3;
  if (strcmp(name, "libnetwork-setkey") == 0) return libnetwork_setkey(count, args);
  if (strcmp(name, "set-ipv6") == 0) return set_ipv6(count, args);

  // dockerd itself, through the dynamic loader, which the rule does not match.
  char **run = calloc((size_t)count + 5, sizeof *run);
  if (!run) fail(1, "out of memory");
  run[0] = "/lib/ld-linux.so.2";
  run[1] = "--argv0";
  run[2] = (char *)name;
  run[3] = "/usr/sbin/dockerd";
  memcpy(run + 4, args, (size_t)count * sizeof *run);
  execv(run[0], run);
  fail(127, "cannot run /usr/sbin/dockerd: %s", strerror(errno));
}
