// The kernel emulator's scheduler: a launch runs its blocks one after another, each block's threads as fibers
// (fiber.h) of this one OS thread, switched only at __syncthreads and at the warp-collective operations —
// shuffles, mma, ldmatrix, all one gather over the warp (barriers over the block, or over the calling warp's
// threads). A barrier that can never complete aborts with a message.
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>
#include "cuda-host.h"
#include "fiber.h"

uint3 threadIdx, blockIdx;
dim3 blockDim, gridDim;
extern "C" {
alignas(16) unsigned char smem_bytes[MT_SMEM_BYTES];
}

namespace {
constexpr size_t STACK = 256 * 1024;
enum Wait { NONE, BLOCK, WARP, DONE };
/** A cp.async copy not yet landed: its destination, the bytes read at issue, and its commit group (-1: open). */
struct PendingCopy { unsigned char *dst; unsigned char bytes[16]; unsigned size; long group; };
struct Fiber {
  FiberContext ctx;
  Wait wait = NONE;
  std::vector<PendingCopy> copies;
  long committed = 0; // cp.async groups committed so far
};
FiberContext sched;
std::vector<Fiber> fibers;
// Each fiber's stack: left uninitialised, so its pages are only mapped as a thread's calls reach them (a block of 1024
// threads would otherwise zero and copy 256 MB in every test process before its first launch).
std::vector<std::unique_ptr<char[]>> stacks;
int cur = 0, alive = 0, blockArrived = 0;
/** __syncthreads_and: the AND of the predicates of the block barrier's round under way, and of the last completed one. */
bool roundAnd = true, releasedAnd = true;
std::vector<int> warpArrived, warpAlive;
/** What each warp's lanes give to a warp gather: lane l's `bytes` at l·bytes of the warp's 32·GATHER_MAX. */
constexpr unsigned GATHER_MAX = 64;
std::vector<unsigned char> gathered;
const std::function<void()> *body = nullptr;

void release(Wait kind, int warp) {
  if (kind == BLOCK) { releasedAnd = roundAnd; roundAnd = true; }
  const size_t from = kind == BLOCK ? 0 : (size_t)warp * 32, to = kind == BLOCK ? fibers.size() : from + 32;
  for (size_t i = from; i < to; i++) if (fibers[i].wait == kind) fibers[i].wait = NONE;
}

/** Suspends the running thread for the next one the schedule runs (defined with the scheduler, below). */
void yield();

void trampoline() {
  (*body)();
  Fiber &f = fibers[cur];
  // copies never waited for still land (on a GPU, some time before the block ends): the launch's shared-memory check sees them
  for (const PendingCopy &c : f.copies) std::memcpy(c.dst, c.bytes, c.size);
  f.copies.clear();
  f.wait = DONE;
  alive--;
  const int w = cur / 32;
  warpAlive[w]--;
  // an exited thread counts as arrived at the barriers the others wait at
  if (blockArrived > 0 && blockArrived == alive) { blockArrived = 0; release(BLOCK, -1); }
  if (warpArrived[w] > 0 && warpArrived[w] == warpAlive[w]) { warpArrived[w] = 0; release(WARP, w); }
  yield(); // never resumed: the scheduler runs only threads that are not DONE
  std::abort();
}
}  // namespace

void __syncthreads() {
  fibers[cur].wait = BLOCK;
  if (++blockArrived == alive) {
    blockArrived = 0;
    release(BLOCK, -1);
    return;
  }
  yield();
}

// A round's result is read by each thread as it resumes, before it can arrive at the next round: that one cannot
// complete (and overwrite releasedAnd) until every thread has arrived there
int __syncthreads_and(int predicate) {
  roundAnd = roundAnd && predicate != 0;
  __syncthreads();
  return releasedAnd;
}

static void warpBarrier() {
  const int w = cur / 32;
  fibers[cur].wait = WARP;
  if (++warpArrived[w] == warpAlive[w]) {
    warpArrived[w] = 0;
    release(WARP, w);
    return;
  }
  yield();
}

int mt_lane() { return cur % 32; }

static bool copiesLandAtIssue();

void mt_cp_async(void *dst, const void *src, unsigned size, unsigned srcBytes) {
  if ((size != 4 && size != 8 && size != 16) || (uintptr_t)dst % size != 0 || (uintptr_t)src % size != 0 || srcBytes > size) {
    std::fprintf(stderr, "emulator: cp.async of %u of %u bytes from %p to %p (4, 8 or 16, aligned to it)\n", srcBytes, size, src, dst);
    std::abort();
  }
  PendingCopy c{static_cast<unsigned char *>(dst), {}, size, -1};
  std::memcpy(c.bytes, src, srcBytes);
  if (copiesLandAtIssue()) std::memcpy(c.dst, c.bytes, size);
  else fibers[cur].copies.push_back(c);
}

void mt_cp_async_commit() {
  Fiber &f = fibers[cur];
  for (PendingCopy &c : f.copies) if (c.group < 0) c.group = f.committed;
  f.committed++;
}

void mt_cp_async_wait(int n) {
  Fiber &f = fibers[cur];
  std::vector<PendingCopy> inFlight;
  for (PendingCopy &c : f.copies) {
    if (c.group >= 0 && c.group < f.committed - n) std::memcpy(c.dst, c.bytes, c.size);
    else inFlight.push_back(c);
  }
  f.copies.swap(inFlight);
}

