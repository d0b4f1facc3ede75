// tun-delay: a user-space "netem delay" for kernels without sch_netem (test lab only).
//
// Creates two TUN devices (IFF_TUN | IFF_NO_PI) and forwards every raw IP packet read from one to
// the other after a fixed one-way delay, optionally dropping a random share of packets. The lab
// moves one device into a network namespace after READY; the file descriptors keep working after
// the netdev changes namespace. The devices are not persistent: they vanish when this process
// exits, so a crashed lab leaves nothing behind.
//
//   tun-delay <devA> <devB> <delay_ms> [loss_percent [port[-port]:extra_rtt_ms ...]]
//
// A slow port (or range) adds extra_rtt_ms to the round trip of that TCP port only (half on the way to the
// target, half on the way back): a port forwarded to a device further away, behind a router that
// answers every other port at once. Its packets go through rings of their own, so each ring still
// has one fixed delay and stays in arrival order.
//
// Prints "READY" on stdout once both devices exist. Exits on SIGTERM/SIGINT, when stdin reaches
// EOF (the parent is gone) or when the parent dies (PR_SET_PDEATHSIG). Counters go to stderr on
// exit and on SIGUSR1.
//
// A fixed delay keeps each direction's queue in arrival order, so a FIFO ring per direction is
// the timer-ordered queue; ppoll() with a nanosecond timeout wakes at the head's release time.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define SLOT_BYTES 2048        // device MTU stays at 1500; TUN without VNET_HDR does no GSO
#define SLOTS (1u << 15)       // per direction: 32768 packets in flight (≈ 650 ms at 50 kpps)
#define READ_BATCH 256         // packets drained per fd per wake-up, so neither side starves

struct slot {
  uint64_t due_ns;
  uint32_t len;
  unsigned char data[SLOT_BYTES];
};

struct ring {
  struct slot *slots;
  uint32_t head; // next to send
  uint32_t tail; // next free
  uint64_t in, out, lost, overflow, write_err;
  uint64_t late_max_ns, late_sum_ns, late_over_1ms; // release time after due time
};

static volatile sig_atomic_t stop_flag = 0;
static volatile sig_atomic_t stats_flag = 0;

static void on_stop(int sig) {
  (void)sig;
  stop_flag = 1;
}
static void on_stats(int sig) {
  (void)sig;
  stats_flag = 1;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int tun_open(const char *name) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    perror("open /dev/net/tun");
    exit(2);
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (strlen(name) >= IFNAMSIZ) {
    fprintf(stderr, "device name too long: %s\n", name);
    exit(2);
  }
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    fprintf(stderr, "TUNSETIFF %s: %s\n", name, strerror(errno));
    exit(2);
  }
  return fd;
}

static void print_ring(const char *name, struct ring *r) {
  fprintf(stderr,
          " %s in=%llu out=%llu lost=%llu overflow=%llu write_err=%llu late_avg_us=%.1f "
          "late_max_us=%.1f late_over_1ms=%llu",
          name, (unsigned long long)r->in, (unsigned long long)r->out,
          (unsigned long long)r->lost, (unsigned long long)r->overflow,
          (unsigned long long)r->write_err,
          r->out ? (double)r->late_sum_ns / (double)r->out / 1000.0 : 0.0,
          (double)r->late_max_ns / 1000.0, (unsigned long long)r->late_over_1ms);
}

// One line: "tun-delay <when>: a->b in=… | b->a in=…" (parsed by lab.ts delayStats()).
static void print_stats(const char *when, struct ring *ab, struct ring *ba) {
  fprintf(stderr, "tun-delay %s:", when);
  print_ring("a->b", ab);
  fprintf(stderr, " |");
  print_ring("b->a", ba);
  fprintf(stderr, "\n");
}

// xorshift64*: cheap and good enough for a loss coin.
static uint64_t rng_state;
static uint32_t rnd_below(uint32_t n) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (uint32_t)(((rng_state * 2685821657736338717ull) >> 32) % n);
}

#define MAX_SLOW 16
static int slow_lo[MAX_SLOW], slow_hi[MAX_SLOW];
static int n_slow = 0;
static uint64_t slow_extra_ns[MAX_SLOW]; // one way: half the extra round trip

