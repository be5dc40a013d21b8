// crun-seccomp-cache: the OCI runtime Docker runs (daemon.json's "crun" runtime points here); it
// runs Debian's crun with the same arguments, and saves crun one job that is the same for almost
// every container: compiling the container's seccomp profile into a kernel filter.
//
// Why: Docker gives every container its default seccomp profile, ~300 rules, and crun turns it
// into a BPF filter with libseccomp at each `create`: ~12 M guest instructions a container, the
// largest share of crun's own work. Debian's crun 1.8.1 keeps no cache of its own (it does only
// when built with libgcrypt), but it loads a compiled filter it is given in the annotation
// run.oci.seccomp_bpf_data instead of compiling the profile, and writes the filter it loads to
// the container's state directory (seccomp.bpf, which `crun exec` applies to processes that join
// the container later).
//
// So: the first `create` with a given profile runs crun as it is and keeps what it wrote, keyed
// by the profile's exact text in config.json; a later `create` (or `run`) whose profile is
// byte for byte the same gets a copy of config.json with that annotation added (next to the
// bundle's, which is left as Docker wrote it) and crun's --config pointing at it. The filter is
// the one crun compiled from the same text, so a container gets the same filter either way.
// Anything else (another command, a profile with a listener, a config with seccomp annotations
// of its own, or any error here) runs crun exactly as asked.
//
// The cache lives in /run (tmpfs, root only), so it starts empty at each boot.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <resolv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

// (the three paths can be set when compiled, for the program's tests)
#ifndef CRUN
#define CRUN "/usr/bin/crun"
#endif
#ifndef CACHE_DIR
#define CACHE_DIR "/run/dockyard-seccomp"
#endif
#ifndef DEFAULT_STATE_ROOT
#define DEFAULT_STATE_ROOT "/run/crun"
#endif
#define ANNOTATION "run.oci.seccomp_bpf_data"
/** crun's own seccomp annotations: a config with one of them is left to crun */
#define SECCOMP_ANNOTATIONS "run.oci.seccomp"
/** the copy of config.json with the annotation, next to it in the bundle */
#define CACHED_CONFIG "config.dockyard-seccomp.json"
#define MAX_FILE (4 << 20)

struct text {
  char *bytes;
  size_t length;
};
/** a string literal as a text, its length counted by the compiler */
#define LITERAL(s) ((struct text){(char *)(s), sizeof(s) - 1})