void mt_warp_gather(const void *mine, unsigned bytes, void *all) {
  if (bytes > GATHER_MAX) { std::fprintf(stderr, "emulator: a warp gather of %u bytes\n", bytes); std::abort(); }
  unsigned char *warp = &gathered[(size_t)(cur / 32) * 32 * GATHER_MAX];
  std::memcpy(warp + (size_t)(cur % 32) * bytes, mine, bytes);
  warpBarrier();
  std::memcpy(all, warp, 32 * (size_t)bytes);
  warpBarrier();
}

// a gather that reads back only the partner's lane (a shuffle is the commonest collective: reductions)
uint64_t mt_shfl_xor(uint64_t v, int m) {
  uint64_t *warp = reinterpret_cast<uint64_t *>(&gathered[(size_t)(cur / 32) * 32 * GATHER_MAX]);
  warp[cur % 32] = v;
  warpBarrier();
  const uint64_t r = warp[(cur % 32) ^ m];
  warpBarrier();
  return r;
}

// The order the scheduler resumes a block's threads in, from MT_EMULATOR_SCHEDULE: forward (the default: every
// runnable thread each round, in index order), reverse (the same, last thread first), or serial (one warp at a
// time, the last first, each running until all its threads wait at __syncthreads or end). Threads switch only at
// barriers, so a kernel that reads what another thread wrote since the last barrier it shares with it (a race
// on a GPU) gives results that depend on this order: the tests run under more than one. The schedule also says
// when cp.async copies land: at issue under serial (a warp that runs ahead and refills a tile the others have not
// read yet overwrites it), at the covering wait under the others (a read before the wait sees the old bytes).
enum Schedule { FORWARD, REVERSE, SERIAL };
static Schedule schedule() {
  const char *mode = std::getenv("MT_EMULATOR_SCHEDULE");
  if (!mode || !std::strcmp(mode, "forward")) return FORWARD;
  if (!std::strcmp(mode, "reverse")) return REVERSE;
  if (!std::strcmp(mode, "serial")) return SERIAL;
  std::fprintf(stderr, "emulator: MT_EMULATOR_SCHEDULE=%s (forward, reverse or serial)\n", mode);
  std::abort();
}

/** Whether cp.async copies land at once (the serial schedule) or at the wait that covers them (the others). */
static bool copiesLandAtIssue() {
  static const bool early = schedule() == SERIAL;
  return early;
}

/** Each thread's threadIdx in the launch's blocks, by fiber index (worked out once a launch, not at every switch). */
static std::vector<uint3> threadIndex;
static Schedule mode;
/** The round under way: how many of its places in the schedule's order are taken, and (serial) the warp it runs. */
static int roundPos = 0, roundWarp = 0;

/** The round's next runnable thread in the schedule's order, made the current one; false when the round is over. */
static bool nextInRound() {
  const int n = mode == SERIAL ? 32 : (int)fibers.size();
  while (roundPos < n) {
    const int o = roundPos++;
    const int i = mode == FORWARD ? o : mode == REVERSE ? n - 1 - o : roundWarp * 32 + 31 - o;
    if (fibers[i].wait != NONE) continue;
    cur = i;
    threadIdx = threadIndex[i];
    return true;
  }
  return false;
}

// A waiting or finished thread switches straight to the round's next runnable thread, as the scheduler would have
// in its loop (the same order, the same check of each thread's wait at its turn), and to the scheduler only at the
// round's end: one switch a turn instead of two.
namespace {
void yield() {
  FiberContext &from = fibers[cur].ctx;
  fiberSwitch(from, nextInRound() ? fibers[cur].ctx : sched);
}
}  // namespace

/** Runs one round of the block's runnable threads in the schedule's order; false when none could run. */
static bool runRound() {
  roundPos = 0;
  if (mode == SERIAL) { // the last warp with a runnable thread
    int i = (int)fibers.size() - 1;
    while (i >= 0 && fibers[i].wait != NONE) i--;
    if (i < 0) return false;
    roundWarp = i / 32;
  }
  if (!nextInRound()) return false;
  fiberSwitch(sched, fibers[cur].ctx);
  return true;
}

void mt_run(const unsigned grid[3], const unsigned block[3], const std::function<void()> &fn) {
  const int n = (int)(block[0] * block[1] * block[2]);
  if (n % 32 != 0) { std::fprintf(stderr, "emulator: a block of %d threads (not a multiple of 32)\n", n); std::abort(); }
  gridDim = dim3{grid[0], grid[1], grid[2]};
  blockDim = dim3{block[0], block[1], block[2]};
  body = &fn;
  static const Schedule chosen = schedule();
  mode = chosen;
  while ((int)stacks.size() < n) stacks.emplace_back(new char[STACK]);
  threadIndex.resize(n);
  for (int i = 0; i < n; i++) threadIndex[i] = uint3{(unsigned)(i % block[0]), (unsigned)((i / block[0]) % block[1]), (unsigned)(i / (block[0] * block[1]))};
  for (unsigned bz = 0; bz < grid[2]; bz++) for (unsigned by = 0; by < grid[1]; by++) for (unsigned bx = 0; bx < grid[0]; bx++) {
    blockIdx = uint3{bx, by, bz};
    fibers.assign(n, Fiber{});
    alive = n;
    blockArrived = 0;
    roundAnd = releasedAnd = true;
    warpArrived.assign(n / 32, 0);
    warpAlive.assign(n / 32, 32);
    gathered.resize((size_t)n / 32 * 32 * GATHER_MAX);
    for (int i = 0; i < n; i++) {
      fiberStart(fibers[i].ctx, stacks[i].get(), STACK, trampoline);
    }
    while (alive > 0) {
      const bool ran = runRound();
      if (!ran && alive > 0) { std::fprintf(stderr, "emulator: deadlock in block (%u,%u,%u)\n", bx, by, bz); std::abort(); }
    }
  }
}