// The TCP port of a packet on the given side (0 = destination, 1 = source), or -1. IPv6: no
// extension headers (the lab sends none).
static int tcp_port(const unsigned char *p, ssize_t n, int source) {
  if (n < 1) return -1;
  int off;
  if ((p[0] >> 4) == 4) {
    if (n < 20 || p[9] != 6) return -1;
    off = (p[0] & 15) * 4;
  } else if ((p[0] >> 4) == 6) {
    if (n < 40 || p[6] != 6) return -1;
    off = 40;
  } else {
    return -1;
  }
  if (n < off + 4) return -1;
  int at = off + (source ? 0 : 2);
  return (p[at] << 8) | p[at + 1];
}

// Which slow port (index) a packet belongs to, or -1.
static int slow_index(const unsigned char *p, ssize_t n, int source) {
  if (n_slow == 0) return -1;
  int port = tcp_port(p, n, source);
  for (int i = 0; i < n_slow; i++)
    if (port >= slow_lo[i] && port <= slow_hi[i]) return i;
  return -1;
}

// Reads up to READ_BATCH packets from fd into ring r (or, for a slow port, into slow[i]), stamped
// with their release time. `source`: which port of the packet names the slow port (a->b: the
// destination port, b->a: the source port).
static void drain(int fd, struct ring *r, struct ring *slow, int source, uint64_t delay_ns,
                  uint32_t loss_per_10000) {
  for (int i = 0; i < READ_BATCH; i++) {
    unsigned char buf[SLOT_BYTES];
    ssize_t n = read(fd, buf, SLOT_BYTES);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      if (errno == EIO || errno == EBADFD) return; // device not up yet
      perror("read");
      return;
    }
    int k = slow_index(buf, n, source);
    struct ring *q = k >= 0 ? &slow[k] : r;
    uint64_t d = k >= 0 ? delay_ns + slow_extra_ns[k] : delay_ns;
    q->in++;
    if (q->tail - q->head >= SLOTS) {
      q->overflow++;
      continue;
    }
    if (loss_per_10000 > 0 && rnd_below(10000) < loss_per_10000) {
      q->lost++;
      continue;
    }
    struct slot *s = &q->slots[q->tail & (SLOTS - 1)];
    memcpy(s->data, buf, (size_t)n);
    s->len = (uint32_t)n;
    s->due_ns = now_ns() + d;
    q->tail++;
  }
}

// Writes every packet whose release time has come to fd.
static void release(int fd, struct ring *r, uint64_t now) {
  while (r->head != r->tail) {
    struct slot *s = &r->slots[r->head & (SLOTS - 1)];
    if (s->due_ns > now) return;
    uint64_t late = now - s->due_ns;
    if (late > r->late_max_ns) r->late_max_ns = late;
    r->late_sum_ns += late;
    if (late > 1000000ull) r->late_over_1ms++;
    ssize_t n = write(fd, s->data, s->len);
    if (n < 0) {
      if (errno == EAGAIN) return; // retry on the next wake-up
      r->write_err++;
    } else {
      r->out++;
    }
    r->head++;
  }
}