/** Reads a whole file (up to MAX_FILE); false if it cannot. */
static int read_file(const char *path, struct text *out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct stat st;
  int ok = fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size <= MAX_FILE;
  char *bytes = ok ? malloc((size_t)st.st_size + 1) : NULL;
  size_t got = 0;
  while (bytes && got < (size_t)st.st_size) {
    ssize_t n = read(fd, bytes + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd);
  if (!bytes || got != (size_t)st.st_size) {
    free(bytes);
    return 0;
  }
  bytes[got] = 0;
  out->bytes = bytes;
  out->length = got;
  return 1;
}

/** Writes `parts` to `path` through a temporary file and a rename, so no reader sees half of it. */
static int write_file(const char *path, const struct text *parts, int count) {
  char temporary[PATH_MAX];
  if (snprintf(temporary, sizeof temporary, "%s.%d", path, (int)getpid()) >= (int)sizeof temporary) return 0;
  int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return 0;
  int ok = 1;
  for (int i = 0; ok && i < count; i++) {
    const char *at = parts[i].bytes;
    size_t left = parts[i].length;
    while (ok && left > 0) {
      ssize_t n = write(fd, at, left);
      if (n < 0 && errno == EINTR) continue;
      ok = n > 0;
      if (ok) at += n, left -= (size_t)n;
    }
  }
  ok = close(fd) == 0 && ok && rename(temporary, path) == 0;
  if (!ok) unlink(temporary);
  return ok;
}

// --- just enough JSON to find two members of config.json, as byte ranges of the text ---

static const char *skip_blank(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  return p;
}

/** p at a string's opening quote: returns the byte after its closing quote, or NULL. */
static const char *skip_string(const char *p, const char *end) {
  for (p++; p < end; p++) {
    if (*p == '\\') p++;
    else if (*p == '"') return p + 1;
  }
  return NULL;
}

/** p at a value: returns the byte after it, or NULL. */
static const char *skip_value(const char *p, const char *end) {
  if (p >= end) return NULL;
  if (*p == '"') return skip_string(p, end);
  if (*p != '{' && *p != '[') {
    while (p < end && !strchr(",}] \t\r\n", *p)) p++;
    return p;
  }
  int depth = 0;
  for (; p < end; p++) {
    if (*p == '"') {
      p = skip_string(p, end);
      if (!p) return NULL;
      p--;
    } else if (*p == '{' || *p == '[') {
      depth++;
    } else if (*p == '}' || *p == ']') {
      if (--depth == 0) return p + 1;
    }
  }
  return NULL;
}

/**
 * The value of member `key` of the object at `object` (its '{'): sets [*value, *value_end) and
 * returns 1, or returns 0 when the object has no such member or is not well formed.
 */
static int member(const char *object, const char *end, const char *key, const char **value, const char **value_end) {
  if (object >= end || *object != '{') return 0;
  size_t key_length = strlen(key);
  const char *p = skip_blank(object + 1, end);
  while (p < end && *p == '"') {
    const char *name_end = skip_string(p, end);
    if (!name_end) return 0;
    int match = (size_t)(name_end - p - 2) == key_length && memcmp(p + 1, key, key_length) == 0;
    p = skip_blank(name_end, end);
    if (p >= end || *p != ':') return 0;
    p = skip_blank(p + 1, end);
    const char *after = skip_value(p, end);
    if (!after) return 0;
    if (match) {
      *value = p;
      *value_end = after;
      return 1;
    }
    p = skip_blank(after, end);
    if (p < end && *p == ',') p = skip_blank(p + 1, end);
  }
  return 0;
}

static int contains(const char *from, const char *to, const char *needle) {
  size_t n = strlen(needle);
  for (const char *p = from; p + n <= to; p++)
    if (memcmp(p, needle, n) == 0) return 1;
  return 0;
}

/** The cache entry's path for a profile: FNV-1a of its text names it; the text itself is kept to compare. */
static void entry_path(char *out, size_t size, const char *profile, size_t length, const char *suffix) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < length; i++) hash = (hash ^ (unsigned char)profile[i]) * 0x100000001b3ULL;
  snprintf(out, size, "%s/%016llx.%s", CACHE_DIR, (unsigned long long)hash, suffix);
}

/** The command line crun was asked to run, and what this program needs of it. */
struct request {
  char **argv;
  int argc;
  /** where the command word is in argv, 0 when there is none */
  int command;
  const char *state_root;
  const char *bundle;
  const char *id;
  int has_config;
};

static void parse(struct request *r) {
  r->state_root = DEFAULT_STATE_ROOT;
  r->bundle = ".";
  // global options: --root DIR, --log FILE, --log-format FORMAT take a value, either after '=' or next
  int i = 1;
  for (; i < r->argc && r->argv[i][0] == '-'; i++) {
    const char *a = r->argv[i];
    if (!strcmp(a, "--root") && i + 1 < r->argc) r->state_root = r->argv[++i];
    else if (!strncmp(a, "--root=", 7)) r->state_root = a + 7;
    else if ((!strcmp(a, "--log") || !strcmp(a, "--log-format")) && i + 1 < r->argc) i++;
  }
  if (i >= r->argc) return;
  r->command = i;
  for (i++; i < r->argc; i++) {
    const char *a = r->argv[i];
    if ((!strcmp(a, "--bundle") || !strcmp(a, "-b")) && i + 1 < r->argc) r->bundle = r->argv[++i];
    else if (!strncmp(a, "--bundle=", 9)) r->bundle = a + 9;
    else if (!strcmp(a, "--config") || !strcmp(a, "-f") || !strncmp(a, "--config=", 9)) r->has_config = 1;
  }
  r->id = r->argv[r->argc - 1];
}

static void run_crun(char **argv) {
  argv[0] = CRUN;
  execv(CRUN, argv);
  fprintf(stderr, "crun-seccomp-cache: cannot run %s: %s\n", CRUN, strerror(errno));
  exit(127);
}

