/*
 * Open-loop HTTP/1.1 load at a fixed rate, coordinated-omission corrected (what wrk2 does; wrk2 is
 * not packaged in Debian). Used by bench:proxy for the latency columns when a C compiler is there:
 * the Node generator (roles.ts fixed-rate) pauses for its own garbage collection and timers, and
 * those pauses land in every target's tail.
 *
 *   fixed-rate HOST PORT PATH RATE SECONDS CONNECTIONS
 *
 * Request i is due at start + i / RATE. It goes out on an idle keep-alive connection as soon as it is
 * due (or, when all CONNECTIONS are busy, as soon as one is free); its latency is measured from when
 * it was due. Responses must carry Content-Length (the bench's backends do). Prints one JSON line:
 * percentiles of latency (from due), service time (from sent) and lag (sent - due), in ms, as the
 * Node generator does.
 *
 * Single-threaded, epoll, no allocation per request. Bounded: stops after RATE x SECONDS requests or
 * SECONDS + 10 s, whichever is first.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  int fd;
  int busy;
  long req;         /* index of the request in flight */
  char buf[65536];
  size_t have;
} conn_t;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The fields of bench/proxy/stats.ts's LatencyStats, same percentile rule (sorted[floor(q * n)]). */
static void stats(double *v, long n) {
  qsort(v, n, sizeof(double), cmp);
#define AT(q) (n == 0 ? 0 : v[(long)((q) * n) >= n ? n - 1 : (long)((q) * n)])
  printf("\"count\":%ld,\"p50\":%.6f,\"p90\":%.6f,\"p99\":%.6f,\"p999\":%.6f,\"max\":%.6f", n, AT(0.5),
         AT(0.9), AT(0.99), AT(0.999), n == 0 ? 0 : v[n - 1]);
}

static int connect_to(const char *host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, host, &a.sin_addr);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("connect");
    exit(1);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/* Length of a complete response at the start of buf (head + Content-Length body), or 0 if incomplete. */
static size_t complete(const char *buf, size_t have, int *status) {
  const char *end = memmem(buf, have, "\r\n\r\n", 4);
  if (end == NULL) return 0;
  size_t head = (size_t)(end - buf) + 4;
  *status = atoi(buf + 9);
  long len = 0;
  for (const char *p = buf; p < end; p++) {
    if ((*p == '\n') && strncasecmp(p + 1, "content-length:", 15) == 0) {
      len = atol(p + 16);
      break;
    }
  }
  return have >= head + (size_t)len ? head + (size_t)len : 0;
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: fixed-rate HOST PORT PATH RATE SECONDS CONNECTIONS\n");
    return 2;
  }
  const char *host = argv[1], *path = argv[3];
  int port = atoi(argv[2]), nconn = atoi(argv[6]);
  double rate = atof(argv[4]), seconds = atof(argv[5]);
  long total = (long)(rate * seconds + 0.5);
  /* Wake up when asked: the default 50 us timer slack would make every send that much late. */
  prctl(PR_SET_TIMERSLACK, 1UL);
  char request[1024];
  int reqlen = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n", path, host, port);

  double *lat = calloc(total, sizeof(double)), *svc = calloc(total, sizeof(double)),
         *lag = calloc(total, sizeof(double)), *sentAt = calloc(total, sizeof(double));
  conn_t *conns = calloc(nconn, sizeof(conn_t));
  int ep = epoll_create1(0);
  for (int i = 0; i < nconn; i++) {
    conns[i].fd = connect_to(host, port);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }
  long sent = 0, done = 0, errors = 0;
  double interval = 1000.0 / rate, start = now_ms(), deadline = start + seconds * 1000 + 10000;
  struct epoll_event events[256];
  while (done < total && now_ms() < deadline) {
    double t = now_ms();
    /* Send every request that is due, on idle connections. */
    for (int i = 0; i < nconn && sent < total && start + sent * interval <= t; i++) {
      if (conns[i].busy) continue;
      conns[i].busy = 1;
      conns[i].req = sent;
      sentAt[sent] = now_ms();
      lag[sent] = sentAt[sent] - (start + sent * interval);
      if (write(conns[i].fd, request, reqlen) != reqlen) {
        perror("write");
        return 1;
      }
      sent++;
    }
    /* Wait for a response or the next due time, to the microsecond (epoll_wait's timeout is whole
       milliseconds: at 1000 rps that would send late or spin). */
    double next = sent < total ? start + sent * interval - now_ms() : 1000;
    if (next < 0) next = 0;
    struct timespec wait = {.tv_sec = (time_t)(next / 1000), .tv_nsec = (long)(((long long)(next * 1e6)) % 1000000000LL)};
    int n = epoll_pwait2(ep, events, 256, &wait, NULL);
    if (n < 0 && errno != EINTR) {
      perror("epoll_wait");
      return 1;
    }
    for (int k = 0; k < n; k++) {
      conn_t *c = &conns[events[k].data.u32];
      ssize_t r = read(c->fd, c->buf + c->have, sizeof c->buf - c->have);
      if (r <= 0) {
        /* Closed by the server: an idle one (keep-alive timeout: Node's is 5 s, and the lowest
           idle connection is always used first) is simply replaced; a request in flight on it failed. */
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        if (c->busy) {
          long i = c->req;
          double end = now_ms();
          lat[i] = end - (start + i * interval);
          svc[i] = end - sentAt[i];
          errors++;
          done++;
          c->busy = 0;
        }
        c->have = 0;
        c->fd = connect_to(host, port);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = events[k].data.u32};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
        continue;
      }
      c->have += (size_t)r;
      int status = 0;
      size_t len = complete(c->buf, c->have, &status);
      if (len == 0) continue;
      memmove(c->buf, c->buf + len, c->have - len);
      c->have -= len;
      double end = now_ms();
      long i = c->req;
      lat[i] = end - (start + i * interval);
      svc[i] = end - sentAt[i];
      if (status != 200) errors++;
      c->busy = 0;
      done++;
    }
  }
  printf("{");
  stats(lat, done);
  printf(",\"service\":{");
  stats(svc, done);
  printf("},\"lag\":{");
  stats(lag, sent);
  printf("},\"errors\":%ld,\"unanswered\":%ld,\"seconds\":%.3f}\n", errors, total - done, (now_ms() - start) / 1000);
  return 0;
}