int main(int argc, char **argv) {
  if (argc < 4 || argc > 5 + MAX_SLOW) {
    fprintf(stderr, "usage: %s <devA> <devB> <delay_ms> [loss_percent [port[-port]:extra_rtt_ms ...]]\n",
            argv[0]);
    return 2;
  }
  double delay_ms = atof(argv[3]);
  double loss = argc >= 5 ? atof(argv[4]) : 0.0;
  for (int i = 5; i < argc; i++) {
    int lo = 0, hi = 0;
    double extra = 0;
    if (sscanf(argv[i], "%d-%d:%lf", &lo, &hi, &extra) != 3) {
      if (sscanf(argv[i], "%d:%lf", &lo, &extra) != 2) lo = 0;
      hi = lo;
    }
    if (lo < 1 || hi > 65535 || hi < lo || extra < 0 || extra > 20000) {
      fprintf(stderr, "bad slow port %s (want port[-port]:extra_rtt_ms)\n", argv[i]);
      return 2;
    }
    slow_lo[n_slow] = lo;
    slow_hi[n_slow] = hi;
    slow_extra_ns[n_slow] = (uint64_t)(extra * 1e6 / 2);
    n_slow++;
  }
  if (delay_ms < 0 || delay_ms > 10000 || loss < 0 || loss > 100) {
    fprintf(stderr, "delay_ms must be 0..10000 and loss_percent 0..100\n");
    return 2;
  }
  uint64_t delay_ns = (uint64_t)(delay_ms * 1e6);
  uint32_t loss_per_10000 = (uint32_t)(loss * 100.0 + 0.5);
  rng_state = now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
  if (rng_state == 0) rng_state = 1;

  prctl(PR_SET_PDEATHSIG, SIGTERM);
  // Wake up on time: 1 ns timer slack, and a modest real-time priority so busy test processes on
  // a small machine cannot delay the release of a packet (the loop sleeps in ppoll, so it cannot
  // starve anyone; the kernel's RT throttling caps it anyway). Best effort: ignored if refused.
  prctl(PR_SET_TIMERSLACK, 1UL);
  struct sched_param sp = {.sched_priority = 10};
  if (getenv("TUN_DELAY_NO_RT") == NULL && sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
    fprintf(stderr, "tun-delay: no SCHED_FIFO (%s), timing may jitter under load\n", strerror(errno));
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sa.sa_handler = on_stats;
  sigaction(SIGUSR1, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  struct ring ab = {0}, ba = {0};
  struct ring ab_slow[MAX_SLOW] = {{0}}, ba_slow[MAX_SLOW] = {{0}};
  ab.slots = calloc(SLOTS, sizeof(struct slot));
  ba.slots = calloc(SLOTS, sizeof(struct slot));
  if (!ab.slots || !ba.slots) {
    perror("calloc");
    return 2;
  }
  for (int i = 0; i < n_slow; i++) {
    ab_slow[i].slots = calloc(SLOTS, sizeof(struct slot));
    ba_slow[i].slots = calloc(SLOTS, sizeof(struct slot));
    if (!ab_slow[i].slots || !ba_slow[i].slots) {
      perror("calloc");
      return 2;
    }
  }

  int fa = tun_open(argv[1]);
  int fb = tun_open(argv[2]);
  printf("READY\n");
  fflush(stdout);

  struct pollfd pfd[3] = {
      {.fd = fa, .events = POLLIN},
      {.fd = fb, .events = POLLIN},
      {.fd = STDIN_FILENO, .events = POLLIN},
  };
  // Block the signals outside ppoll so a signal cannot slip between the flag check and the wait.
  sigset_t blocked, waitmask;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGINT);
  sigaddset(&blocked, SIGHUP);
  sigaddset(&blocked, SIGUSR1);
  sigprocmask(SIG_BLOCK, &blocked, &waitmask);

  while (!stop_flag) {
    if (stats_flag) {
      stats_flag = 0;
      print_stats("stats", &ab, &ba);
    }
    uint64_t now = now_ns();
    release(fb, &ab, now);
    release(fa, &ba, now);
    for (int i = 0; i < n_slow; i++) {
      release(fb, &ab_slow[i], now);
      release(fa, &ba_slow[i], now);
    }

    struct timespec ts, *tsp = NULL;
    uint64_t next = UINT64_MAX;
    struct ring *rings[2 + 2 * MAX_SLOW];
    int nr = 0;
    rings[nr++] = &ab;
    rings[nr++] = &ba;
    for (int i = 0; i < n_slow; i++) {
      rings[nr++] = &ab_slow[i];
      rings[nr++] = &ba_slow[i];
    }
    for (int i = 0; i < nr; i++) {
      struct ring *q = rings[i];
      if (q->head == q->tail) continue;
      uint64_t d = q->slots[q->head & (SLOTS - 1)].due_ns;
      if (d < next) next = d;
    }
    if (next != UINT64_MAX) {
      uint64_t wait = next > now ? next - now : 0;
      ts.tv_sec = (time_t)(wait / 1000000000ull);
      ts.tv_nsec = (long)(wait % 1000000000ull);
      tsp = &ts;
    }
    int rc = ppoll(pfd, 3, tsp, &waitmask);
    if (rc < 0) {
      if (errno == EINTR) continue;
      perror("ppoll");
      break;
    }
    if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      char b[64];
      ssize_t n = read(STDIN_FILENO, b, sizeof b);
      if (n <= 0) break; // parent closed our stdin: it is gone, so are we
    }
    if (pfd[0].revents & POLLIN) drain(fa, &ab, ab_slow, 0, delay_ns, loss_per_10000);
    if (pfd[1].revents & POLLIN) drain(fb, &ba, ba_slow, 1, delay_ns, loss_per_10000);
  }
  print_stats("exit", &ab, &ba);
  close(fa);
  close(fb);
  return 0;
}