/** crun with --config PATH after the command word. */
static void run_crun_with_config(const struct request *r, char *path) {
  char **argv = calloc((size_t)r->argc + 3, sizeof *argv);
  if (!argv) return;
  memcpy(argv, r->argv, (size_t)(r->command + 1) * sizeof *argv);
  argv[r->command + 1] = "--config";
  argv[r->command + 2] = path;
  memcpy(argv + r->command + 3, r->argv + r->command + 1, (size_t)(r->argc - r->command - 1) * sizeof *argv);
  run_crun(argv);
}

/** After a create that compiled the profile: keeps the filter crun wrote, base64 as the annotation wants it. */
static void keep_filter(const struct request *r, const char *profile, size_t length) {
  char path[PATH_MAX];
  struct text filter;
  if (snprintf(path, sizeof path, "%s/%s/seccomp.bpf", r->state_root, r->id) >= (int)sizeof path) return;
  if (!read_file(path, &filter)) return;
  size_t size = (filter.length + 2) / 3 * 4 + 1;
  char *encoded = malloc(size);
  int n = encoded ? b64_ntop((unsigned char *)filter.bytes, filter.length, encoded, size) : -1;
  if (n <= 0 || (mkdir(CACHE_DIR, 0700) < 0 && errno != EEXIST)) return;
  // the filter first: an entry is used only once its profile is there
  struct text filter_part = {encoded, (size_t)n}, profile_part = {(char *)profile, length};
  entry_path(path, sizeof path, profile, length, "bpf64");
  if (!write_file(path, &filter_part, 1)) return;
  entry_path(path, sizeof path, profile, length, "profile");
  write_file(path, &profile_part, 1);
}

int main(int argc, char **argv) {
  struct request r = {.argv = argv, .argc = argc};
  parse(&r);
  const char *command = r.command ? argv[r.command] : "";
  int create = !strcmp(command, "create");
  if ((!create && strcmp(command, "run")) || r.has_config || geteuid() != 0) run_crun(argv);

  char path[PATH_MAX];
  struct text config;
  if (snprintf(path, sizeof path, "%s/config.json", r.bundle) >= (int)sizeof path || !read_file(path, &config)) run_crun(argv);
  const char *end = config.bytes + config.length;
  const char *top = skip_blank(config.bytes, end), *linux_, *linux_end, *profile, *profile_end, *annotations = NULL, *annotations_end;
  if (!member(top, end, "linux", &linux_, &linux_end) || !member(linux_, linux_end, "seccomp", &profile, &profile_end) ||
      *profile != '{' || contains(profile, profile_end, "\"listenerPath\""))
    run_crun(argv);
  if (member(top, end, "annotations", &annotations, &annotations_end) &&
      (*annotations != '{' || contains(annotations, annotations_end, "\"" SECCOMP_ANNOTATIONS)))
    run_crun(argv);
  size_t length = (size_t)(profile_end - profile);

  struct text cached_profile, filter;
  char entry[PATH_MAX];
  entry_path(entry, sizeof entry, profile, length, "profile");
  int hit = read_file(entry, &cached_profile) && cached_profile.length == length && !memcmp(cached_profile.bytes, profile, length);
  entry_path(entry, sizeof entry, profile, length, "bpf64");
  if (hit && read_file(entry, &filter)) {
    // config.json with the annotation: into its annotations, or as the object's first member
    const char *at = annotations ? annotations + 1 : top + 1;
    // the annotation closes the object when the config's annotations are empty ({}), else a comma follows it
    int alone = annotations && *skip_blank(at, end) == '}';
    struct text parts[] = {
        {config.bytes, (size_t)(at - config.bytes)},
        annotations ? LITERAL("") : LITERAL("\"annotations\":{"),
        LITERAL("\"" ANNOTATION "\":\""),
        filter,
        annotations ? (alone ? LITERAL("\"") : LITERAL("\",")) : LITERAL("\"},"),
        {(char *)at, (size_t)(end - at)},
    };
    char copy[PATH_MAX];
    if (realpath(r.bundle, path) && snprintf(copy, sizeof copy, "%s/" CACHED_CONFIG, path) < (int)sizeof copy &&
        write_file(copy, parts, 6))
      run_crun_with_config(&r, copy);
    run_crun(argv);
  }
  if (!create) run_crun(argv);

  // A profile not seen yet: crun compiles it; its filter is kept once the container is created.
  pid_t child = fork();
  if (child < 0) run_crun(argv);
  if (child == 0) run_crun(argv);
  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return 1;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) keep_filter(&r, profile, length);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
